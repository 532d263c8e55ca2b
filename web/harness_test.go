package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
	"github.com/seatdesk/seatdesk/static"
	"github.com/seatdesk/seatdesk/web/mailer"
)

const demoPassword = "demo-password-for-tests"

// testNow is the clock of the web tests: the demo terms start 100 days before.
var testNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// harness is a Seatdesk server on a test database with the demo data.
type harness struct {
	t   testing.TB
	db  *gorm.DB
	srv *httptest.Server
	s   *Server
}

// newHarness serves Seatdesk on db (already migrated) after loading the demo data.
func newHarness(t testing.TB, db *gorm.DB) *harness {
	t.Helper()
	clock := modeltest.FixedClock{T: testNow}
	modeltest.LoadDemo(t, db, clock, demoPassword)
	return serveDB(t, db, clock)
}

// serveDB serves Seatdesk on db as it is; with no mailer given, emails are logged.
func serveDB(t testing.TB, db *gorm.DB, clock models.Clock, mail ...mailer.Mailer) *harness {
	t.Helper()
	return serveDBWith(t, db, clock, Config{BaseURL: "http://127.0.0.1", SessionKey: []byte("0123456789abcdef0123456789abcdef")}, mail...)
}

// serveDBWith is serveDB with a configuration of its own.
func serveDBWith(t testing.TB, db *gorm.DB, clock models.Clock, cfg Config, mail ...mailer.Mailer) *harness {
	t.Helper()
	catalog, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := discardLogger()
	if len(mail) == 0 {
		m, err := mailer.New("", "", log)
		if err != nil {
			t.Fatal(err)
		}
		mail = append(mail, m)
	}
	s := newServer(cfg,
		Deps{DB: db, Clock: clock, Log: log, Catalog: catalog, Static: static.Files, Mailer: mail[0]})
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	return &harness{t: t, db: db, srv: srv, s: s}
}

// client is a browser-like client with its own cookies that does not follow
// redirects, so that tests see them.
type client struct {
	h    *harness
	http *http.Client
	lang string
}

func (h *harness) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{h: h, lang: "en", http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// login gives a client signed in as email, through the session store (the
// sign-in form, with its deliberately slow password hash, has its own tests).
func (h *harness) login(email string) *client {
	h.t.Helper()
	var u models.User
	if err := h.db.Take(&u, "email = ?", email).Error; err != nil {
		h.t.Fatalf("login %s: %v", email, err)
	}
	rec := httptest.NewRecorder()
	if err := h.s.sessions.signIn(rec, httptest.NewRequest(http.MethodPost, "/login", nil), u.ID); err != nil {
		h.t.Fatalf("login %s: %v", email, err)
	}
	c := h.anon()
	base, _ := url.Parse(h.srv.URL)
	c.http.Jar.SetCookies(base, rec.Result().Cookies())
	return c
}

// loginForm signs in through the sign-in form.
func (h *harness) loginForm(email string) *client {
	h.t.Helper()
	c := h.anon()
	res := c.post("/login", url.Values{"email": {email}, "password": {demoPassword}, "next": {"/"}})
	if res.status != http.StatusSeeOther {
		h.t.Fatalf("login %s: status %d: %s", email, res.status, res.body)
	}
	return c
}

type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(req *http.Request) response {
	c.h.t.Helper()
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (c *client) get(path string, headers ...string) response {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.h.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values, headers ...string) response {
	c.h.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
