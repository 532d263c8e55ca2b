package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
)

// reqState is what the middleware learns about a request, for handlers and
// for the request log line.
type reqState struct {
	id    string
	user  *models.User
	actor *models.Actor
	// service is the product service calling the access API (Service routes).
	service *models.APIToken
	format  Format // how errors are written: the route's
}

type stateKey struct{}

func state(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	if st == nil {
		return &reqState{}
	}
	return st
}

// ActorFrom returns the actor of an organization route.
func ActorFrom(ctx context.Context) models.Actor { return *state(ctx).actor }

// UserFrom returns the signed-in user, or nil.
func UserFrom(ctx context.Context) *models.User { return state(ctx).user }

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

const langCookie = "seatdesk_lang"

// middleware wraps every request: request id and log line, panic recovery,
// security headers, cross-origin protection and the user's language.
func (s *Server) middleware(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	h := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &reqState{id: r.Header.Get("X-Request-Id")}
		if !requestIDPattern.MatchString(st.id) {
			buf := make([]byte, 8)
			_, _ = rand.Read(buf)
			st.id = hex.EncodeToString(buf)
		}
		ctx := context.WithValue(r.Context(), stateKey{}, st)
		ctx = locales.With(ctx, s.Catalog.Locale(s.language(w, r)))
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		secureHeaders(rec.Header(), s.https)
		rec.Header().Set("X-Request-Id", st.id)
		defer func() {
			if p := recover(); p != nil {
				s.Log.ErrorContext(ctx, "panic", "request_id", st.id, "panic", p)
				if !rec.wrote {
					s.fail(rec, r, errors.New("panic"))
				}
			}
			attrs := []any{"request_id", st.id, "method", r.Method, "path", r.URL.Path, "status", rec.status,
				"duration_ms", float64(time.Since(start).Microseconds()) / 1000}
			if st.user != nil {
				attrs = append(attrs, "user_id", st.user.ID)
			}
			s.Log.InfoContext(ctx, "request", attrs...)
		}()
		h.ServeHTTP(rec, r)
	})
}

// language picks the interface language: ?lang= (remembered in a cookie), the
// cookie, else Accept-Language.
func (s *Server) language(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); locales.Supported(q) {
		// #nosec G124 -- Secure follows the https base URL (also behind a TLS proxy); plain http serves development (make run).
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https})
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && locales.Supported(c.Value) {
		return c.Value
	}
	return s.Catalog.Match(r.Header.Get("Accept-Language"))
}

// contentSecurityPolicy is every page's policy with the given form-action.
// The one hash allows an empty style attribute, which htmx copies between the
// old and the new element of a swap; no inline style runs.
func contentSecurityPolicy(formAction string) string {
	return "default-src 'self'; script-src 'self'; " +
		"style-src 'self' 'unsafe-hashes' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action " + formAction + "; frame-ancestors 'none'"
}

// allowIdentityProviders lets the sign-in page's single sign-on form lead to
// an identity provider: browsers hold the redirects of a form post to the
// page's form-action, and /sso/start answers 303 to the provider, which may
// be any https host (or http on 127.0.0.1 or localhost, as
// models.ValidateIssuer allows; browsers take no IPv6 literal here). Every
// other page keeps form-action 'self'.
func allowIdentityProviders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy("'self' https: http://127.0.0.1:* http://localhost:*"))
}

func secureHeaders(h http.Header, tls bool) {
	h.Set("Content-Security-Policy", contentSecurityPolicy("'self'"))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if tls {
		h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
}

// guard authenticates a route's caller as its row says, enforces the row's
// permission before the handler runs (R-PERM-2), and writes any error in the
// row's format. Sessions: anonymous users go to the sign-in page, non-members
// of the organization get 404 (R-PERM-3), members without the permission
// get 403.
func (s *Server) guard(rt Route) http.Handler {
	switch rt.Auth {
	case Public, Session, SCIM, Service:
	default:
		panic("route " + rt.Pattern + ": no authentication for " + string(rt.Auth))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r.Context())
		st.format = rt.Errors
		if rt.Auth != SCIM { // SCIM bodies are JSON, checked by the SCIM handlers
			if err := checkInput(w, r, rt.Pattern); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if err := s.authenticate(r, rt, st); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := rt.handle(w, r); err != nil {
			if rec, ok := w.(*statusRecorder); ok && rec.wrote {
				// Too late for an error page: the answer has begun.
				s.Log.ErrorContext(r.Context(), "request failed after the answer began", "request_id", st.id, "error", err.Error())
				return
			}
			s.fail(w, r, err)
		}
	})
}

// authenticate resolves the caller of a route and checks its permission.
func (s *Server) authenticate(r *http.Request, rt Route, st *reqState) error {
	if rt.Auth == Service {
		tok, err := s.serviceToken(r)
		if err != nil {
			return err
		}
		st.service = &tok
		if rt.Permission != models.ReadAccess {
			return &models.Forbidden{Permission: rt.Permission, Need: models.LowestRole(rt.Permission)}
		}
		return nil
	}
	if rt.Auth == SCIM {
		actor, err := s.scimActor(r)
		if err != nil {
			return err
		}
		st.actor = &actor
		return actor.Check(rt.Permission)
	}
	if rt.Auth == Public || !rt.Permission.OrgScoped() {
		user, err := s.currentUser(r)
		st.user = user
		if err != nil || rt.Auth == Public {
			return err
		}
		if user == nil {
			return errSignInNeeded
		}
		return nil
	}
	// The user and their membership of the organization in one statement.
	user, actor, err := s.sessions.actor(r, r.PathValue("org"))
	st.user = user
	if user == nil && err == nil {
		return errSignInNeeded
	}
	if err != nil {
		return err
	}
	st.actor = &actor
	if err := models.CheckPlanEnded(actor, rt.Permission); err != nil {
		return err
	}
	return actor.Check(rt.Permission)
}

// currentUser loads the session's user; nil when signed out or the user is gone.
func (s *Server) currentUser(r *http.Request) (*models.User, error) {
	return s.sessions.user(r)
}

// loginURL is the sign-in page that returns to the current page.
func loginURL(r *http.Request) string {
	return "/login?next=" + url.QueryEscape(r.URL.RequestURI())
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status = code
		r.wrote = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
