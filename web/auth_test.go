package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

func sessionCookieOf(res response) *http.Cookie {
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

func TestLogin(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)

		t.Run("wrong password, in the user's language", func(t *testing.T) {
			for lang, msg := range map[string]string{
				"en": "The email or password is incorrect.",
				"it": "L&#39;email o la password non sono corrette.",
				"fr": "L&#39;e-mail ou le mot de passe est incorrect.",
			} {
				c := h.anon()
				c.lang = lang
				res := c.post("/login", url.Values{"email": {"owner@acme.example"}, "password": {"nope"}})
				if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, msg) {
					t.Errorf("%s: status %d, body lacks %q", lang, res.status, msg)
				}
				if sessionCookieOf(res) != nil {
					t.Errorf("%s: a failed login set a session cookie", lang)
				}
			}
		})

		t.Run("empty form", func(t *testing.T) {
			res := h.anon().post("/login", url.Values{})
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Enter your email and password.") {
				t.Fatalf("status %d", res.status)
			}
		})

		t.Run("email is case-insensitive and the session cookie is safe", func(t *testing.T) {
			c := h.anon()
			res := c.post("/login", url.Values{"email": {"  Admin@ACME.example "}, "password": {demoPassword}, "next": {"/orgs/acme/settings/organization"}})
			if res.status != http.StatusSeeOther || res.header.Get("Location") != "/orgs/acme/settings/organization" {
				t.Fatalf("status %d location %q", res.status, res.header.Get("Location"))
			}
			ck := sessionCookieOf(res)
			if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
				t.Fatalf("cookie = %+v, want HttpOnly, SameSite=Lax, not Secure over http", ck)
			}
			if got := c.get("/orgs/acme/settings/organization"); got.status != http.StatusOK {
				t.Fatalf("signed-in page: %d", got.status)
			}
		})

		t.Run("next never leaves the site", func(t *testing.T) {
			for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
				res := h.anon().post("/login", url.Values{"email": {"admin@acme.example"}, "password": {demoPassword}, "next": {next}})
				if loc := res.header.Get("Location"); loc != "/" {
					t.Errorf("next %q → %q, want /", next, loc)
				}
			}
		})

		t.Run("session id rotates at login", func(t *testing.T) {
			c := h.anon()
			// A first login gives a session; a second login in the same browser
			// must replace it, and the old id must stop working.
			first := c.post("/login", url.Values{"email": {"admin@acme.example"}, "password": {demoPassword}})
			old := sessionCookieOf(first)
			second := c.post("/login", url.Values{"email": {"owner@acme.example"}, "password": {demoPassword}})
			fresh := sessionCookieOf(second)
			if old == nil || fresh == nil || old.Value == fresh.Value {
				t.Fatal("the session cookie did not change at login")
			}
			replay := h.anon()
			u, _ := url.Parse(h.srv.URL)
			replay.http.Jar.SetCookies(u, []*http.Cookie{old})
			if res := replay.get("/orgs/acme/settings/organization"); res.status != http.StatusSeeOther {
				t.Fatalf("the pre-login session still works: %d", res.status)
			}
		})

		t.Run("sign out ends the session", func(t *testing.T) {
			c := h.login("admin@acme.example")
			if res := c.post("/logout", nil); res.status != http.StatusSeeOther || res.header.Get("Location") != "/login" {
				t.Fatalf("logout: %d %q", res.status, res.header.Get("Location"))
			}
			if res := c.get("/orgs/acme/settings/organization"); res.status != http.StatusSeeOther {
				t.Fatalf("after logout: %d", res.status)
			}
		})

		t.Run("every session of a user can be revoked at once", func(t *testing.T) {
			a, b := h.login("member@bottega.example"), h.login("member@bottega.example")
			other := h.login("admin@bottega.example")
			var u models.User
			db.Take(&u, "email = ?", "member@bottega.example")
			if err := models.RevokeSessions(db, u.ID); err != nil {
				t.Fatal(err)
			}
			for i, c := range []*client{a, b} {
				if res := c.get("/orgs/bottega"); res.status != http.StatusSeeOther {
					t.Errorf("session %d survived revocation: %d", i, res.status)
				}
			}
			if res := other.get("/orgs/bottega/settings/organization"); res.status != http.StatusOK {
				t.Errorf("another user's session was revoked: %d", res.status)
			}
		})
	})
}

func TestLoginRateLimit(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.anon()
		c.lang = "it"
		for i := range models.MaxFailuresPerAccount {
			if res := c.post("/login", url.Values{"email": {"owner@maison.example"}, "password": {"wrong"}}); res.status != http.StatusUnprocessableEntity {
				t.Fatalf("attempt %d: %d", i+1, res.status)
			}
		}
		// Even the right password is refused now, with a clear message.
		res := c.post("/login", url.Values{"email": {"owner@maison.example"}, "password": {demoPassword}})
		if res.status != http.StatusTooManyRequests || !strings.Contains(res.body, "Troppi tentativi di accesso non riusciti") {
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		// Another account from the same address still signs in (below the
		// per-address limit).
		h.loginForm("admin@maison.example")
		// Failures over many accounts from one address hit the address limit.
		for i := 0; i < models.MaxFailuresPerAddress; i++ {
			c.post("/login", url.Values{"email": {"nobody" + string(rune('a'+i)) + "@example.com"}, "password": {"x"}})
		}
		if res := c.post("/login", url.Values{"email": {"primary@maison.example"}, "password": {demoPassword}}); res.status != http.StatusTooManyRequests {
			t.Fatalf("per-address limit: status %d", res.status)
		}
	})
}

func TestSecurityHeadersAndCrossOrigin(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("admin@acme.example")
		res := c.get("/orgs/acme/settings/organization")
		for name, want := range map[string]string{
			"Content-Security-Policy": "script-src 'self'",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "same-origin",
		} {
			if !strings.Contains(res.header.Get(name), want) {
				t.Errorf("%s = %q, want %q", name, res.header.Get(name), want)
			}
		}
		if res.header.Get("X-Request-Id") == "" {
			t.Error("no X-Request-Id")
		}
		if strings.Contains(res.body, "<script>") || strings.Contains(res.body, " onclick=") {
			t.Error("inline script in the page")
		}
		// A cross-site POST is refused and changes nothing.
		cross := c.post("/logout", nil, "Sec-Fetch-Site", "cross-site")
		if cross.status != http.StatusForbidden {
			t.Fatalf("cross-site POST: %d", cross.status)
		}
		if res := c.get("/orgs/acme/settings/organization"); res.status != http.StatusOK {
			t.Fatalf("the cross-site logout went through: %d", res.status)
		}
		// Same-origin POSTs pass.
		if res := c.post("/logout", nil, "Sec-Fetch-Site", "same-origin"); res.status != http.StatusSeeOther {
			t.Fatalf("same-origin POST: %d", res.status)
		}
	})
}

// TestSecureCookieUnderTLS: with an https base URL, the session cookie of a
// real sign-in answer is Secure (and HttpOnly, SameSite=Lax); with http, it
// is not Secure.
func TestSecureCookieUnderTLS(t *testing.T) {
	db := modeltest.Open(t, "sqlite")
	clock := modeltest.FixedClock{T: testNow}
	modeltest.LoadDemo(t, db, clock, demoPassword)
	for _, base := range []string{"https://seatdesk.example", "http://127.0.0.1"} {
		h := serveDBWith(t, db, clock, Config{BaseURL: base, SessionKey: []byte("0123456789abcdef0123456789abcdef")})
		res := h.anon().post("/login", url.Values{"email": {"member@acme.example"}, "password": {demoPassword}, "next": {"/"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("%s: sign-in status %d", base, res.status)
		}
		var session string
		for _, c := range res.header.Values("Set-Cookie") {
			if strings.HasPrefix(c, sessionCookie+"=") {
				session = c
			}
		}
		if session == "" {
			t.Fatalf("%s: no session cookie in %v", base, res.header.Values("Set-Cookie"))
		}
		secure := strings.Contains(session, "; Secure")
		if secure != (base[:5] == "https") {
			t.Errorf("%s: Set-Cookie %q (Secure = %v)", base, session, secure)
		}
		if !strings.Contains(session, "; HttpOnly") || !strings.Contains(session, "; SameSite=Lax") {
			t.Errorf("%s: Set-Cookie %q lacks HttpOnly or SameSite=Lax", base, session)
		}
	}
}
