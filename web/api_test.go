package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// The access API over HTTP on both databases (R-ACCESS-1): every member
// state, another organization, a legacy plan, a plan that has ended, a
// revoked token, bad parameters; every answer (errors included) validated
// against the OpenAPI 3.1 document the server serves.

func serviceToken(t testing.TB, db *gorm.DB, name string) string {
	t.Helper()
	raw, _, err := models.CreateAPIToken(context.Background(), db, name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// apiAnswer is a decoded access API answer.
type apiAnswer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func (a apiAnswer) str(k string) string { s, _ := a.body[k].(string); return s }
func (a apiAnswer) flag(k string) bool  { b, _ := a.body[k].(bool); return b }

// openAPIChecker validates real answers against web/openapi.json.
type openAPIChecker struct {
	mu sync.Mutex
	v  validator.Validator
}

func newOpenAPIChecker(t testing.TB) *openAPIChecker {
	t.Helper()
	doc, err := libopenapi.NewDocument(openAPIDocument)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("openapi.json: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("openapi.json is not a valid OpenAPI 3.1 document: %s", e.Error())
		}
		t.FailNow()
	}
	return &openAPIChecker{v: v}
}

// call sends a request to the access API and checks the answer against the
// document.
func (c *openAPIChecker) call(t testing.TB, h *harness, token, method, path, body string, headers ...string) apiAnswer {
	t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept-Language", "en")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := apiAnswer{status: res.StatusCode, header: res.Header, raw: string(b)}
	if err := json.Unmarshal(b, &a.body); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %.300s", method, path, res.StatusCode, b)
	}
	// The validator reads the bodies again.
	res.Body = io.NopCloser(strings.NewReader(string(b)))
	check, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	check.Header = req.Header.Clone()
	c.mu.Lock()
	ok, verrs := c.v.ValidateHttpResponse(check, res)
	c.mu.Unlock()
	if !ok {
		for _, e := range verrs {
			t.Errorf("%s %s → %d does not match openapi.json: %s (%s)", method, path, res.StatusCode, e.Message, e.Reason)
		}
	}
	return a
}

func accessPath(org, email string) string {
	return "/api/v1/access?" + url.Values{"org": {org}, "email": {email}}.Encode()
}

// addMembership puts a new user in an organization in a given state (test setup only).
func addMembership(t *testing.T, db *gorm.DB, slug, email string, status models.MemberStatus, seat *string) int64 {
	t.Helper()
	org, err := models.OrgBySlug(context.Background(), db, slug)
	if err != nil {
		t.Fatal(err)
	}
	u := models.User{Email: email, Name: "Test " + email}
	if err := db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	m := models.Membership{OrgID: org.ID, UserID: u.ID, Role: models.RoleMember, Status: status, SeatTypeKey: seat, Source: models.SourceSCIM}
	if status == models.StatusPending {
		now := time.Now()
		m.WaitingSince = &now
	}
	if err := db.Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func TestAccessAPI(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		oa := newOpenAPIChecker(t)
		token := serviceToken(t, db, "product")
		addMembership(t, db, "acme", "waiting@acme.example", models.StatusPending, nil)
		addMembership(t, db, "acme", "suspended@acme.example", models.StatusSuspended, nil)
		var unassigned string
		db.Raw(`SELECT users.email FROM memberships JOIN users ON users.id = memberships.user_id JOIN organizations o ON o.id = memberships.org_id
WHERE o.slug = 'acme' AND memberships.seat_type_key IS NULL AND memberships.status = 'active' ORDER BY memberships.id LIMIT 1`).Scan(&unassigned)
		if unassigned == "" {
			t.Fatal("the demo has no Unassigned member in acme")
		}

		type want struct {
			status                   string
			seat                     any
			chat, claudeCode, cowork bool
		}
		cases := []struct {
			org, email string
			want       want
		}{
			{"acme", "member@acme.example", want{"active", "enterprise", true, true, true}},
			{"acme", "MEMBER@Acme.Example", want{"active", "enterprise", true, true, true}}, // any case
			{"acme", unassigned, want{"unassigned", nil, false, false, false}},
			{"acme", "waiting@acme.example", want{"waiting", nil, false, false, false}},
			{"acme", "suspended@acme.example", want{"suspended", nil, false, false, false}},
			{"acme", "member@bottega.example", want{"not_member", nil, false, false, false}}, // a member of another organization
			{"acme", "nobody@example.com", want{"not_member", nil, false, false, false}},
			{"bottega", "member@bottega.example", want{"active", "chat", true, false, false}},
			{"bottega", "owner@bottega.example", want{"active", "chat_code", true, true, false}},
			{"bottega", "member@acme.example", want{"not_member", nil, false, false, false}},
			{"maison", "member@maison.example", want{"active", "standard", true, true, false}},
		}
		for _, c := range cases {
			a := oa.call(t, h, token, http.MethodGet, accessPath(c.org, c.email), "")
			if a.status != http.StatusOK {
				t.Errorf("%s/%s: %d %s", c.org, c.email, a.status, a.raw)
				continue
			}
			got := want{a.str("status"), a.body["seat_type"], a.flag("chat"), a.flag("claude_code"), a.flag("cowork")}
			if got != c.want || a.str("org") != c.org || a.str("email") != strings.ToLower(c.email) || !a.flag("plan_active") {
				t.Errorf("%s/%s: %s, want %+v", c.org, c.email, a.raw, c.want)
			}
			if a.header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s/%s: Cache-Control %q", c.org, c.email, a.header.Get("Cache-Control"))
			}
		}

		// The batch answers every email in the order asked.
		emails := []string{}
		for _, c := range cases[:7] {
			emails = append(emails, c.email)
		}
		body, _ := json.Marshal(map[string]any{"org": "acme", "emails": emails})
		a := oa.call(t, h, token, http.MethodPost, "/api/v1/access", string(body))
		results, _ := a.body["results"].([]any)
		if a.status != http.StatusOK || len(results) != len(emails) {
			t.Fatalf("batch: %d %.500s", a.status, a.raw)
		}
		for i, r := range results {
			m := r.(map[string]any)
			if m["email"] != strings.ToLower(emails[i]) || m["status"] != cases[i].want.status || m["chat"] != cases[i].want.chat {
				t.Errorf("batch result %d: %v, want %s %+v", i, m, emails[i], cases[i].want)
			}
		}

		// Errors: JSON with a code and a message.
		errCases := []struct {
			name, token, method, path, body string
			status                          int
			code                            string
		}{
			{"no token", "", "GET", accessPath("acme", "member@acme.example"), "", 401, "unauthorized"},
			{"a wrong token", "sdsvc_wrong", "GET", accessPath("acme", "member@acme.example"), "", 401, "unauthorized"},
			{"a SCIM token", scimToken(t, db, "acme", "okta"), "GET", accessPath("acme", "member@acme.example"), "", 401, "unauthorized"},
			{"an unknown organization", token, "GET", accessPath("nope", "member@acme.example"), "", 404, "not_found"},
			{"no org", token, "GET", "/api/v1/access?email=member@acme.example", "", 422, "invalid"},
			{"no email", token, "GET", "/api/v1/access?org=acme", "", 422, "invalid"},
			{"a malformed email", token, "GET", accessPath("acme", "not an email"), "", 422, "invalid"},
			{"a display name", token, "GET", accessPath("acme", "Mia <member@acme.example>"), "", 422, "invalid"},
			{"a batch of no email", token, "POST", "/api/v1/access", `{"org":"acme","emails":[]}`, 422, "invalid"},
			{"a batch that is not JSON", token, "POST", "/api/v1/access", `org=acme`, 422, "invalid"},
			{"a batch with unknown fields", token, "POST", "/api/v1/access", `{"org":"acme","emails":["a@b.example"],"x":1}`, 422, "invalid"},
			{"a batch of 1,001 emails", token, "POST", "/api/v1/access", batchBody("acme", 1001), 422, "invalid"},
			{"a batch for an unknown organization", token, "POST", "/api/v1/access", `{"org":"nope","emails":["member@acme.example"]}`, 404, "not_found"},
		}
		for _, c := range errCases {
			a := oa.call(t, h, c.token, c.method, c.path, c.body)
			if a.status != c.status || a.str("code") != c.code || a.str("message") == "" {
				t.Errorf("%s: %d %s, want %d %s", c.name, a.status, a.raw, c.status, c.code)
			}
			if c.status == 401 && !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: no WWW-Authenticate", c.name)
			}
		}
		if a := oa.call(t, h, token, "POST", "/api/v1/access", batchBody("acme", 1000)); a.status != http.StatusOK {
			t.Errorf("a batch of 1,000 emails: %d %.300s", a.status, a.raw)
		}
		// A signed-in browser's cookie does not open the API.
		c := h.login("primary@acme.example")
		if res := c.get(accessPath("acme", "member@acme.example")); res.status != http.StatusUnauthorized || strings.Contains(res.body, "<html") {
			t.Errorf("a session cookie: %d %.200s", res.status, res.body)
		}
		// The document is served as it is in the repository.
		if a := oa.call(t, h, "", "GET", "/api/v1/openapi.json", ""); a.status != 200 || a.str("openapi") != "3.1.0" {
			t.Errorf("openapi.json: %d %.200s", a.status, a.raw)
		}

		// A revoked token opens nothing from its next request on.
		other := serviceToken(t, db, "to-revoke")
		if a := oa.call(t, h, other, "GET", accessPath("acme", "member@acme.example"), ""); a.status != 200 {
			t.Fatalf("before revocation: %d", a.status)
		}
		if err := models.RevokeAPIToken(context.Background(), db, "to-revoke"); err != nil {
			t.Fatal(err)
		}
		if a := oa.call(t, h, other, "GET", accessPath("acme", "member@acme.example"), ""); a.status != 401 {
			t.Errorf("a revoked token: %d %s", a.status, a.raw)
		}
		if a := oa.call(t, h, token, "GET", accessPath("acme", "member@acme.example"), ""); a.status != 200 {
			t.Errorf("the other token after a revocation: %d", a.status)
		}
	})
}

func batchBody(org string, n int) string {
	emails := make([]string, n)
	for i := range emails {
		emails[i] = fmt.Sprintf("user%d@%s.example", i, org)
	}
	b, _ := json.Marshal(map[string]any{"org": org, "emails": emails})
	return string(b)
}

// TestAccessChangesAtOnce: once Unassigned, a suspension or a removal has
// committed, the next access check says no; a plan that has ended gives no
// feature to anyone. Nothing is cached.
func TestAccessChangesAtOnce(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		oa := newOpenAPIChecker(t)
		token := serviceToken(t, db, "product")
		check := func(email, status string, chat bool) {
			t.Helper()
			a := oa.call(t, h, token, http.MethodGet, accessPath("acme", email), "")
			if a.status != 200 || a.str("status") != status || a.flag("chat") != chat {
				t.Errorf("%s: %s, want %s chat=%v", email, a.raw, status, chat)
			}
		}
		admin := h.login("admin@acme.example")
		target := "giulia.rossi1@acme.example"
		id := mid(t, db, target)
		check(target, "active", true)
		res := admin.post("/orgs/acme/settings/organization/members/"+id+"/seat", url.Values{"from": {"enterprise"}, "to": {""}, "confirm": {"1"}}, "HX-Request", "true")
		if res.status != http.StatusOK {
			t.Fatalf("unassign: %d", res.status)
		}
		check(target, "unassigned", false)
		res = admin.post("/orgs/acme/settings/organization/members/"+id+"/seat", url.Values{"from": {""}, "to": {"enterprise"}}, "HX-Request", "true")
		if res.status != http.StatusOK {
			t.Fatalf("restore: %d", res.status)
		}
		check(target, "active", true)

		// Suspended by the identity provider.
		scim := scimToken(t, db, "acme", "okta")
		if a := h.scim(scim, http.MethodPatch, "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`); a.status != http.StatusOK {
			t.Fatalf("suspend: %d %s", a.status, a.raw)
		}
		check(target, "suspended", false)

		// Removed.
		other := "member@acme.example"
		check(other, "active", true)
		if res := admin.post("/orgs/acme/settings/organization/members/"+mid(t, db, other)+"/remove", url.Values{"confirm": {"1"}}, "HX-Request", "true"); res.status != http.StatusOK {
			t.Fatalf("remove: %d", res.status)
		}
		check(other, "not_member", false)

		// A plan cancelled at the end of its term has ended once the term is over.
		check("owner@acme.example", "active", true)
		db.Exec("UPDATE organizations SET cancel_at_term_end = ?, term_end = ? WHERE slug = 'acme'", true, testNow.Add(-time.Hour))
		a := oa.call(t, h, token, http.MethodGet, accessPath("acme", "owner@acme.example"), "")
		if a.str("status") != "active" || a.flag("chat") || a.flag("claude_code") || a.flag("cowork") || a.flag("plan_active") {
			t.Errorf("plan ended: %s", a.raw)
		}
		db.Exec("UPDATE organizations SET cancel_at_term_end = ?, term_end = ? WHERE slug = 'acme'", true, testNow.Add(time.Hour))
		check("owner@acme.example", "active", true) // cancelled, but the term still runs
	})
}
