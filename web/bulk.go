package web

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Bulk work on the Organization page (templates/bulk.templ): the bulk bar
// above the members table (review, apply, buy and apply) and bulk
// invitations in the Invitations section. Without JavaScript each step is a
// page of its own (the review, then the result); with htmx the bar becomes
// the review, then the result, and the table and the seat summary follow.

// bulkRowsShown bounds the members listed in a review; bulkSkipsShown the
// members listed as skipped.
const (
	bulkRowsShown  = 50
	bulkSkipsShown = 200
)

// bulkForm is the bulk bar's form, or the review's, as posted.
type bulkForm struct {
	change models.BulkChange
	filter url.Values // q, seat, status, sort, page: the table to come back to
	expect int64      // "every member matching": how many the page said
	token  string     // the reviewed plan
}

// readBulk reads a bulk change: the scope (the members ticked, this page,
// or every member matching the table's filter), the action and the filter.
func readBulk(r *http.Request) (bulkForm, error) {
	f := bulkForm{filter: url.Values{}}
	for _, k := range []string{"q", "seat", "status", "sort", "page"} {
		if v := r.PostFormValue(k); v != "" {
			f.filter.Set(k, v)
		}
	}
	f.token = r.PostFormValue("token")
	f.expect, _ = strconv.ParseInt(r.PostFormValue("expect"), 10, 64)
	switch a := r.PostFormValue("action"); {
	case a == "remove":
		f.change.Action = models.BulkRemove
	case strings.HasPrefix(a, "seat:"):
		f.change.Action, f.change.To = models.BulkSetSeat, strings.TrimPrefix(a, "seat:")
	default:
		return f, models.Invalidf("action", "bulk.action_unknown", nil)
	}
	field := "id"
	switch r.PostFormValue("scope") {
	case "all":
		f.change.All = true
		f.change.Filter = models.MemberFilter{Query: f.filter.Get("q"), SeatType: f.filter.Get("seat"), Status: f.filter.Get("status")}
		return f, nil
	case "page":
		field = "page_id"
	case "selected", "":
	default:
		return f, models.Invalidf("scope", "bulk.bad_selection", nil)
	}
	raw := r.PostForm[field]
	if len(raw) > models.MaxBulkMembers {
		return f, models.Invalidf("id", "bulk.too_many", map[string]any{"Max": models.MaxBulkMembers, "Selected": len(raw)})
	}
	for _, v := range raw {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id < 1 {
			return f, models.Invalidf("id", "bulk.bad_selection", nil)
		}
		f.change.IDs = append(f.change.IDs, id)
	}
	return f, nil
}

// bulkTable is the members table at a filter and page, as a change left it.
func (s *Server) bulkTable(r *http.Request, actor models.Actor, filter url.Values) (templates.Members, error) {
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return templates.Members{}, err
	}
	at := r.Clone(r.Context())
	at.URL.RawQuery = filter.Encode()
	m, _, err := s.members(at, actor, allocs) // an invalid filter shows its message above the table
	return m, err
}

// BulkBar is the bulk bar as it is (what Cancel brings back).
func (s *Server) BulkBar(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	filter := url.Values{}
	for _, k := range []string{"q", "seat", "status", "sort", "page"} {
		if v := r.URL.Query().Get(k); v != "" {
			filter.Set(k, v)
		}
	}
	if !isHTMX(r) {
		target := membersPath(actor)
		if len(filter) > 0 {
			target += "?" + filter.Encode()
		}
		redirect(w, r, target)
		return nil
	}
	m, err := s.bulkTable(r, actor, filter)
	if err != nil {
		return err
	}
	return s.fragment(w, r, http.StatusOK, templates.BulkBarWith(m, templates.BulkBarState{}))
}

// BulkReview shows what a bulk change would do, before its confirmation.
func (s *Server) BulkReview(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	f, err := readBulk(r)
	var plan models.BulkPlan
	if err == nil {
		plan, err = models.PlanBulk(r.Context(), s.DB, actor, f.change)
	}
	if err != nil {
		return s.bulkRefused(w, r, f, err)
	}
	return s.bulkReviewAnswer(w, r, f, plan, "", http.StatusOK)
}

// BulkApply applies a reviewed bulk change.
func (s *Server) BulkApply(w http.ResponseWriter, r *http.Request) error {
	f, err := readBulk(r)
	if err != nil {
		return s.bulkRefused(w, r, f, err)
	}
	res, err := models.ApplyBulk(r.Context(), s.DB, ActorFrom(r.Context()), f.change, f.token)
	return s.bulkApplied(w, r, f, res, err)
}

// BulkBuy is the Owner's one confirmation: buy the seats a reviewed bulk
// change lacks and apply it, charged once.
func (s *Server) BulkBuy(w http.ResponseWriter, r *http.Request) error {
	f, err := readBulk(r)
	var n int
	if err == nil {
		n, err = formInt(r, "n", 1, models.MaxSeatsPerPurchase, "billing.seats.quantity_range")
	}
	if err != nil {
		return s.bulkRefused(w, r, f, err)
	}
	res, err := models.BuyAndApplyBulk(r.Context(), s.DB, s.Clock, ActorFrom(r.Context()), f.change, f.token, r.PostFormValue("quote"), n)
	return s.bulkApplied(w, r, f, res, err)
}

// bulkRefused answers bad input: the bar with its message (htmx), or a page
// saying it. Another organization's member is not found (the whole change
// is refused); a missing right is 403.
func (s *Server) bulkRefused(w http.ResponseWriter, r *http.Request, f bulkForm, err error) error {
	var invalid *models.Invalid
	if !errors.As(err, &invalid) {
		return err
	}
	m, merr := s.bulkTable(r, ActorFrom(r.Context()), f.filter)
	if merr != nil {
		return merr
	}
	msg := locales.From(r.Context()).Message(invalid.Key, invalid.Args)
	if isHTMX(r) {
		return s.fragment(w, r, http.StatusUnprocessableEntity, templates.BulkBarWith(m, templates.BulkBarState{Error: msg}))
	}
	return s.page(w, r, http.StatusUnprocessableEntity, locales.T(r.Context(), "nav.organization"), "organization", templates.BulkErrorPage(m, msg))
}

// bulkApplied answers a confirmation: the result, or the review again with
// what changed meanwhile (a member moved or left, seats taken, the quote
// refused). Nothing changed in the second case.
func (s *Server) bulkApplied(w http.ResponseWriter, r *http.Request, f bulkForm, res models.BulkResult, err error) error {
	loc := locales.From(r.Context())
	var (
		stale   *models.BulkStale
		noSeat  *models.NoSeat
		invalid *models.Invalid
	)
	switch {
	case err == nil:
		return s.bulkDone(w, r, f, res)
	case errors.As(err, &stale):
		return s.bulkReviewAnswer(w, r, f, stale.Plan, loc.T("bulk.changed", nil), http.StatusConflict)
	case errors.As(err, &noSeat), errors.As(err, &invalid):
		plan, perr := models.PlanBulk(r.Context(), s.DB, ActorFrom(r.Context()), f.change)
		if perr != nil {
			return s.bulkRefused(w, r, f, perr)
		}
		notice, status := loc.T("bulk.seats_taken", nil), http.StatusConflict
		if invalid != nil {
			notice, status = loc.Message(invalid.Key, invalid.Args), http.StatusUnprocessableEntity
		}
		return s.bulkReviewAnswer(w, r, f, plan, notice, status)
	}
	return err
}

// bulkReviewAnswer renders a review: in place of the bar (htmx), or as a page.
func (s *Server) bulkReviewAnswer(w http.ResponseWriter, r *http.Request, f bulkForm, plan models.BulkPlan, notice string, status int) error {
	vm, err := s.bulkReviewVM(r, f, plan)
	if err != nil {
		return err
	}
	vm.Notice = notice
	if isHTMX(r) {
		return s.fragment(w, r, status, templates.BulkReviewView(vm))
	}
	return s.page(w, r, status, locales.T(r.Context(), "nav.organization"), "organization",
		templates.BulkReviewPage(vm, seatSummaries(plan.Allocations)))
}

// bulkShell is the members table's frame at the form's filter.
func bulkShell(actor models.Actor, allocs []models.Allocation, f bulkForm) templates.Members {
	m := membersShell(actor, allocs)
	m.Query, m.SeatType, m.Status, m.Sort = f.filter.Get("q"), f.filter.Get("seat"), f.filter.Get("status"), f.filter.Get("sort")
	if p, err := strconv.Atoi(f.filter.Get("page")); err == nil && p > 1 {
		m.Page = p
	}
	return m
}

var bulkLossOrder = []models.Loss{models.LossAccess, models.LossClaudeCode, models.LossHigherLimits}

// bulkReviewVM is a plan as the review shows it, with the Owner's quote for
// the seats missing, or for an Admin who can buy them.
func (s *Server) bulkReviewVM(r *http.Request, f bulkForm, plan models.BulkPlan) (templates.BulkReview, error) {
	ctx := r.Context()
	actor := ActorFrom(ctx)
	c := plan.Change
	vm := templates.BulkReview{Members: bulkShell(actor, plan.Allocations, f), All: c.All, IDs: c.IDs, Expect: f.expect,
		Action: string(c.Action), To: c.To, Token: plan.Token, Selected: len(plan.Entries), Changing: plan.Changing,
		Unchanged: plan.Unchanged, Skipped: plan.Skipped, Need: plan.Need, Available: plan.Available, Shortfall: plan.Shortfall}
	for _, l := range bulkLossOrder {
		if n := plan.Losses[l]; n > 0 {
			vm.Losses = append(vm.Losses, templates.BulkCount{Key: string(l), N: n})
		}
	}
	for _, e := range plan.Entries {
		if e.Change {
			if len(vm.Rows) < bulkRowsShown {
				vm.Rows = append(vm.Rows, templates.BulkRow{ID: e.ID, Name: e.Name, Email: e.Email, From: e.From})
			} else {
				vm.More++
			}
		}
	}
	vm.Skips, vm.MoreSkips = bulkSkips(ctx, plan)
	if plan.Shortfall == 0 {
		return vm, nil
	}
	switch {
	case memberRights(actor).BuySeats:
		q, err := models.QuoteSeats(ctx, s.DB, s.Clock, actor, c.To, plan.Shortfall, models.PurposeBulk(plan.Token))
		var invalid *models.Invalid
		switch {
		case err == nil:
			vm.CanBuy, vm.Quote = true, reviewVM(q)
			return vm, nil
		case errors.As(err, &invalid):
			vm.Error = locales.From(ctx).Message(invalid.Key, invalid.Args)
		default:
			return vm, err
		}
	case actor.Org.SalesAssisted && actor.Allowed(models.ManageBilling):
		vm.Sales = true
		return vm, nil
	}
	owners, err := models.Owners(ctx, s.DB, actor, 5)
	vm.Owners = owners
	return vm, err
}

// bulkSkips lists the members a plan skips, with the reason in the
// user's language.
func bulkSkips(ctx context.Context, plan models.BulkPlan) ([]templates.BulkRow, int) {
	loc := locales.From(ctx)
	var rows []templates.BulkRow
	more := 0
	for _, e := range plan.Entries {
		if e.Skip == "" {
			continue
		}
		if len(rows) == bulkSkipsShown {
			more++
			continue
		}
		var reason string
		switch e.Skip {
		case models.SkipForbidden:
			need, _ := e.SkipArgs["Need"].(string)
			reason = loc.T(e.Skip, map[string]any{"Role": loc.T("role."+need, nil)})
		case models.SkipGone:
			reason = loc.T(e.Skip, nil)
		default:
			reason = loc.Message(e.Skip, e.SkipArgs)
		}
		rows = append(rows, templates.BulkRow{ID: e.ID, Name: e.Name, Email: e.Email, From: e.From, Reason: reason})
	}
	return rows, more
}

// bulkDone answers an applied change: the bar with the result, the table
// and the seat summary (htmx), or a page saying it.
func (s *Server) bulkDone(w http.ResponseWriter, r *http.Request, f bulkForm, res models.BulkResult) error {
	ctx := r.Context()
	loc := locales.From(ctx)
	actor := ActorFrom(ctx)
	c := res.Plan.Change
	args := map[string]any{"Count": res.Plan.Changing, "N": loc.Number(int64(res.Plan.Changing)), "Type": loc.SeatType(c.To)}
	var msg string
	switch {
	case res.Repeat:
		msg = loc.T("bulk.done.repeat", map[string]any{"Invoice": res.Purchase.Invoice.Number})
	case c.Action == models.BulkRemove:
		msg = loc.T("bulk.done.remove", args)
	case c.To == "":
		msg = loc.T("bulk.done.unassign", args)
	default:
		msg = loc.T("bulk.done.set_seat", args)
	}
	if res.Purchase != nil && !res.Repeat {
		n := res.Plan.Shortfall
		if len(res.Purchase.Invoice.Lines) > 0 {
			n = res.Purchase.Invoice.Lines[0].Quantity
		}
		msg += " " + loc.T("bulk.done.bought", map[string]any{"Count": n, "N": loc.Number(int64(n)), "Type": loc.SeatType(c.To),
			"Invoice": res.Purchase.Invoice.Number})
	}
	if !res.Repeat && res.Plan.Skipped > 0 {
		msg += " " + loc.T("bulk.done.skipped", map[string]any{"Count": res.Plan.Skipped, "N": loc.Number(int64(res.Plan.Skipped))})
	}
	done := templates.BulkDone{Message: msg}
	if !res.Repeat {
		done.Skips, done.MoreSkips = bulkSkips(ctx, res.Plan)
	}
	m, err := s.bulkTable(r, actor, f.filter)
	if err != nil {
		return err
	}
	seats := seatSummaries(res.Plan.Allocations)
	if isHTMX(r) {
		return s.fragment(w, r, http.StatusOK, templates.BulkDoneResponse(m, done, seats))
	}
	return s.page(w, r, http.StatusOK, loc.T("nav.organization", nil), "organization", templates.BulkDonePage(m, done, seats))
}

// Bulk invitations.

// BulkInviteForm opens the bulk invitation form in the Invitations section.
func (s *Server) BulkInviteForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.invitationsVM(r)
	if err != nil {
		return err
	}
	v.Bulk = &templates.BulkInviteForm{Role: string(models.RoleMember), SeatType: firstSeat(v)}
	return s.invitationsAnswer(w, r, http.StatusOK, v)
}

// BulkInvite sends the invitations of pasted addresses or a CSV file and
// reports each row; with too few seats free it sends nothing and asks (an
// Owner may buy the seats missing, an Admin is told who can).
func (s *Server) BulkInvite(w http.ResponseWriter, r *http.Request) error {
	in, form, _, err := s.readBulkInvite(w, r)
	if err != nil {
		return s.bulkInviteAnswer(w, r, form, err)
	}
	plan, err := models.BulkInvite(r.Context(), s.DB, s.Clock, ActorFrom(r.Context()), in, s.composer(r))
	if err != nil {
		return s.bulkInviteAnswer(w, r, form, err)
	}
	return s.bulkInviteDone(w, r, plan, nil, false)
}

// BulkInviteBuy is the Owner's one confirmation: buy the seats the bulk
// invitation lacks and send it, charged once.
func (s *Server) BulkInviteBuy(w http.ResponseWriter, r *http.Request) error {
	in, form, vals, err := s.readBulkInvite(w, r)
	var buys []models.SeatBuy
	if err == nil {
		buys, err = readBuys(vals)
	}
	if err != nil {
		return s.bulkInviteAnswer(w, r, form, err)
	}
	plan, purchases, repeat, err := models.BuyAndBulkInvite(r.Context(), s.DB, s.Clock, ActorFrom(r.Context()), in, s.composer(r), vals.Get("token"), buys)
	if err != nil {
		// Nothing was bought: the prompt as things are now, saying why.
		var invalid *models.Invalid
		msg := ""
		if errors.As(err, &invalid) {
			msg = locales.From(r.Context()).Message(invalid.Key, invalid.Args)
		} else if !errors.As(err, new(*models.NoSeat)) && !errors.As(err, new(*models.BulkInviteShort)) {
			return err
		}
		now, perr := models.PlanBulkInvite(r.Context(), s.DB, ActorFrom(r.Context()), in)
		if perr != nil {
			return s.bulkInviteAnswer(w, r, form, perr)
		}
		if len(now.Short()) > 0 {
			return s.bulkInviteShort(w, r, form, now, msg)
		}
		if msg == "" {
			msg = locales.T(r.Context(), "bulk.shortfall_changed")
		}
		form.Error = msg
		return s.bulkInviteForm(w, r, form, http.StatusConflict)
	}
	return s.bulkInviteDone(w, r, plan, purchases, repeat)
}

// readBuys reads the purchases of a buy-and-invite: one seat type, number
// and quote per type missing.
func readBuys(vals url.Values) ([]models.SeatBuy, error) {
	types, ns, quotes := vals["buy_type"], vals["buy_n"], vals["quote"]
	if len(types) == 0 || len(types) != len(ns) || len(types) != len(quotes) || len(types) > 10 {
		return nil, models.Invalidf("", "billing.quote.mismatch", nil)
	}
	buys := make([]models.SeatBuy, len(types))
	for i := range types {
		n, err := strconv.Atoi(ns[i])
		if err != nil || n < 1 || n > models.MaxSeatsPerPurchase {
			return nil, models.Invalidf("", "billing.quote.mismatch", nil)
		}
		buys[i] = models.SeatBuy{SeatType: types[i], N: n, Quote: quotes[i]}
	}
	return buys, nil
}

// bulkInviteAnswer answers a refused bulk invitation: the form with its
// message, or the prompt when seats are missing.
func (s *Server) bulkInviteAnswer(w http.ResponseWriter, r *http.Request, form templates.BulkInviteForm, err error) error {
	var (
		short   *models.BulkInviteShort
		invalid *models.Invalid
	)
	switch {
	case errors.As(err, &short):
		return s.bulkInviteShort(w, r, form, short.Plan, "")
	case errors.As(err, &invalid):
		form.Error = locales.From(r.Context()).Message(invalid.Key, invalid.Args)
		return s.bulkInviteForm(w, r, form, http.StatusUnprocessableEntity)
	}
	return err
}

func (s *Server) bulkInviteForm(w http.ResponseWriter, r *http.Request, form templates.BulkInviteForm, status int) error {
	v, err := s.invitationsVM(r)
	if err != nil {
		return err
	}
	v.Bulk = &form
	return s.invitationsAnswer(w, r, status, v)
}

// bulkInviteShort is the shortfall prompt: per seat type the seats missing;
// an Owner's quotes and one button that buys them and sends; for an Admin,
// who can buy them, and sending the short rows as Unassigned instead.
func (s *Server) bulkInviteShort(w http.ResponseWriter, r *http.Request, form templates.BulkInviteForm, plan models.BulkInvitePlan, msg string) error {
	ctx := r.Context()
	loc := locales.From(ctx)
	actor := ActorFrom(ctx)
	sh := &templates.BulkInviteShort{Token: plan.Token, Ready: plan.Ready, Currency: actor.Org.Currency, Error: msg}
	for _, l := range plan.Lines {
		if l.Refused != nil {
			sh.Refused = append(sh.Refused, bulkInviteRow(loc, plan.Allocations, l))
		}
	}
	for _, n := range plan.Short() {
		sh.Needs = append(sh.Needs, templates.BulkSeatNeed{SeatType: n.SeatType, Need: n.Need, Available: n.Available, Missing: n.Missing})
	}
	switch {
	case memberRights(actor).BuySeats:
		sh.CanBuy = true
		for i, n := range sh.Needs {
			q, err := models.QuoteSeats(ctx, s.DB, s.Clock, actor, n.SeatType, n.Missing, models.PurposeBulkInvite(plan.Token))
			var invalid *models.Invalid
			if errors.As(err, &invalid) {
				sh.CanBuy, sh.Error = false, loc.Message(invalid.Key, invalid.Args)
				break
			}
			if err != nil {
				return err
			}
			sh.Needs[i].Quote = reviewVM(q)
			sh.TotalDue += q.AmountMinor
		}
	case actor.Org.SalesAssisted && actor.Allowed(models.ManageBilling):
		sh.Sales = true
	}
	if !sh.CanBuy && !sh.Sales {
		owners, err := models.Owners(ctx, s.DB, actor, 5)
		if err != nil {
			return err
		}
		sh.Owners = owners
	}
	form.Short = sh
	return s.bulkInviteForm(w, r, form, http.StatusConflict)
}

// bulkInviteDone delivers the emails of the invitations sent, after their
// commit (a failed delivery is that row's, kept in the outbox), and shows
// the report.
func (s *Server) bulkInviteDone(w http.ResponseWriter, r *http.Request, plan models.BulkInvitePlan, purchases []models.Purchase, repeat bool) error {
	ctx := r.Context()
	loc := locales.From(ctx)
	var sent []models.InviteResult
	for _, l := range plan.Lines {
		if l.Sent {
			sent = append(sent, l.Result)
		}
	}
	failed := s.deliverMany(ctx, sent)
	rep := &templates.BulkInviteReport{Sent: plan.Sent, Refused: plan.Refused, Repeat: repeat}
	for _, p := range purchases {
		rep.Invoices = append(rep.Invoices, p.Invoice.Number)
	}
	k := 0
	for _, l := range plan.Lines {
		row := bulkInviteRow(loc, plan.Allocations, l)
		if l.Sent {
			if failed[k] {
				row.Outcome = "undelivered"
				rep.Undelivered++
			}
			k++
		}
		rep.Rows = append(rep.Rows, row)
	}
	v, err := s.invitationsVM(r)
	if err != nil {
		return err
	}
	v.BulkReport = rep
	return s.invitationsAnswer(w, r, http.StatusOK, v)
}

// deliverMany sends the emails of invitations just committed, a few at a
// time, and says which could not be delivered.
func (s *Server) deliverMany(ctx context.Context, results []models.InviteResult) []bool {
	failed := make([]bool, len(results))
	var wg sync.WaitGroup
	slots := make(chan struct{}, 4)
	for i := range results {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			failed[i] = s.deliver(ctx, results[i]) != nil
		}()
	}
	wg.Wait()
	return failed
}

func bulkInviteRow(loc *locales.Locale, allocs []models.Allocation, l models.BulkInviteLine) templates.BulkInviteRow {
	row := templates.BulkInviteRow{Line: l.Line, Email: strings.TrimSpace(l.Email), Role: l.Role, SeatType: l.SeatType, Outcome: "sent",
		KnownSeat: l.Refusal == nil && (l.SeatType == "" || models.FindAllocation(allocs, l.SeatType) != nil)}
	if l.Refused != nil {
		args := l.Refused.Args
		if l.Refused.Key == "bulk_invite.role_forbidden" { // name the role in the user's language
			args = map[string]any{"Role": loc.T("role."+l.Role, nil)}
		}
		row.Outcome, row.Reason = "refused", loc.Message(l.Refused.Key, args)
	}
	return row
}

// Reading a bulk invitation: pasted addresses, or a CSV file.

// readBulkInvite reads the form (multipart with a file, or not) into the
// rows to invite, and the form as it was, to show again.
func (s *Server) readBulkInvite(w http.ResponseWriter, r *http.Request) (models.BulkInviteInput, templates.BulkInviteForm, url.Values, error) {
	ctx := r.Context()
	vals := r.PostForm
	var file string
	form := templates.BulkInviteForm{}
	// checkInput bounded the body already; said again where it is parsed.
	r.Body = http.MaxBytesReader(w, r.Body, maxLargeBodyBytes)
	err := r.ParseMultipartForm(maxLargeBodyBytes) // #nosec G120 -- the body is bounded by the MaxBytesReader above (maxLargeBodyBytes)
	switch {
	case errors.Is(err, http.ErrNotMultipart):
	case err != nil:
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return models.BulkInviteInput{}, form, vals, models.Invalidf("csv", "bulk_invite.too_large", nil)
		}
		return models.BulkInviteInput{}, form, vals, models.Invalidf("csv", "bulk_invite.csv_unreadable", nil)
	default:
		vals = url.Values(r.MultipartForm.Value)
		if err := checkValues(vals, true); err != nil {
			return models.BulkInviteInput{}, form, url.Values{}, err
		}
		if fhs := r.MultipartForm.File["csv"]; len(fhs) > 0 && fhs[0].Size > 0 {
			f, err := fhs[0].Open()
			if err != nil {
				return models.BulkInviteInput{}, form, vals, err
			}
			b, err := io.ReadAll(io.LimitReader(f, maxLargeFieldBytes+1))
			_ = f.Close()
			if err != nil {
				return models.BulkInviteInput{}, form, vals, err
			}
			if len(b) > maxLargeFieldBytes {
				return models.BulkInviteInput{}, form, vals, models.Invalidf("csv", "bulk_invite.too_large", nil)
			}
			file = string(b)
			form.FileName = cleanFileName(fhs[0].Filename)
			if !cleanText(file) {
				return models.BulkInviteInput{}, form, vals, models.Invalidf("csv", "bulk_invite.csv_encoding", nil)
			}
		}
	}
	form.Addresses, form.Role, form.SeatType = vals.Get("addresses"), vals.Get("role"), vals.Get("seat")
	if file == "" && vals.Get("csv_text") != "" {
		file, form.FileName = vals.Get("csv_text"), cleanFileName(vals.Get("csv_name"))
	}
	form.CSV = file
	role := form.Role
	if role == "" {
		role = string(models.RoleMember)
	}
	in := models.BulkInviteInput{Lang: locales.From(ctx).Lang, UnassignShort: vals.Get("unassigned") == "1"}
	var err2 error
	switch {
	case strings.TrimSpace(form.Addresses) != "" && strings.TrimSpace(file) != "":
		err2 = models.Invalidf("addresses", "bulk_invite.both", nil)
	case strings.TrimSpace(file) != "":
		in.Rows, err2 = s.parseCSV(r, file, role, form.SeatType)
	default:
		in.Rows, err2 = parseAddresses(form.Addresses, role, form.SeatType)
	}
	return in, form, vals, err2
}

func cleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" {
		return ""
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:100])
	}
	return name
}

// parseAddresses reads pasted addresses: one per line, or separated by
// commas, semicolons or tabs; every row gets the form's role and seat type.
func parseAddresses(text, role, seat string) ([]models.BulkInviteRow, error) {
	var rows []models.BulkInviteRow
	for i, line := range strings.Split(text, "\n") {
		for _, item := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' || r == '\t' }) {
			if item = strings.TrimSpace(item); item != "" {
				rows = append(rows, models.BulkInviteRow{Line: i + 1, Email: item, Role: role, SeatType: seat})
			}
		}
	}
	if len(rows) > models.MaxBulkInvites {
		return nil, models.Invalidf("addresses", "bulk_invite.too_many", map[string]any{"Max": models.MaxBulkInvites, "Given": len(rows)})
	}
	if len(rows) == 0 {
		return nil, models.Invalidf("addresses", "bulk_invite.empty", nil)
	}
	return rows, nil
}

// csvNames are what a CSV file's cells may say, normalized (normName): the
// columns' names, roles and seat types as keys or as labels in any
// language of the interface.
type csvNames struct {
	columns map[string]string // name → email, role or seat_type
	roles   map[string]string // name → role key
	seats   map[string]string // name → seat type key ("" Unassigned)
}

// normName compares names without case, spaces, underscores or hyphens.
func normName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' || r == '-' {
			return -1
		}
		return unicode.ToLower(r)
	}, strings.TrimSpace(s))
}

func (s *Server) csvNames(seatTypes []string) csvNames {
	n := csvNames{columns: map[string]string{}, roles: map[string]string{}, seats: map[string]string{}}
	for _, k := range []string{"email", "mail", "emailaddress", "address"} {
		n.columns[k] = "email"
	}
	n.columns["role"], n.columns["seattype"], n.columns["seat"] = "role", "seat_type", "seat_type"
	for _, r := range []string{"member", "admin", "owner"} {
		n.roles[r] = r
	}
	n.seats["unassigned"] = ""
	for _, k := range seatTypes {
		n.seats[normName(k)] = k
	}
	for _, lang := range locales.Languages {
		loc := s.Catalog.Locale(lang)
		n.columns[normName(loc.T("members.col.email", nil))] = "email"
		n.columns[normName(loc.T("members.col.role", nil))] = "role"
		n.columns[normName(loc.T("members.col.seat_type", nil))] = "seat_type"
		for _, r := range []string{"member", "admin", "owner"} {
			n.roles[normName(loc.T("role."+r, nil))] = r
		}
		n.seats[normName(loc.T("seat.unassigned", nil))] = ""
		for _, k := range seatTypes {
			n.seats[normName(loc.T("seat.type."+k, nil))] = k
		}
	}
	return n
}

// parseCSV reads a CSV file: a header row naming the columns email, role
// and seat type (in any order; role and seat type optional), then one
// person a row. Role and seat type are keys or labels; left empty, the
// form's. Commas, semicolons or tabs separate the cells.
func (s *Server) parseCSV(r *http.Request, text, role, seat string) ([]models.BulkInviteRow, error) {
	text = strings.TrimPrefix(text, "\ufeff")
	actor := ActorFrom(r.Context())
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return nil, err
	}
	var seatTypes []string
	for _, a := range allocs {
		seatTypes = append(seatTypes, a.SeatTypeKey)
	}
	names := s.csvNames(seatTypes)
	lines := strings.Split(text, "\n")
	comma := ','
	switch head := lines[0]; {
	case strings.Count(head, ";") > strings.Count(head, ","):
		comma = ';'
	case strings.Count(head, "\t") > strings.Count(head, ","):
		comma = '\t'
	}
	// Line by line: a broken line (an unclosed quote) is that row's
	// refusal, never the rest of the file's.
	split := func(line string) ([]string, error) {
		rd := csv.NewReader(strings.NewReader(line))
		rd.Comma, rd.FieldsPerRecord, rd.TrimLeadingSpace = comma, -1, true
		return rd.Read()
	}
	header, err := split(strings.TrimRight(lines[0], "\r"))
	if err != nil {
		return nil, models.Invalidf("csv", "bulk_invite.csv_header", nil)
	}
	col := map[string]int{}
	for i, h := range header {
		if c, ok := names.columns[normName(h)]; ok {
			if _, dup := col[c]; !dup {
				col[c] = i
			}
		}
	}
	if _, ok := col["email"]; !ok {
		return nil, models.Invalidf("csv", "bulk_invite.csv_header", nil)
	}
	cell := func(rec []string, c string) string {
		if i, ok := col[c]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []models.BulkInviteRow
	count := 0
	for i, line := range lines[1:] {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(strings.Map(func(r rune) rune {
			if r == comma || r == '"' {
				return -1
			}
			return r
		}, line)) == "" {
			continue // blank, or only separators
		}
		if count++; count > models.MaxBulkInvites {
			continue // counted, for the message
		}
		rec, err := split(line)
		if err != nil {
			rows = append(rows, models.BulkInviteRow{Line: i + 2, Email: strings.TrimSpace(line), Refusal: models.Invalidf("csv", "bulk_invite.csv_row", nil)})
			continue
		}
		row := models.BulkInviteRow{Line: i + 2, Email: cell(rec, "email"), Role: role, SeatType: seat}
		if v := cell(rec, "role"); v != "" {
			row.Role = v
			if k, ok := names.roles[normName(v)]; ok {
				row.Role = k
			}
		}
		if v := cell(rec, "seat_type"); v != "" {
			row.SeatType = v
			if k, ok := names.seats[normName(v)]; ok {
				row.SeatType = k
			}
		}
		rows = append(rows, row)
	}
	if count > models.MaxBulkInvites {
		return nil, models.Invalidf("csv", "bulk_invite.too_many_rows", map[string]any{"Max": models.MaxBulkInvites, "Given": count})
	}
	if len(rows) == 0 {
		return nil, models.Invalidf("csv", "bulk_invite.csv_empty", nil)
	}
	return rows, nil
}
