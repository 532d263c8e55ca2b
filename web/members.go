package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// memberRights is what the actor may do in the members table as a whole.
func memberRights(actor models.Actor) templates.MemberRights {
	return templates.MemberRights{
		AssignSeats: actor.Allowed(models.AssignSeats),
		Actions:     actor.Allowed(models.ManageMembers) || actor.Allowed(models.TransferOwnership),
		BuySeats:    actor.Allowed(models.ManageBilling) && !actor.Org.SalesAssisted,
		Bulk:        actor.Allowed(models.AssignSeats), RemoveMembers: actor.Allowed(models.ManageMembers),
	}
}

// memberRow is one member's row with what the actor may do to them, as
// models.MemberRule decides.
func memberRow(actor models.Actor, m models.MemberRow) templates.MemberRow {
	rights := models.RightsOver(actor, models.MemberTarget{ID: m.ID, Role: m.Role, Status: m.Status, SeatTypeKey: m.SeatTypeKey})
	row := templates.MemberRow{ID: m.ID, Name: m.Name, Email: m.Email, Role: string(m.Role),
		Status: string(m.Status), Source: string(m.Source), Added: m.CreatedAt,
		SetSeat: rights.SetSeat, Unassign: rights.Unassign, Remove: rights.Remove, Transfer: rights.Transfer}
	for _, r := range rights.Roles {
		row.Roles = append(row.Roles, string(r))
	}
	if m.SeatTypeKey != nil {
		row.SeatType = *m.SeatTypeKey
	}
	row.SeatSource = string(m.SeatSource)
	if m.WaitingFor != nil && m.Status == models.StatusActive {
		row.MovingTo = *m.WaitingFor
	}
	return row
}

// idParam reads the {id} of the URL; anything but a positive number is not found.
func idParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, models.ErrNotFound
	}
	return id, nil
}

// MemberRow is one member's row as it is now (what Cancel brings back).
func (s *Server) MemberRow(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	return s.rowPanel(w, r, id, http.StatusOK, nil)
}

// ChangeSeat moves a member to another seat type or to Unassigned.
func (s *Server) ChangeSeat(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	c := models.SeatChange{MembershipID: id, From: r.PostFormValue("from"), To: r.PostFormValue("to"), Confirmed: r.PostFormValue("confirm") == "1"}
	res, err := models.ChangeSeat(r.Context(), s.DB, ActorFrom(r.Context()), c)
	if err != nil {
		return s.rowAnswer(w, r, id, err, c.To)
	}
	msg := locales.T(r.Context(), "members.row.seat_done", map[string]any{"Name": res.Member.Name,
		"Type": locales.From(r.Context()).SeatType(models.SeatOf(res.Member.SeatTypeKey))})
	return s.rowDone(w, r, res, msg, "seat")
}

// BuySeat is the Owner's one confirmation: buy one seat of the type and
// assign it to the member.
func (s *Server) BuySeat(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	c := models.SeatChange{MembershipID: id, From: r.PostFormValue("from"), To: r.PostFormValue("to")}
	p, res, err := models.BuySeatAndAssign(r.Context(), s.DB, s.Clock, ActorFrom(r.Context()), r.PostFormValue("quote"), c)
	if err != nil {
		return s.rowAnswer(w, r, id, err, c.To)
	}
	if p.Repeat { // the same confirmation again: the row as it is now
		return s.rowPanel(w, r, id, http.StatusOK, nil)
	}
	msg := locales.T(r.Context(), "members.seat.bought", map[string]any{"Type": locales.T(r.Context(), "seat.type."+c.To), "Invoice": p.Invoice.Number})
	return s.rowDone(w, r, res, msg, "seat")
}

// ChangeRole makes a member Member, Admin or Owner.
func (s *Server) ChangeRole(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	from, to := models.Role(r.PostFormValue("from")), models.Role(r.PostFormValue("to"))
	res, err := models.ChangeRole(r.Context(), s.DB, ActorFrom(r.Context()), id, from, to)
	if err != nil {
		return s.rowAnswer(w, r, id, err, "")
	}
	msg := locales.T(r.Context(), "members.row.role_done", map[string]any{"Name": res.Member.Name, "Role": locales.T(r.Context(), "role."+string(res.Member.Role))})
	return s.rowDone(w, r, res, msg, "actions")
}

// RemoveMember asks for confirmation, then removes the member.
func (s *Server) RemoveMember(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	actor := ActorFrom(r.Context())
	if err := actor.Check(models.ManageMembers); err != nil {
		return s.rowAnswer(w, r, id, err, "")
	}
	if r.PostFormValue("confirm") != "1" {
		return s.rowPanel(w, r, id, http.StatusOK, &templates.RowPanel{Kind: "confirm_remove"})
	}
	res, err := models.RemoveMember(r.Context(), s.DB, actor, id)
	if err != nil {
		return s.rowAnswer(w, r, id, err, "")
	}
	msg := locales.T(r.Context(), "members.remove.done", map[string]any{"Name": res.Member.Name})
	if !isHTMX(r) {
		return s.redirectFlash(w, r, membersPath(actor), success(msg))
	}
	return s.fragment(w, r, http.StatusOK, templates.MemberGoneResponse(id, msg, seatSummaries(res.Allocations)))
}

// TransferOwnership asks for confirmation, then makes the member the Primary
// Owner. The page reloads: the viewer's rights changed.
func (s *Server) TransferOwnership(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	actor := ActorFrom(r.Context())
	if r.PostFormValue("confirm") != "1" {
		return s.rowPanel(w, r, id, http.StatusOK, &templates.RowPanel{Kind: "confirm_transfer"})
	}
	if err := models.TransferPrimaryOwnership(r.Context(), s.DB, actor, id); err != nil {
		return s.rowAnswer(w, r, id, err, "")
	}
	m, err := models.MemberByID(r.Context(), s.DB, actor, id)
	if err != nil {
		return err
	}
	return s.redirectFlash(w, r, membersPath(actor), success(locales.T(r.Context(), "flash.transferred", map[string]any{"Name": m.Name})))
}

func membersPath(actor models.Actor) string {
	return "/orgs/" + actor.Org.Slug + "/settings/organization"
}

// rowAnswer turns the outcome of a row change into the row's answer: the row
// as it is now, with a question (confirm a loss, buy a seat) or the reason of
// a refusal inside it.
func (s *Server) rowAnswer(w http.ResponseWriter, r *http.Request, id int64, err error, to string) error {
	loc := locales.From(r.Context())
	var (
		confirm   *models.NeedsConfirmation
		noSeat    *models.NoSeat
		stale     *models.Stale
		invalid   *models.Invalid
		forbidden *models.Forbidden
	)
	switch {
	case errors.As(err, &confirm):
		return s.rowPanel(w, r, id, http.StatusOK, &templates.RowPanel{Kind: "confirm_seat", To: to, Loss: string(confirm.Loss)})
	case errors.As(err, &noSeat):
		actor := ActorFrom(r.Context())
		if memberRights(actor).BuySeats {
			q, qerr := models.QuoteSeats(r.Context(), s.DB, s.Clock, actor, noSeat.SeatType, 1, models.PurposeAssign(id))
			if qerr == nil {
				return s.rowPanel(w, r, id, http.StatusConflict, &templates.RowPanel{Kind: "buy_seat", To: to, Quote: reviewVM(q)})
			}
		}
		return s.rowPanel(w, r, id, http.StatusConflict, &templates.RowPanel{Kind: "no_seat", To: to})
	case errors.As(err, &stale):
		msg := loc.T("members.stale", map[string]any{"Name": stale.Name})
		return s.rowPanel(w, r, id, http.StatusConflict, &templates.RowPanel{Kind: "error", Message: msg})
	case errors.As(err, &invalid):
		return s.rowPanel(w, r, id, http.StatusUnprocessableEntity, &templates.RowPanel{Kind: "error", Message: loc.Message(invalid.Key, invalid.Args)})
	case errors.As(err, &forbidden):
		msg := loc.T("members.forbidden", map[string]any{"Role": loc.T("role."+string(forbidden.Need), nil)})
		return s.rowPanel(w, r, id, http.StatusForbidden, &templates.RowPanel{Kind: "error", Message: msg})
	case errors.Is(err, models.ErrNotFound):
		if !isHTMX(r) {
			return err
		}
		allocs, aerr := models.Allocations(r.Context(), s.DB, ActorFrom(r.Context()).Org.ID)
		if aerr != nil {
			return aerr
		}
		return s.fragment(w, r, http.StatusNotFound, templates.MemberGoneResponse(id, loc.T("members.gone", nil), seatSummaries(allocs)))
	}
	return err
}

// rowDone answers a change that went through, from what the operation
// returned: htmx gets the row with the message (read out in the page's live
// region, the focus back on the row's control named by focus) and the
// summary; a plain form is redirected to the page, which shows the message.
func (s *Server) rowDone(w http.ResponseWriter, r *http.Request, res models.MemberResult, message, focus string) error {
	if !isHTMX(r) {
		return s.redirectFlash(w, r, membersPath(ActorFrom(r.Context())), success(message))
	}
	return s.rowView(w, r, res, http.StatusOK, &templates.RowPanel{Kind: "done", Message: message, Focus: focus})
}

// rowPanel renders the member's current row with a panel: a fragment for
// htmx, the member's own page otherwise.
func (s *Server) rowPanel(w http.ResponseWriter, r *http.Request, id int64, status int, panel *templates.RowPanel) error {
	actor := ActorFrom(r.Context())
	m, err := models.MemberByID(r.Context(), s.DB, actor, id)
	if err != nil {
		return err
	}
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return err
	}
	return s.rowView(w, r, models.MemberResult{Member: m, Allocations: allocs}, status, panel)
}

// rowView renders a member's row and the seat summary.
func (s *Server) rowView(w http.ResponseWriter, r *http.Request, res models.MemberResult, status int, panel *templates.RowPanel) error {
	actor := ActorFrom(r.Context())
	vm := membersShell(actor, res.Allocations)
	row := memberRow(actor, res.Member)
	row.Panel = panel
	seats := seatSummaries(res.Allocations)
	if isHTMX(r) {
		return s.fragment(w, r, status, templates.MemberRowResponse(vm, row, seats))
	}
	return s.page(w, r, status, locales.T(r.Context(), "nav.organization"), "organization", templates.MemberActionPage(vm, row, seats))
}

// membersShell is the members table's frame: URLs, seat types, rights.
func membersShell(actor models.Actor, allocs []models.Allocation) templates.Members {
	base := membersPath(actor)
	vm := templates.Members{BaseURL: base, FragmentURL: base + "/members", Can: memberRights(actor), Currency: actor.Org.Currency, Page: 1}
	for _, a := range allocs {
		vm.SeatTypes = append(vm.SeatTypes, a.SeatTypeKey)
	}
	for _, st := range models.Statuses {
		vm.Statuses = append(vm.Statuses, string(st))
	}
	for _, so := range models.MemberSorts {
		vm.Sorts = append(vm.Sorts, string(so))
	}
	return vm
}
