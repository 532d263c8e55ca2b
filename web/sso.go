package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Single sign-on with OpenID Connect (R-PROV-1): the authorization code flow
// with PKCE, state and nonce, verified by go-oidc; a first sign-in provisions
// the person through the provisioning operation (JIT).

const ssoStateCookie = "seatdesk_sso"

// ssoError is a sign-in that cannot go on; key is the locale key of the page.
type ssoError struct{ key string }

func (e *ssoError) Error() string { return "single sign-on: " + e.key }

func (s *Server) redirectURI() string { return s.baseURL + "/sso/callback" }

// oidcContext makes go-oidc and oauth2 use the server's HTTP client (with its
// time limit).
func (s *Server) oidcContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, s.httpClient)
}

func (s *Server) oauthConfig(p *oidc.Provider, c models.SSOClient) oauth2.Config {
	return oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: s.redirectURI(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// SSOStart sends the person to their organization's identity provider: the
// email's domain picks the organization.
func (s *Server) SSOStart(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := safeNext(r.PostFormValue("next"))
	vm := templates.Login{Email: email, Next: next, SSO: true}
	loc := locales.From(r.Context())
	client, err := models.SSOForEmail(r.Context(), s.DB, s.Sealer, email)
	var invalid *models.Invalid
	switch {
	case errors.As(err, &invalid):
		vm.Error = loc.Message(invalid.Key, invalid.Args)
		return s.loginPage(w, r, http.StatusUnprocessableEntity, vm)
	case errors.Is(err, models.ErrNoSSO):
		vm.Error = loc.T("sso.error.no_domain", map[string]any{"Domain": email[strings.LastIndex(email, "@")+1:]})
		return s.loginPage(w, r, http.StatusUnprocessableEntity, vm)
	case err != nil:
		return err
	}
	ctx := s.oidcContext(r.Context())
	provider, err := oidc.NewProvider(ctx, client.Issuer)
	if err != nil {
		s.Log.WarnContext(r.Context(), "identity provider discovery failed", "issuer", client.Issuer, "error", err.Error())
		return &ssoError{"sso.error.provider"}
	}
	state, nonce, verifier, err := models.StartSSOLogin(r.Context(), s.DB, s.Clock, client.Org.ID, next)
	if err != nil {
		return err
	}
	// #nosec G124 -- Secure follows the https base URL (also behind a TLS proxy); plain http serves development (make run).
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Value: state, Path: "/sso/", MaxAge: int(models.SSOLoginTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https})
	conf := s.oauthConfig(provider, client)
	target := conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("login_hint", email))
	// To the identity provider's authorization endpoint, read from the issuer's
	// discovery document that an Owner configured; never through HX-Redirect.
	http.Redirect(w, r, target, http.StatusSeeOther) // #nosec G710 -- the target is the configured issuer's, not the request's
	return nil
}

// ssoClaims are the claims Seatdesk reads from the ID token or userinfo.
type ssoClaims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"` // a boolean, or "true" from some providers
	Name          string `json:"name"`
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
}

func verified(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// groupsOf reads the groups claim (a list of strings, or one string).
func groupsOf(all map[string]any, claim string) []string {
	switch v := all[claim].(type) {
	case []any:
		var out []string
		for _, g := range v {
			if s, ok := g.(string); ok && s != "" {
				out = append(out, s)
			}
		}
		return out
	case string:
		if v != "" {
			return []string{v}
		}
	}
	return nil
}

// SSOCallback finishes a sign-in: the state (single use, short-lived, bound
// to this browser), the code exchanged with the PKCE verifier, the ID token
// verified (signature, issuer, audience, expiry, nonce), the email verified;
// then the person is linked, provisioned if new, and signed in.
func (s *Server) SSOCallback(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	state := q.Get("state")
	cookie, _ := r.Cookie(ssoStateCookie)
	// #nosec G124 -- Secure follows the https base URL (also behind a TLS proxy); plain http serves development (make run).
	http.SetCookie(w, &http.Cookie{Name: ssoStateCookie, Value: "", Path: "/sso/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.https})
	login, err := models.TakeSSOLogin(r.Context(), s.DB, s.Clock, state)
	if err != nil {
		if errors.Is(err, models.ErrSSOState) {
			return &ssoError{"sso.error.state"}
		}
		return err
	}
	if cookie == nil || cookie.Value != state {
		return &ssoError{"sso.error.state"}
	}
	if q.Get("error") != "" {
		s.Log.WarnContext(r.Context(), "identity provider refused the sign-in", "error", q.Get("error"), "description", q.Get("error_description"))
		return &ssoError{"sso.error.refused"}
	}
	client, err := models.SSOForOrg(r.Context(), s.DB, s.Sealer, login.OrgID)
	if err != nil {
		return err
	}
	ctx := s.oidcContext(r.Context())
	provider, err := oidc.NewProvider(ctx, client.Issuer)
	if err != nil {
		return &ssoError{"sso.error.provider"}
	}
	conf := s.oauthConfig(provider, client)
	token, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(login.Verifier))
	if err != nil {
		s.Log.WarnContext(r.Context(), "code exchange failed", "error", err.Error())
		return &ssoError{"sso.error.exchange"}
	}
	raw, _ := token.Extra("id_token").(string)
	idToken, err := provider.Verifier(&oidc.Config{ClientID: client.ClientID, Now: s.Clock.Now}).Verify(ctx, raw)
	if err != nil {
		s.Log.WarnContext(r.Context(), "ID token refused", "error", err.Error())
		return &ssoError{"sso.error.token"}
	}
	if idToken.Nonce != login.Nonce {
		return &ssoError{"sso.error.token"}
	}
	var claims ssoClaims
	var all map[string]any
	if err := idToken.Claims(&claims); err != nil {
		return &ssoError{"sso.error.token"}
	}
	_ = idToken.Claims(&all)
	if claims.Email == "" || claims.Name == "" || claims.EmailVerified == nil {
		info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(token))
		if err == nil {
			var more ssoClaims
			var moreAll map[string]any
			if info.Claims(&more) == nil {
				if claims.Email == "" {
					claims.Email, claims.EmailVerified = more.Email, more.EmailVerified
				}
				if claims.EmailVerified == nil {
					claims.EmailVerified = more.EmailVerified
				}
				if claims.Name == "" {
					claims.Name = more.Name
				}
			}
			if info.Claims(&moreAll) == nil && all[client.GroupsClaim] == nil {
				all[client.GroupsClaim] = moreAll[client.GroupsClaim]
			}
		}
	}
	if claims.Email == "" || !verified(claims.EmailVerified) {
		return &ssoError{"sso.error.unverified"}
	}
	if claims.Name == "" {
		claims.Name = strings.TrimSpace(claims.GivenName + " " + claims.FamilyName)
	}
	out, err := s.provisioner().CompleteSSO(r.Context(), client.Org, models.SSOClaims{Issuer: idToken.Issuer, Subject: idToken.Subject,
		Email: claims.Email, Name: claims.Name, Groups: groupsOf(all, client.GroupsClaim)})
	var invalid *models.Invalid
	switch {
	case errors.Is(err, models.ErrRemovedMember):
		return &ssoError{"sso.error.removed"}
	case errors.As(err, &invalid):
		return &ssoError{"sso.error.unverified"}
	case err != nil:
		return err
	}
	s.deliverAll(r, out.Mails)
	if err := models.SetUserLang(r.Context(), s.DB, out.User.ID, locales.From(r.Context()).Lang); err != nil {
		return err
	}
	if err := s.sessions.signIn(w, r, out.User.ID); err != nil {
		return err
	}
	next := login.Next
	if next == "/" || next == "" {
		next = "/orgs/" + client.Org.Slug
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	return nil
}

// ssoPage shows why a sign-in stopped, in the person's language.
func (s *Server) ssoPage(w http.ResponseWriter, r *http.Request, e *ssoError) {
	loc := locales.From(r.Context())
	vm := templates.Error{Status: http.StatusBadRequest, Title: loc.T("sso.error.title", nil), Message: loc.T(e.key, nil)}
	if err := s.page(w, r, vm.Status, vm.Title, "", templates.SSOErrorPage(vm)); err != nil {
		s.Log.ErrorContext(r.Context(), "render single sign-on page", "error", err.Error())
	}
}

// ssoTest fetches an issuer's discovery document and says what it found.
func (s *Server) ssoTest(ctx context.Context, issuer string) (string, bool) {
	loc := locales.From(ctx)
	issuer, err := models.ValidateIssuer(issuer)
	if err != nil {
		var invalid *models.Invalid
		errors.As(err, &invalid)
		return loc.Message(invalid.Key, invalid.Args), false
	}
	p, err := oidc.NewProvider(s.oidcContext(ctx), issuer)
	if err != nil {
		return loc.T("sso.test.failed", map[string]any{"Error": shorten(err.Error(), 300)}), false
	}
	var doc struct {
		UserinfoEndpoint string   `json:"userinfo_endpoint"`
		Methods          []string `json:"code_challenge_methods_supported"`
	}
	_ = p.Claims(&doc)
	pkce := "—"
	if len(doc.Methods) > 0 {
		pkce = strings.Join(doc.Methods, ", ")
	}
	return loc.T("sso.test.ok", map[string]any{"Authorization": p.Endpoint().AuthURL, "Token": p.Endpoint().TokenURL,
		"Userinfo": doc.UserinfoEndpoint, "PKCE": pkce}), true
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
