package web

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// LoginForm shows the sign-in form; a signed-in user goes straight on.
func (s *Server) LoginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if UserFrom(r.Context()) != nil {
		redirect(w, r, next)
		return nil
	}
	return s.loginPage(w, r, http.StatusOK, templates.Login{Next: next})
}

// Login checks the credentials, rotates the session and goes to next.
func (s *Server) Login(w http.ResponseWriter, r *http.Request) error {
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	vm := templates.Login{Email: email, Next: next}
	loc := locales.From(r.Context())
	if email == "" || password == "" {
		vm.Error = loc.T("auth.login.missing", nil)
		return s.loginPage(w, r, http.StatusUnprocessableEntity, vm)
	}
	if required, err := models.SSORequired(r.Context(), s.DB, email); err != nil {
		return err
	} else if required {
		vm.Error = loc.T("auth.login.sso_required", nil)
		return s.loginPage(w, r, http.StatusUnprocessableEntity, vm)
	}
	if len(email) > models.MaxEmailLength {
		vm.Email = "" // not worth showing back; still counted as an attempt
	}
	user, err := models.Authenticate(r.Context(), s.DB, s.Clock, s.Hasher, email, password, clientAddr(r))
	var throttled *models.Throttled
	var busy *models.Busy
	var invalid *models.Invalid
	switch {
	case errors.As(err, &throttled):
		retryAfter(w, throttled.RetryAfterMinutes*60)
		vm.Error = loc.T("auth.login.throttled", map[string]any{"Minutes": throttled.RetryAfterMinutes})
		return s.loginPage(w, r, http.StatusTooManyRequests, vm)
	case errors.As(err, &busy):
		retryAfter(w, busy.RetryAfterSeconds)
		vm.Error = loc.T("auth.login.busy", nil)
		return s.loginPage(w, r, http.StatusTooManyRequests, vm)
	case errors.As(err, &invalid):
		vm.Error = loc.Message(invalid.Key, invalid.Args)
		return s.loginPage(w, r, http.StatusUnprocessableEntity, vm)
	case err != nil:
		return err
	}
	// The language signed in with is the one Seatdesk writes to them in.
	if err := models.SetUserLang(r.Context(), s.DB, user.ID, loc.Lang); err != nil {
		return err
	}
	if err := s.sessions.signIn(w, r, user.ID); err != nil {
		return err
	}
	redirect(w, r, next)
	return nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, status int, vm templates.Login) error {
	allowIdentityProviders(w.Header())
	return s.page(w, r, status, locales.T(r.Context(), "auth.login.title"), "", templates.LoginPage(vm))
}

// Logout ends the session.
func (s *Server) Logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.sessions.signOut(w, r); err != nil {
		return err
	}
	redirect(w, r, "/login")
	return nil
}

// OrgPicker lists the user's organizations; with exactly one it opens it.
func (s *Server) OrgPicker(w http.ResponseWriter, r *http.Request) error {
	orgs, err := models.OrgsOf(r.Context(), s.DB, UserFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	if len(orgs) == 1 {
		redirect(w, r, "/orgs/"+orgs[0].Slug)
		return nil
	}
	vm := make([]templates.OrgChoice, len(orgs))
	for i, o := range orgs {
		vm[i] = templates.OrgChoice{Slug: o.Slug, Name: o.Name, Role: string(o.Role)}
	}
	return s.page(w, r, http.StatusOK, locales.T(r.Context(), "orgs.title"), "", templates.OrgPicker(vm))
}

// OrgHome opens Organization settings for Admins and above, and shows a Member
// their own membership.
func (s *Server) OrgHome(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	if models.PlanEnded(actor.Org) { // only Owners get here: Billing says the plan ended
		redirect(w, r, billingPath(actor.Org.Slug))
		return nil
	}
	if models.Allows(actor.Role, models.ViewOrganization) {
		redirect(w, r, "/orgs/"+actor.Org.Slug+"/settings/organization")
		return nil
	}
	vm := templates.MemberHome{Role: string(actor.Role)}
	if actor.SeatTypeKey != nil {
		vm.SeatType = *actor.SeatTypeKey
	}
	contacts, err := models.Contacts(r.Context(), s.DB, actor)
	if err != nil {
		return err
	}
	for _, c := range contacts {
		vm.Contacts = append(vm.Contacts, templates.Contact{Name: c.Name, Email: c.Email, Role: string(c.Role)})
	}
	return s.page(w, r, http.StatusOK, locales.T(r.Context(), "member_home.title"), "", templates.MemberHomePage(vm))
}

// Health answers 200 when the database does.
func (s *Server) Health(w http.ResponseWriter, r *http.Request) error {
	if err := models.Ping(r.Context(), s.DB); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}

// safeNext keeps a post-login destination on this site: a path of this
// origin that browsers cannot read as another host. Browsers drop tabs and
// newlines and turn backslashes into slashes before resolving a Location
// ("/\t/evil" becomes "//evil"), so control characters, backslashes and any
// "//" are refused, as is anything url.Parse sees with a scheme or a host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || len(next) > 2048 || !plainPath(next) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !plainPath(u.Path) {
		return "/" // the decoded path is held to the same rules (%09, %5C)
	}
	return next
}

// plainPath: valid UTF-8 without control characters, backslashes or "//".
func plainPath(p string) bool {
	if strings.Contains(p, "//") || strings.ContainsRune(p, '\\') || !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if unicode.IsControl(r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return false
		}
	}
	return true
}

// hashWait is how long a sign-in waits for a free hashing slot before 429.
const hashWait = 2 * time.Second

func retryAfter(w http.ResponseWriter, seconds int) {
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
