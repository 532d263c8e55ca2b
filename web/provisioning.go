package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Provisioning on Organization settings › Organization: the SCIM base URL and
// tokens (R-PROV-2), and the people waiting for a seat (R-PROV-3).

// ProvisioningSection is the Provisioning section as it is (what Cancel
// brings back).
func (s *Server) ProvisioningSection(w http.ResponseWriter, r *http.Request) error {
	v, err := s.provisioningVM(r)
	if err != nil {
		return err
	}
	if !isHTMX(r) {
		redirect(w, r, membersPath(ActorFrom(r.Context()))+"#provisioning")
		return nil
	}
	return s.provisioningAnswer(w, r, http.StatusOK, v)
}

// CreateSCIMToken makes a token and shows it in this answer, the only time it
// is shown: never in a redirect, which would put it in an address.
func (s *Server) CreateSCIMToken(w http.ResponseWriter, r *http.Request) error {
	name := r.PostFormValue("name")
	raw, tok, err := models.CreateSCIMToken(r.Context(), s.DB, ActorFrom(r.Context()), name)
	var invalid *models.Invalid
	if err != nil && !errors.As(err, &invalid) {
		return err
	}
	v, verr := s.provisioningVM(r)
	if verr != nil {
		return verr
	}
	if invalid != nil {
		v.Name, v.NameError = name, locales.From(r.Context()).Message(invalid.Key, invalid.Args)
		return s.provisioningAnswer(w, r, http.StatusUnprocessableEntity, v)
	}
	v.NewToken, v.NewName = raw, tok.Name
	return s.provisioningAnswer(w, r, http.StatusOK, v)
}

// RevokeSCIMToken asks for confirmation, then revokes the token: identity
// providers using it can no longer connect.
func (s *Server) RevokeSCIMToken(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	actor := ActorFrom(r.Context())
	if r.PostFormValue("confirm") != "1" {
		v, err := s.provisioningVM(r)
		if err != nil {
			return err
		}
		for i := range v.Tokens {
			if v.Tokens[i].ID == id {
				v.Confirm = &v.Tokens[i]
			}
		}
		if v.Confirm == nil {
			return s.tokenGone(w, r, v)
		}
		return s.provisioningAnswer(w, r, http.StatusOK, v)
	}
	tok, err := models.RevokeSCIMTokenByID(r.Context(), s.DB, actor, id)
	if err != nil {
		if errors.Is(err, models.ErrNotFound) {
			v, verr := s.provisioningVM(r)
			if verr != nil {
				return verr
			}
			return s.tokenGone(w, r, v)
		}
		return err
	}
	notice := locales.T(r.Context(), "provisioning.revoked_named", map[string]any{"Name": tok.Name})
	if !isHTMX(r) {
		return s.redirectFlash(w, r, membersPath(actor), success(notice))
	}
	v, err := s.provisioningVM(r)
	if err != nil {
		return err
	}
	v.Notice = notice
	return s.provisioningAnswer(w, r, http.StatusOK, v)
}

// tokenGone answers a token that is not (or no longer) the organization's:
// 404, with the section saying so for htmx.
func (s *Server) tokenGone(w http.ResponseWriter, r *http.Request, v templates.Provisioning) error {
	if !isHTMX(r) {
		return models.ErrNotFound
	}
	v.Warning = locales.T(r.Context(), "provisioning.gone")
	return s.provisioningAnswer(w, r, http.StatusNotFound, v)
}

// provisioningVM reads the SCIM base URL and the organization's tokens.
func (s *Server) provisioningVM(r *http.Request) (templates.Provisioning, error) {
	actor := ActorFrom(r.Context())
	v := templates.Provisioning{BaseURL: membersPath(actor), SCIMURL: s.baseURL + "/scim/v2",
		CanConfigure: actor.Allowed(models.ConfigureProvisioning)}
	toks, err := models.SCIMTokens(r.Context(), s.DB, actor)
	if err != nil {
		return v, err
	}
	for _, t := range toks {
		v.Tokens = append(v.Tokens, templates.SCIMTokenRow{ID: t.ID, Name: t.Name, CreatedBy: t.CreatedBy,
			CreatedAt: t.CreatedAt, LastUsed: t.LastUsedAt})
	}
	return v, nil
}

// provisioningAnswer renders the section for htmx, the whole page otherwise.
func (s *Server) provisioningAnswer(w http.ResponseWriter, r *http.Request, status int, v templates.Provisioning) error {
	if isHTMX(r) {
		return s.fragment(w, r, status, templates.ProvisioningSection(v))
	}
	return s.organizationWith(w, r, status, orgParts{prov: &v})
}

// WaitlistSection is the wait-list as it is (what Cancel brings back).
func (s *Server) WaitlistSection(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	if !isHTMX(r) {
		redirect(w, r, membersPath(actor)+"#waitlist")
		return nil
	}
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return err
	}
	v, err := s.waitlistWith(r, allocs)
	if err != nil {
		return err
	}
	return s.waitlistAnswer(w, r, http.StatusOK, v, allocs, false)
}

// AdmitWaiting gives a waiting member a free seat of the type they wait for
// (R-PROV-3); with none free, the section says what to do instead.
func (s *Server) AdmitWaiting(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	actor := ActorFrom(r.Context())
	res, err := models.AdmitMember(r.Context(), s.DB, actor, id)
	if err != nil {
		return s.waitlistRefused(w, r, err)
	}
	if !isHTMX(r) {
		return s.redirectFlash(w, r, membersPath(actor), success(admittedText(r, res.Member)))
	}
	v, err := s.waitlistWith(r, res.Allocations)
	if err != nil {
		return err
	}
	v.Notice = admittedText(r, res.Member)
	return s.waitlistAnswer(w, r, http.StatusOK, v, res.Allocations, true)
}

// ReviewWaitlist prices the seats that admit everyone waiting for a seat type
// (the usual review with the prorated charge); nothing is bought.
func (s *Server) ReviewWaitlist(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return err
	}
	v, err := s.waitlistWith(r, allocs)
	if err != nil {
		return err
	}
	seatType, n := r.PostFormValue("seat"), 0
	for _, b := range v.Buy {
		if b.SeatType == seatType {
			n = b.N
		}
	}
	if n == 0 { // nobody waits for that type (any more), or no such type
		v.Error = locales.T(r.Context(), "waitlist.nobody_for_type")
		return s.waitlistAnswer(w, r, http.StatusConflict, v, allocs, false)
	}
	q, err := models.QuoteSeats(r.Context(), s.DB, s.Clock, actor, seatType, n, models.PurposeWaitlist)
	var invalid *models.Invalid
	if errors.As(err, &invalid) {
		v.Error = locales.From(r.Context()).Message(invalid.Key, invalid.Args)
		return s.waitlistAnswer(w, r, http.StatusUnprocessableEntity, v, allocs, false)
	}
	if err != nil {
		return err
	}
	v.Review = reviewVM(q)
	return s.waitlistAnswer(w, r, http.StatusOK, v, allocs, false)
}

// UpgradeWaitlist buys the reviewed seats, charged once; the purchase admits
// the people waiting, in arrival order, in its own transaction.
func (s *Server) UpgradeWaitlist(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	seatType := r.PostFormValue("seat")
	n, err := formInt(r, "add", 1, models.MaxSeatsPerPurchase, "billing.seats.quantity_range")
	var p models.Purchase
	if err == nil {
		p, err = models.PurchaseSeats(r.Context(), s.DB, s.Clock, actor, r.PostFormValue("quote"), seatType, n, models.PurposeWaitlist, nil)
	}
	if err != nil {
		return s.waitlistRefused(w, r, err)
	}
	done := "waitlist_bought"
	if p.Repeat {
		done = "waitlist_already_bought"
	}
	if !isHTMX(r) {
		return s.redirectFlash(w, r, membersPath(actor), success(boughtText(r, done, p.Invoice.Number, p.Admitted)))
	}
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return err
	}
	v, err := s.waitlistWith(r, allocs)
	if err != nil {
		return err
	}
	v.Notice = boughtText(r, done, p.Invoice.Number, p.Admitted)
	return s.waitlistAnswer(w, r, http.StatusOK, v, allocs, p.Admitted > 0)
}

// waitlistRefused shows why a wait-list change was refused, in the section.
func (s *Server) waitlistRefused(w http.ResponseWriter, r *http.Request, err error) error {
	actor := ActorFrom(r.Context())
	loc := locales.From(r.Context())
	var (
		noSeat  *models.NoSeat
		stale   *models.Stale
		invalid *models.Invalid
		msg     string
		status  int
	)
	switch {
	case errors.As(err, &noSeat):
		key := "waitlist.no_seat_admin"
		if memberRights(actor).BuySeats {
			key = "waitlist.no_seat_owner"
		}
		msg, status = loc.T(key, map[string]any{"Type": loc.T("seat.type."+noSeat.SeatType, nil)}), http.StatusConflict
	case errors.As(err, &stale):
		msg, status = loc.T("waitlist.stale", map[string]any{"Name": stale.Name}), http.StatusConflict
	case errors.As(err, &invalid):
		msg, status = loc.Message(invalid.Key, invalid.Args), http.StatusUnprocessableEntity
	case errors.Is(err, models.ErrNotFound) && isHTMX(r):
		msg, status = loc.T("waitlist.gone", nil), http.StatusNotFound
	default:
		return err
	}
	allocs, aerr := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if aerr != nil {
		return aerr
	}
	v, verr := s.waitlistWith(r, allocs)
	if verr != nil {
		return verr
	}
	v.Error = msg
	return s.waitlistAnswer(w, r, status, v, allocs, false)
}

// waitlistWith reads the wait-list with the seat pools already read.
func (s *Server) waitlistWith(r *http.Request, allocs []models.Allocation) (templates.Waitlist, error) {
	actor := ActorFrom(r.Context())
	wl, err := models.WaitingMembers(r.Context(), s.DB, actor, allocs)
	if err != nil {
		return templates.Waitlist{}, err
	}
	v := templates.Waitlist{BaseURL: membersPath(actor), Total: wl.Total, ShowSeatType: len(allocs) > 1,
		CanAdmit: actor.Allowed(models.AdmitWaiting), CanBuy: memberRights(actor).BuySeats,
		SalesAssisted: actor.Allowed(models.ManageBilling) && actor.Org.SalesAssisted, Currency: actor.Org.Currency}
	highest := ""
	if len(allocs) > 0 {
		highest = allocs[len(allocs)-1].SeatTypeKey
	}
	for _, row := range wl.Rows {
		waitsFor := highest // waiting for any type: the highest free one first (R-PROV-3)
		if row.WaitingFor != nil {
			waitsFor = *row.WaitingFor
		}
		v.Rows = append(v.Rows, templates.WaitingRow{ID: row.ID, Name: row.Name, Email: row.Email, Source: string(row.Source),
			WaitingFor: waitsFor, Since: row.WaitingSince, Position: row.Position})
	}
	v.More = wl.Total - int64(len(v.Rows))
	for i := len(allocs) - 1; i >= 0; i-- { // the highest type first
		if n := wl.Need[allocs[i].SeatTypeKey]; n > 0 {
			v.Buy = append(v.Buy, templates.WaitlistBuy{SeatType: allocs[i].SeatTypeKey, N: n})
		}
	}
	return v, nil
}

// waitlistAnswer renders the section for htmx, with the seat summary and,
// when people got seats, the members table out of band; the whole page
// otherwise.
func (s *Server) waitlistAnswer(w http.ResponseWriter, r *http.Request, status int, v templates.Waitlist, allocs []models.Allocation, seated bool) error {
	if !isHTMX(r) {
		return s.organizationWith(w, r, status, orgParts{wait: &v})
	}
	var members *templates.Members
	if seated {
		m, err := s.membersOfPage(r, allocs)
		if err != nil {
			return err
		}
		members = &m
	}
	return s.fragment(w, r, status, templates.WaitlistResponse(v, seatSummaries(allocs), members))
}

// membersOfPage is the members table as the page that made an htmx request
// shows it: with that page's search, filters and page number.
func (s *Server) membersOfPage(r *http.Request, allocs []models.Allocation) (templates.Members, error) {
	actor := ActorFrom(r.Context())
	page := &url.URL{Path: membersPath(actor)}
	if cur, err := url.Parse(r.Header.Get("HX-Current-URL")); err == nil && cur.Path == page.Path {
		page.RawQuery = cur.RawQuery
	}
	r2 := r.Clone(r.Context())
	r2.URL = page
	m, _, err := s.members(r2, actor, allocs)
	return m, err
}

func admittedText(r *http.Request, m models.MemberRow) string {
	seat := ""
	if m.SeatTypeKey != nil {
		seat = *m.SeatTypeKey
	}
	return locales.T(r.Context(), "waitlist.admitted", map[string]any{"Name": m.Name, "Type": locales.T(r.Context(), "seat.type."+seat)})
}

func boughtText(r *http.Request, done, invoice string, admitted int) string {
	if done == "waitlist_already_bought" {
		return locales.T(r.Context(), "waitlist.already_bought", map[string]any{"Invoice": invoice})
	}
	return locales.T(r.Context(), "waitlist.bought", map[string]any{"Invoice": invoice, "Count": admitted,
		"N": locales.Number(r.Context(), int64(admitted))})
}
