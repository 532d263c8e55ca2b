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

// Organization settings › Organization › Single sign-on: Owners and the
// Primary Owner configure the organization's OpenID provider and test it;
// Admins see the values. The client secret is write-only: it is sealed in
// the database and never sent back to a browser.

// SaveSingleSignOn stores the form. Without JavaScript it redirects to the
// page, which shows the confirmation (flash.go); with htmx the section comes
// back in place. Invalid input answers 422 with each message next to its
// field.
func (s *Server) SaveSingleSignOn(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	in := models.SSOInput{Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"),
		ClientSecret: r.PostFormValue("client_secret"), Domains: r.PostFormValue("domains"),
		RequireSSO: r.PostFormValue("require_sso") == "on", GroupsClaim: r.PostFormValue("groups_claim")}
	err := models.SaveSSO(r.Context(), s.DB, s.Sealer, actor, in)
	var invalid *models.Invalid
	switch {
	case errors.As(err, &invalid):
		v, verr := s.ssoVM(r)
		if verr != nil {
			return verr
		}
		ssoTyped(&v, r)
		msg := locales.From(r.Context()).Message(invalid.Key, invalid.Args)
		switch invalid.Field {
		case "issuer", "client_id", "client_secret", "domains", "groups_claim":
			v.Errors = map[string]string{invalid.Field: msg}
		default:
			v.Error = msg
		}
		return s.ssoAnswer(w, r, http.StatusUnprocessableEntity, v)
	case err != nil:
		return err
	}
	if !isHTMX(r) {
		return s.redirectFlash(w, r, membersPath(actor), success(locales.T(r.Context(), "sso.settings.saved")))
	}
	v, err := s.ssoVM(r)
	if err != nil {
		return err
	}
	v.Notice = locales.T(r.Context(), "sso.settings.saved")
	return s.fragment(w, r, http.StatusOK, templates.SingleSignOnSection(v))
}

// TestSingleSignOn fetches the discovery document of the issuer typed in
// the form (or, when the field is empty, the stored one) and says what it
// found or what is wrong. It changes nothing, so without JavaScript the page
// is rendered at once with the form as it was typed (but the secret); with
// htmx only the result is swapped, and the form keeps what was typed.
func (s *Server) TestSingleSignOn(w http.ResponseWriter, r *http.Request) error {
	v, err := s.ssoVM(r)
	if err != nil {
		return err
	}
	issuer := strings.TrimSpace(r.PostFormValue("issuer"))
	if issuer == "" {
		issuer = v.Issuer
	}
	msg, ok := s.ssoTest(r.Context(), issuer)
	result := &templates.SSOTestResult{Message: msg, OK: ok}
	if isHTMX(r) {
		return s.fragment(w, r, http.StatusOK, templates.SSOTestView(result))
	}
	ssoTyped(&v, r)
	v.Test = result
	return s.ssoAnswer(w, r, http.StatusOK, v)
}

// ssoTyped puts what was typed in the form back into the section, except the
// client secret, which is never sent back.
func ssoTyped(v *templates.SingleSignOn, r *http.Request) {
	if r.PostForm == nil {
		return
	}
	v.Issuer = r.PostFormValue("issuer")
	v.ClientID = r.PostFormValue("client_id")
	v.Domains = r.PostFormValue("domains")
	v.RequireSSO = r.PostFormValue("require_sso") == "on"
	v.GroupsClaim = r.PostFormValue("groups_claim")
}

// ssoAnswer is the section alone for htmx, or the whole Organization page
// with the section as the change left it.
func (s *Server) ssoAnswer(w http.ResponseWriter, r *http.Request, status int, v templates.SingleSignOn) error {
	if isHTMX(r) {
		return s.fragment(w, r, status, templates.SingleSignOnSection(v))
	}
	return s.organizationPage(w, r.WithContext(context.WithValue(r.Context(), ssoSectionKey{}, v)), status, nil)
}

// ssoSectionKey carries the section as a change left it to the page render.
type ssoSectionKey struct{}

// ssoSection is the section of the Organization page: as a change left it,
// or as stored.
func (s *Server) ssoSection(r *http.Request) (templates.SingleSignOn, error) {
	if v, ok := r.Context().Value(ssoSectionKey{}).(templates.SingleSignOn); ok {
		return v, nil
	}
	return s.ssoVM(r)
}

// ssoVM loads the organization's single sign-on for the viewer: never the
// secret, only whether one is stored.
func (s *Server) ssoVM(r *http.Request) (templates.SingleSignOn, error) {
	actor := ActorFrom(r.Context())
	cfg, err := models.LoadSSO(r.Context(), s.DB, actor)
	if err != nil {
		return templates.SingleSignOn{}, err
	}
	return templates.SingleSignOn{BaseURL: membersPath(actor), RedirectURI: s.redirectURI(),
		CanEdit: actor.Allowed(models.ConfigureProvisioning), Configured: cfg.Configured, Issuer: cfg.Issuer,
		ClientID: cfg.ClientID, HasSecret: cfg.HasSecret, Domains: strings.Join(cfg.Domains, ", "),
		RequireSSO: cfg.RequireSSO, GroupsClaim: cfg.GroupsClaim}, nil
}
