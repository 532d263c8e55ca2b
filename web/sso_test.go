package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// An OpenID provider inside the test process (mockoidc) and Seatdesk's
// sign-in through it, on both databases.

// oidcPerson is who the mock provider signs in next.
type oidcPerson struct {
	sub, email, name string
	verified         bool
	groups           []string
}

type oidcClaims struct {
	*mockoidc.IDTokenClaims
	Email         string   `json:"email,omitempty"`
	EmailVerified bool     `json:"email_verified"`
	Name          string   `json:"name,omitempty"`
	Groups        []string `json:"groups,omitempty"`
}

func (p oidcPerson) ID() string { return p.sub }

func (p oidcPerson) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": p.sub, "email": p.email, "email_verified": p.verified, "name": p.name, "groups": p.groups})
}

func (p oidcPerson) Claims(_ []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &oidcClaims{IDTokenClaims: c, Email: p.email, EmailVerified: p.verified, Name: p.name, Groups: p.groups}, nil
}

// ssoEnv is a Seatdesk server whose acme signs in through a mock provider.
type ssoEnv struct {
	*harness
	idp *mockoidc.MockOIDC
}

func newSSOEnv(t *testing.T, db *gorm.DB, require bool) *ssoEnv {
	t.Helper()
	mockoidc.NowFunc = func() time.Time { return testNow }
	t.Cleanup(func() { mockoidc.NowFunc = time.Now })
	idp, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idp.Shutdown() })
	h := newHarness(t, db)
	org, _ := models.OrgBySlug(context.Background(), db, "acme")
	err = models.SaveSSO(context.Background(), db, h.s.Sealer, models.SystemActor(org, "operator"), models.SSOInput{
		Issuer: idp.Issuer(), ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, Domains: "acme.example, acme-sso.example",
		RequireSSO: require})
	if err != nil {
		t.Fatal(err)
	}
	return &ssoEnv{harness: h, idp: idp}
}

// signIn runs the whole flow for a person: the form, the provider, the
// callback. It returns the browser and the callback's answer.
func (e *ssoEnv) signIn(t *testing.T, p oidcPerson, next string) (*client, response, string) {
	t.Helper()
	e.idp.QueueUser(p)
	c := e.anon()
	res := c.post("/sso/start", url.Values{"email": {p.email}, "next": {next}})
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), e.idp.AuthorizationEndpoint()) {
		t.Fatalf("start: %d %q %.300s", res.status, res.header.Get("Location"), res.body)
	}
	auth, err := url.Parse(res.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	q := auth.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" {
		t.Fatalf("authorization request without PKCE, nonce or state: %s", auth)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	idpRes, err := noFollow.Get(auth.String())
	if err != nil {
		t.Fatal(err)
	}
	idpRes.Body.Close()
	back, err := url.Parse(idpRes.Header.Get("Location"))
	if err != nil || back.Path != "/sso/callback" {
		t.Fatalf("provider answered %d %q", idpRes.StatusCode, idpRes.Header.Get("Location"))
	}
	callback := back.Path + "?" + back.RawQuery
	return c, c.get(callback), callback
}

func memberByEmail(t *testing.T, db *gorm.DB, email string) (models.Membership, bool) {
	t.Helper()
	var m models.Membership
	err := db.Joins("JOIN users ON users.id = memberships.user_id").Where("users.email = ?", email).Limit(1).Find(&m).Error
	if err != nil {
		t.Fatal(err)
	}
	return m, m.ID != 0
}

func TestSSOFirstSignInProvisions(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := newSSOEnv(t, db, false)
		// A new person lands with an Enterprise seat, signed in, without a password.
		c, res, _ := e.signIn(t, oidcPerson{sub: "s-1", email: "Nora.New@acme-sso.example", name: "Nora New", verified: true}, "/")
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/orgs/acme" {
			t.Fatalf("callback: %d %q %.300s", res.status, res.header.Get("Location"), res.body)
		}
		m, ok := memberByEmail(t, db, "nora.new@acme-sso.example")
		if !ok || m.Source != models.SourceJIT || m.Status != models.StatusActive || m.SeatTypeKey == nil || *m.SeatTypeKey != "enterprise" {
			t.Fatalf("member: %+v", m)
		}
		var u models.User
		db.Take(&u, m.UserID)
		if u.PasswordHash != "" || u.Name != "Nora New" {
			t.Fatalf("user: %+v", u)
		}
		if home := c.get("/orgs/acme"); home.status != http.StatusOK || !strings.Contains(home.body, "member-home") {
			t.Fatalf("home: %d", home.status)
		}
		// A later sign-in updates the name; the same user, no new member.
		_, res, _ = e.signIn(t, oidcPerson{sub: "s-1", email: "nora.new@acme-sso.example", name: "Nora Newer", verified: true}, "/")
		db.Take(&u, m.UserID)
		if res.status != http.StatusSeeOther || u.Name != "Nora Newer" || modeltest.MustCount(t, db, &models.User{}, "email = ?", "nora.new@acme-sso.example") != 1 {
			t.Fatalf("second sign-in: %d, user %+v", res.status, u)
		}
		// A verified email of an existing user links to that user.
		before := modeltest.MustCount(t, db, &models.User{}, "1 = 1")
		_, res, _ = e.signIn(t, oidcPerson{sub: "mia-at-idp", email: "member@acme.example", name: "Mia Member", verified: true}, "/orgs/acme")
		if res.status != http.StatusSeeOther || modeltest.MustCount(t, db, &models.User{}, "1 = 1") != before ||
			modeltest.MustCount(t, db, &models.SSOIdentity{}, "subject = ?", "mia-at-idp") != 1 {
			t.Fatalf("link: %d %.200s", res.status, res.body)
		}
		// No return URL leaves the site.
		_, res, _ = e.signIn(t, oidcPerson{sub: "s-1", email: "nora.new@acme-sso.example", name: "Nora Newer", verified: true}, "//evil.example/x")
		if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
			t.Fatalf("return URL %q", loc)
		}
		var n int64
		db.Model(&models.AuditEvent{}).Where("actor_kind = ? AND action = ?", models.ActorSSO, "member.provisioned").Count(&n)
		if n != 1 {
			t.Fatalf("%d provisioning events by single sign-on", n)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestSSOWaitsForASeat(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := newSSOEnv(t, db, false)
		for i, who := range []string{"a", "b", "c", "d"} { // acme's 4 free seats
			if _, res, _ := e.signIn(t, oidcPerson{sub: who, email: who + "@acme-sso.example", name: "Person " + who, verified: true}, "/"); res.status != http.StatusSeeOther {
				t.Fatalf("person %d: %d", i, res.status)
			}
		}
		c, res, _ := e.signIn(t, oidcPerson{sub: "e", email: "e@acme-sso.example", name: "Eve Waiting", verified: true}, "/")
		if res.status != http.StatusSeeOther {
			t.Fatalf("fifth: %d %.300s", res.status, res.body)
		}
		m, _ := memberByEmail(t, db, "e@acme-sso.example")
		if m.Status != models.StatusPending || m.WaitingFor == nil || *m.WaitingFor != "enterprise" {
			t.Fatalf("fifth member: %+v", m)
		}
		c.lang = "it"
		page := c.get("/orgs/acme")
		if page.status != http.StatusForbidden || !strings.Contains(page.body, "In attesa di un posto") {
			t.Fatalf("waiting page: %d %.400s", page.status, page.body)
		}
		// An Owner buys a seat: the person waiting gets it, and a reload lets them in.
		buy(t, e.harness, actorOf(t, e.harness, "owner@acme.example", "acme"), 1)
		if page := c.get("/orgs/acme"); page.status != http.StatusOK {
			t.Fatalf("after the purchase: %d %.300s", page.status, page.body)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestSSORefusals(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := newSSOEnv(t, db, true)
		users := func() int64 { return modeltest.MustCount(t, db, &models.User{}, "1 = 1") }
		before := users()
		// An unknown domain: the sign-in page says so.
		c := e.anon()
		c.lang = "fr"
		res := c.post("/sso/start", url.Values{"email": {"someone@nowhere.example"}})
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Aucune organisation") {
			t.Fatalf("unknown domain: %d %.300s", res.status, res.body)
		}
		// An unverified email: a page, nothing created.
		_, res, _ = e.signIn(t, oidcPerson{sub: "u", email: "unverified@acme-sso.example", name: "Un Verified"}, "/")
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "verified email") || users() != before {
			t.Fatalf("unverified: %d %.300s", res.status, res.body)
		}
		// The same callback twice (a replayed state and code): refused.
		_, res, callback := e.signIn(t, oidcPerson{sub: "r", email: "replay@acme-sso.example", name: "Re Play", verified: true}, "/")
		if res.status != http.StatusSeeOther {
			t.Fatalf("first: %d", res.status)
		}
		if again := e.anon().get(callback); again.status != http.StatusBadRequest || !strings.Contains(again.body, "no longer valid") {
			t.Fatalf("replay: %d %.300s", again.status, again.body)
		}
		// A state from another browser (no state cookie): refused.
		e.idp.QueueUser(oidcPerson{sub: "x", email: "x@acme-sso.example", name: "X", verified: true})
		start := e.anon().post("/sso/start", url.Values{"email": {"x@acme-sso.example"}})
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		idpRes, _ := noFollow.Get(start.header.Get("Location"))
		back, _ := url.Parse(idpRes.Header.Get("Location"))
		if res := e.anon().get(back.Path + "?" + back.RawQuery); res.status != http.StatusBadRequest {
			t.Fatalf("another browser: %d", res.status)
		}
		// A wrong state, an error from the provider.
		for _, q := range []string{"?state=forged&code=abc", "?error=access_denied"} {
			if res := e.anon().get("/sso/callback" + q); res.status != http.StatusBadRequest {
				t.Fatalf("callback%s: %d", q, res.status)
			}
		}
		// An expired ID token: refused, nothing created.
		e.idp.FastForward(-48 * time.Hour)
		_, res, _ = e.signIn(t, oidcPerson{sub: "old", email: "old@acme-sso.example", name: "Old Token", verified: true}, "/")
		e.idp.FastForward(48 * time.Hour)
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "could not be verified") {
			t.Fatalf("expired token: %d %.300s", res.status, res.body)
		}
		if n := modeltest.MustCount(t, db, &models.User{}, "email = ?", "old@acme-sso.example"); n != 0 {
			t.Fatal("an expired token created a user")
		}
		// Require single sign-on: password sign-in refused for the domain,
		// except for the Primary Owner.
		if res := e.anon().post("/login", url.Values{"email": {"member@acme.example"}, "password": {demoPassword}, "next": {"/"}}); res.status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.body, "single sign-on") {
			t.Fatalf("password sign-in with SSO required: %d", res.status)
		}
		if res := e.anon().post("/login", url.Values{"email": {"primary@acme.example"}, "password": {demoPassword}, "next": {"/"}}); res.status != http.StatusSeeOther {
			t.Fatalf("the Primary Owner's way back in: %d", res.status)
		}
		// Removed by an Admin: single sign-on does not bring them back.
		admin := actorOf(t, e.harness, "admin@acme.example", "acme")
		mia, _ := memberByEmail(t, db, "member@acme.example")
		if _, err := models.RemoveMember(context.Background(), db, admin, mia.ID); err != nil {
			t.Fatal(err)
		}
		_, res, _ = e.signIn(t, oidcPerson{sub: "mia", email: "member@acme.example", name: "Mia Member", verified: true}, "/")
		if res.status != http.StatusBadRequest || !strings.Contains(res.body, "removed") {
			t.Fatalf("removed member: %d %.300s", res.status, res.body)
		}
		if _, ok := memberByEmail(t, db, "member@acme.example"); ok {
			t.Fatal("single sign-on brought a removed member back")
		}
		// Suspended by the identity provider: a clear page.
		tok := scimToken(t, db, "acme", "Okta")
		giulia, _ := memberByEmail(t, db, "giulia.rossi1@acme.example")
		e.scim(tok, "PATCH", "/Users/"+strconv.FormatInt(giulia.ID, 10), `{"Operations":[{"op":"replace","path":"active","value":false}]}`)
		gc, res, _ := e.signIn(t, oidcPerson{sub: "giulia", email: "giulia.rossi1@acme.example", name: "Giulia Rossi", verified: true}, "/")
		if res.status != http.StatusSeeOther {
			t.Fatalf("suspended sign-in: %d", res.status)
		}
		if page := gc.get("/orgs/acme"); page.status != http.StatusForbidden || !strings.Contains(page.body, "suspended") {
			t.Fatalf("suspended page: %d %.300s", page.status, page.body)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}
