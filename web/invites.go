package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Invitations is the invitations section as it is (what Cancel brings back).
func (s *Server) Invitations(w http.ResponseWriter, r *http.Request) error {
	v, err := s.invitationsVM(r)
	if err != nil {
		return err
	}
	return s.invitationsAnswer(w, r, http.StatusOK, v)
}

// InviteForm opens the invite form.
func (s *Server) InviteForm(w http.ResponseWriter, r *http.Request) error {
	v, err := s.invitationsVM(r)
	if err != nil {
		return err
	}
	v.Form = &templates.InviteForm{Role: string(models.RoleMember), SeatType: firstSeat(v)}
	return s.invitationsAnswer(w, r, http.StatusOK, v)
}

// Invite sends an invitation; with no seat of the type free, an Owner is
// offered to buy one and an Admin to invite as Unassigned.
func (s *Server) Invite(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	in := inviteInput(r)
	res, err := models.Invite(r.Context(), s.DB, s.Clock, actor, in, s.composer(r))
	return s.inviteAnswer(w, r, in, res, err)
}

// BuyAndInvite is the Owner's one confirmation: buy one seat and invite.
func (s *Server) BuyAndInvite(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	in := inviteInput(r)
	res, p, err := models.BuySeatAndInvite(r.Context(), s.DB, s.Clock, actor, r.PostFormValue("quote"), in, s.composer(r))
	if err == nil && p.Repeat {
		// A replay (double click): the first request invited and sent the
		// email; say so again and send nothing.
		return s.invitationDone(w, r, nil, "invite.sent", models.NormalizeEmail(in.Email))
	}
	return s.inviteAnswer(w, r, in, res, err)
}

// ResendInvitation sends a pending invitation again with a fresh link.
func (s *Server) ResendInvitation(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	res, err := models.ResendInvitation(r.Context(), s.DB, s.Clock, ActorFrom(r.Context()), id, s.composer(r))
	if err != nil {
		return s.invitationRefused(w, r, err)
	}
	return s.invitationDone(w, r, s.deliver(r.Context(), res), "invite.resent", res.Invitation.Email)
}

// RevokeInvitation cancels a pending invitation and frees its seat.
func (s *Server) RevokeInvitation(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	inv, err := models.RevokeInvitation(r.Context(), s.DB, s.Clock, ActorFrom(r.Context()), id)
	if err != nil {
		return s.invitationRefused(w, r, err)
	}
	return s.invitationDone(w, r, nil, "invite.revoked", inv.Email)
}

func inviteInput(r *http.Request) models.InviteInput {
	in := models.InviteInput{Email: r.PostFormValue("email"), Role: models.Role(r.PostFormValue("role")),
		SeatType: r.PostFormValue("seat"), Lang: locales.From(r.Context()).Lang}
	if r.PostFormValue("unassigned") == "1" {
		in.SeatType = ""
	}
	return in
}

// inviteAnswer shows the outcome of the invite form.
func (s *Server) inviteAnswer(w http.ResponseWriter, r *http.Request, in models.InviteInput, res models.InviteResult, err error) error {
	if err == nil {
		return s.invitationDone(w, r, s.deliver(r.Context(), res), "invite.sent", res.Invitation.Email)
	}
	v, verr := s.invitationsVM(r)
	if verr != nil {
		return verr
	}
	actor := ActorFrom(r.Context())
	loc := locales.From(r.Context())
	form := &templates.InviteForm{Email: in.Email, Role: string(in.Role), SeatType: in.SeatType, Currency: actor.Org.Currency}
	v.Form = form
	var (
		noSeat  *models.NoSeat
		invalid *models.Invalid
	)
	status := http.StatusUnprocessableEntity
	switch {
	case errors.As(err, &noSeat):
		status = http.StatusConflict
		form.NoSeat = true
		if memberRights(actor).BuySeats {
			if q, qerr := models.QuoteSeats(r.Context(), s.DB, s.Clock, actor, noSeat.SeatType, 1, models.PurposeInvite(in.Email)); qerr == nil {
				form.Quote = reviewVM(q)
			}
		}
	case errors.As(err, &invalid):
		form.Error = loc.Message(invalid.Key, invalid.Args)
	default:
		return err
	}
	return s.invitationsAnswer(w, r, status, v)
}

// invitationRefused answers a refused resend or revoke.
func (s *Server) invitationRefused(w http.ResponseWriter, r *http.Request, err error) error {
	if !errors.Is(err, models.ErrNotFound) || !isHTMX(r) {
		return err
	}
	v, verr := s.invitationsVM(r)
	if verr != nil {
		return verr
	}
	v.Warning = locales.T(r.Context(), "invite.gone")
	return s.invitationsAnswer(w, r, http.StatusNotFound, v)
}

// invitationDone answers a change that went through.
func (s *Server) invitationDone(w http.ResponseWriter, r *http.Request, sendErr error, key, email string) error {
	notice := locales.T(r.Context(), key, map[string]any{"Email": email})
	warn := ""
	if sendErr != nil {
		warn = locales.T(r.Context(), "invite.not_delivered", map[string]any{"Email": email})
	}
	if !isHTMX(r) {
		return s.redirectFlash(w, r, membersPath(ActorFrom(r.Context())), success(notice), warning(warn))
	}
	v, err := s.invitationsVM(r)
	if err != nil {
		return err
	}
	v.Notice, v.Warning = notice, warn
	return s.invitationsAnswer(w, r, http.StatusOK, v)
}

func (s *Server) invitationsAnswer(w http.ResponseWriter, r *http.Request, status int, v templates.Invitations) error {
	if isHTMX(r) {
		allocs, err := models.Allocations(r.Context(), s.DB, ActorFrom(r.Context()).Org.ID)
		if err != nil {
			return err
		}
		return s.fragment(w, r, status, templates.InvitationsResponse(v, seatSummaries(allocs)))
	}
	return s.organizationPage(w, r, status, &v)
}

// invitationsVM loads the pending invitations of the actor's organization.
func (s *Server) invitationsVM(r *http.Request) (templates.Invitations, error) {
	allocs, err := models.Allocations(r.Context(), s.DB, ActorFrom(r.Context()).Org.ID)
	if err != nil {
		return templates.Invitations{}, err
	}
	return s.invitationsWith(r, allocs)
}

// invitationsWith is invitationsVM with the seat pools already read.
func (s *Server) invitationsWith(r *http.Request, allocs []models.Allocation) (templates.Invitations, error) {
	actor := ActorFrom(r.Context())
	v := templates.Invitations{BaseURL: membersPath(actor), CanInvite: actor.Allowed(models.ManageMembers), GrantOwner: actor.Allowed(models.GrantOwner)}
	for _, p := range allocs {
		v.SeatTypes = append(v.SeatTypes, p.SeatTypeKey)
	}
	rows, err := models.PendingInvitations(r.Context(), s.DB, s.Clock, actor)
	if err != nil {
		return v, err
	}
	for _, row := range rows {
		vr := templates.InvitationRow{ID: row.ID, Email: row.Email, Role: string(row.Role), Inviter: row.InviterName, Expires: row.ExpiresAt}
		if row.SeatTypeKey != nil {
			vr.SeatType = *row.SeatTypeKey
		}
		v.Rows = append(v.Rows, vr)
	}
	return v, nil
}

func firstSeat(v templates.Invitations) string {
	if len(v.SeatTypes) > 0 {
		return v.SeatTypes[len(v.SeatTypes)-1] // the highest type
	}
	return ""
}

// composer writes invitation emails in the inviter's language.
func (s *Server) composer(r *http.Request) models.Composer {
	actor := ActorFrom(r.Context())
	return func(inv models.Invitation, token string) models.Mail {
		loc := s.Catalog.Locale(inv.Lang)
		args := map[string]any{"Inviter": actor.Name, "Org": actor.Org.Name, "Role": loc.T("role."+string(inv.Role), nil),
			"Seat": loc.SeatType(models.SeatOf(inv.SeatTypeKey)), "Link": s.acceptURL(token), "Date": loc.Date(inv.ExpiresAt)}
		return models.Mail{To: inv.Email, Subject: loc.T("invite.mail.subject", args), Body: loc.T("invite.mail.body", args)}
	}
}

func (s *Server) acceptURL(token string) string { return s.baseURL + "/invitations/" + token }

// deliver sends a queued invitation after its transaction committed; without
// SMTP the link is logged for the demo.
func (s *Server) deliver(ctx context.Context, res models.InviteResult) error {
	if !s.Mailer.Configured() {
		s.Log.InfoContext(ctx, "invitation link (no SMTP configured)", "to", res.Invitation.Email, "url", s.acceptURL(res.Token))
	}
	return s.deliverMail(ctx, res.Mail)
}

// deliverMail sends one outbox message and records the outcome.
func (s *Server) deliverMail(ctx context.Context, msg models.OutboxMessage) error {
	err := s.Mailer.Send(ctx, msg.ToAddr, msg.Subject, msg.Body)
	if err != nil {
		s.Log.WarnContext(ctx, "email not delivered; kept in the outbox", "outbox_id", msg.ID, "error", err.Error())
	}
	if merr := models.MarkSent(ctx, s.DB, s.Clock, msg.ID, err); merr != nil {
		s.Log.ErrorContext(ctx, "outbox update failed", "outbox_id", msg.ID, "error", merr.Error())
	}
	return err
}

// deliverAll sends the emails a change queued, after its commit.
func (s *Server) deliverAll(r *http.Request, msgs []models.OutboxMessage) {
	for _, m := range msgs {
		_ = s.deliverMail(r.Context(), m)
	}
}

// provisioner is the provisioning operation with its clock and the Owners'
// wait-list email, written in each Owner's language.
func (s *Server) provisioner() models.Provisioner {
	return models.Provisioner{DB: s.DB, Clock: s.Clock, Compose: func(owner models.User, org models.Organization, waiting int) models.Mail {
		loc := s.Catalog.Locale(owner.Lang)
		args := map[string]any{"Name": owner.Name, "Org": org.Name, "Count": waiting, "N": waiting,
			"Link": s.baseURL + "/orgs/" + org.Slug + "/settings/organization#waitlist"}
		return models.Mail{To: owner.Email, Subject: loc.T("waitlist.mail.subject", args), Body: loc.T("waitlist.mail.body", args)}
	}}
}

// AcceptForm is the page behind an invitation link.
func (s *Server) AcceptForm(w http.ResponseWriter, r *http.Request) error {
	vm, err := s.acceptVM(r)
	if err != nil {
		return err
	}
	return s.acceptPage(w, r, vm)
}

// Accept creates the account (or adds the existing one), joins the
// organization, and signs the new member in.
func (s *Server) Accept(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	user, org, err := models.AcceptInvitation(r.Context(), s.DB, s.Clock, s.Hasher, token, r.PostFormValue("name"), r.PostFormValue("password"), clientAddr(r))
	var (
		invalid   *models.Invalid
		throttled *models.Throttled
		busy      *models.Busy
	)
	switch {
	case errors.As(err, &throttled), errors.As(err, &busy):
		// The password check is throttled like a sign-in: say so on the form.
		vm, verr := s.acceptVM(r)
		if verr != nil {
			return verr
		}
		loc := locales.From(r.Context())
		if throttled != nil {
			retryAfter(w, throttled.RetryAfterMinutes*60)
			vm.Error = loc.T("auth.login.throttled", map[string]any{"Minutes": throttled.RetryAfterMinutes})
		} else {
			retryAfter(w, busy.RetryAfterSeconds)
			vm.Error = loc.T("auth.login.busy", nil)
		}
		return s.acceptPageStatus(w, r, http.StatusTooManyRequests, vm)
	case err == nil:
		if err := s.sessions.signIn(w, r, user.ID); err != nil {
			return err
		}
		redirect(w, r, "/orgs/"+org.Slug)
		return nil
	case errors.As(err, &invalid):
		vm, verr := s.acceptVM(r)
		if verr != nil {
			return verr
		}
		vm.Error = locales.From(r.Context()).Message(invalid.Key, invalid.Args)
		vm.Name = strings.TrimSpace(r.PostFormValue("name"))
		return s.acceptPageStatus(w, r, http.StatusUnprocessableEntity, vm)
	case errors.Is(err, models.ErrInvitationClosed):
		vm, verr := s.acceptVM(r)
		if verr != nil {
			return verr
		}
		return s.acceptPage(w, r, vm)
	}
	return err
}

func (s *Server) acceptVM(r *http.Request) (templates.Accept, error) {
	token := r.PathValue("token")
	st, err := models.LookupInvitation(r.Context(), s.DB, s.Clock, token)
	if errors.Is(err, models.ErrNotFound) {
		return templates.Accept{Status: "unknown"}, nil
	}
	if err != nil {
		return templates.Accept{}, err
	}
	vm := templates.Accept{Token: token, OrgName: st.OrgName, Email: st.Invitation.Email, Role: string(st.Invitation.Role),
		HasAccount: st.HasAccount, Status: string(st.Status)}
	if st.Invitation.SeatTypeKey != nil {
		vm.SeatType = *st.Invitation.SeatTypeKey
	}
	return vm, nil
}

func (s *Server) acceptPage(w http.ResponseWriter, r *http.Request, vm templates.Accept) error {
	status := http.StatusOK
	if vm.Status != string(models.InvitePending) {
		status = http.StatusGone
	}
	return s.acceptPageStatus(w, r, status, vm)
}

func (s *Server) acceptPageStatus(w http.ResponseWriter, r *http.Request, status int, vm templates.Accept) error {
	w.Header().Set("Referrer-Policy", "no-referrer") // the link is a secret
	return s.page(w, r, status, locales.T(r.Context(), "accept.page_title"), "", templates.AcceptPage(vm))
}
