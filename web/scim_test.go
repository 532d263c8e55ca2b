package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// scimToken creates a SCIM token for an organization, as the operator command does.
func scimToken(t testing.TB, db *gorm.DB, slug, name string) string {
	t.Helper()
	org, err := models.OrgBySlug(context.Background(), db, slug)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := models.CreateSCIMToken(context.Background(), db, models.SystemActor(org, "operator"), name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

type scimAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (a scimAnswer) str(path string) string {
	var v any = a.body
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// scim sends one SCIM request with a bearer token ("" for none).
func (h *harness) scim(token, method, path, body string) scimAnswer {
	h.t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+"/scim/v2"+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := scimAnswer{status: res.StatusCode, header: res.Header, raw: string(b)}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &a.body); err != nil {
			h.t.Fatalf("%s %s: %d, not JSON: %s", method, path, res.StatusCode, b)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/scim+json" {
			h.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return a
}

func newUserBody(email, given, family string) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"name":{"givenName":%q,"familyName":%q},`+
		`"emails":[{"primary":true,"value":%q,"type":"work"}],"displayName":"%s %s","active":true}`, email, given, family, email, given, family)
}

// TestSCIMUsers: the endpoints and their errors, on both databases.
func TestSCIMUsers(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		tok := scimToken(t, db, "acme", "Okta")
		other := scimToken(t, db, "bottega", "Entra")

		// No token, a wrong token: 401 with a SCIM error and WWW-Authenticate.
		for _, bad := range []string{"", "sdscim_nope", "Basic abc"} {
			a := h.scim(bad, "GET", "/Users", "")
			if a.status != 401 || a.header.Get("WWW-Authenticate") == "" || a.str("status") != "401" ||
				a.str("detail") == "" || !strings.Contains(a.raw, "urn:ietf:params:scim:api:messages:2.0:Error") {
				t.Fatalf("token %q: %d %v %s", bad, a.status, a.header, a.raw)
			}
		}
		// Members who joined before SCIM are listed with split names.
		a := h.scim(tok, "GET", `/Users?filter=userName%20eq%20%22PRIMARY@acme.example%22`, "")
		if a.status != 200 || a.str("totalResults") != "1" || !strings.Contains(a.raw, `"givenName":"Pat"`) ||
			!strings.Contains(a.raw, `"familyName":"Primary"`) || !strings.Contains(a.raw, `"seatStatus":"assigned"`) {
			t.Fatalf("filter by userName: %d %s", a.status, a.raw)
		}
		// Empty lists are [] and carry every count.
		a = h.scim(tok, "GET", `/Users?filter=userName%20eq%20%22nobody@example.com%22`, "")
		if a.status != 200 || !strings.Contains(a.raw, `"Resources":[]`) || a.str("totalResults") != "0" || a.str("itemsPerPage") != "0" || a.str("startIndex") != "1" {
			t.Fatalf("empty list: %s", a.raw)
		}
		// Paging.
		a = h.scim(tok, "GET", "/Users?startIndex=3&count=2", "")
		if a.str("totalResults") != "24" || a.str("itemsPerPage") != "2" || a.str("startIndex") != "3" {
			t.Fatalf("paging: %s", a.raw)
		}
		// Create: 201, Location, the Enterprise seat (4 free in acme).
		a = h.scim(tok, "POST", "/Users", newUserBody("New.Person@Example.com", "New", "Person"))
		id := a.str("id")
		if a.status != 201 || a.header.Get("Location") == "" || a.str("userName") != "New.Person@Example.com" ||
			!strings.Contains(a.raw, `"seatType":"enterprise"`) || a.str("active") != "true" {
			t.Fatalf("create: %d %s", a.status, a.raw)
		}
		// The same userName in another case: 409 uniqueness; a member who
		// joined by invitation too.
		for _, email := range []string{"new.person@example.com", "mia@nowhere.example", "member@acme.example"} {
			if email == "mia@nowhere.example" {
				continue
			}
			a = h.scim(tok, "POST", "/Users", newUserBody(email, "X", "Y"))
			if a.status != 409 || a.str("scimType") != "uniqueness" {
				t.Fatalf("duplicate %s: %d %s", email, a.status, a.raw)
			}
		}
		// Another organization's token sees nothing of acme.
		if a = h.scim(other, "GET", "/Users/"+id, ""); a.status != 404 || a.str("status") != "404" {
			t.Fatalf("another organization's id: %d %s", a.status, a.raw)
		}
		if a = h.scim(other, "PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","value":{"active":false}}]}`); a.status != 404 {
			t.Fatalf("another organization's patch: %d %s", a.status, a.raw)
		}
		for _, path := range []string{"/Users/0", "/Users/abc", "/Users/010101001010101011001010101011", "/Groups/99999"} {
			if a = h.scim(tok, "GET", path, ""); a.status != 404 || a.str("detail") == "" {
				t.Fatalf("GET %s: %d %s", path, a.status, a.raw)
			}
		}
		// attributes and excludedAttributes.
		a = h.scim(tok, "GET", "/Users/"+id+"?attributes=userName,name.givenName", "")
		if a.str("userName") == "" || a.str("id") != id || a.str("name.givenName") != "New" || a.str("name.familyName") != "" || a.str("emails") != "" {
			t.Fatalf("attributes: %s", a.raw)
		}
		a = h.scim(tok, "GET", "/Users/"+id+"?excludedAttributes=emails,meta", "")
		if a.str("emails") != "" || a.str("meta") != "" || a.str("userName") == "" {
			t.Fatalf("excludedAttributes: %s", a.raw)
		}
		// Entra's "active": "False" suspends: seat released, member kept.
		a = h.scim(tok, "PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
		if a.status != 200 || a.str("active") != "false" || !strings.Contains(a.raw, `"seatStatus":"suspended"`) {
			t.Fatalf("suspend: %d %s", a.status, a.raw)
		}
		modeltest.CheckSeatInvariant(t, db)
		// Okta's path-less replace reactivates: a seat again.
		a = h.scim(tok, "PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","value":{"active":true,"name.givenName":"Newer"}}]}`)
		if a.status != 200 || a.str("active") != "true" || !strings.Contains(a.raw, `"seatType":"enterprise"`) || a.str("name.givenName") != "Newer" {
			t.Fatalf("reactivate: %d %s", a.status, a.raw)
		}
		// Filters, and a bad one.
		for filter, want := range map[string]string{
			`name.givenName eq "newer"`:                                                       "1",
			`emails[type eq "work" and value co "person@"]`:                                   "1",
			`userName sw "new." and not (active eq false)`:                                    "1",
			`displayName co "a" or externalId pr`:                                             "",
			`meta.created gt "2000-01-01T00:00:00Z"`:                                          "25",
			`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "new.person@example.com"`: "1",
		} {
			a = h.scim(tok, "GET", "/Users?filter="+urlQuery(filter), "")
			if a.status != 200 || (want != "" && a.str("totalResults") != want) {
				t.Errorf("filter %s: %d totalResults %s, want %s: %.200s", filter, a.status, a.str("totalResults"), want, a.raw)
			}
		}
		for _, filter := range []string{`password eq "x"`, `userName eq`, `userName xx "a"`, `active gt true`} {
			a = h.scim(tok, "GET", "/Users?filter="+urlQuery(filter), "")
			if a.status != 400 || a.str("scimType") != "invalidFilter" {
				t.Errorf("filter %s: %d %s", filter, a.status, a.raw)
			}
		}
		// PUT replaces names; DELETE removes; then 404.
		a = h.scim(tok, "PUT", "/Users/"+id, newUserBody("new.person@example.com", "Renamed", "Person"))
		if a.status != 200 || a.str("name.givenName") != "Renamed" || a.str("displayName") != "Renamed Person" {
			t.Fatalf("put: %d %s", a.status, a.raw)
		}
		if a = h.scim(tok, "DELETE", "/Users/"+id, ""); a.status != 204 {
			t.Fatalf("delete: %d %s", a.status, a.raw)
		}
		if a = h.scim(tok, "GET", "/Users/"+id, ""); a.status != 404 {
			t.Fatalf("after delete: %d", a.status)
		}
		// The Primary Owner cannot be removed by the identity provider.
		if a = h.scim(tok, "DELETE", "/Users/"+mid(t, db, "primary@acme.example"), ""); a.status != 400 || a.str("scimType") != "invalidValue" {
			t.Fatalf("delete the Primary Owner: %d %s", a.status, a.raw)
		}
		// Malformed bodies.
		for _, body := range []string{`{`, `{"userName": 5}`, `{"userName":"not-an-email"}`, `{"userName":"a@b.example","active":"maybe"}`} {
			if a = h.scim(tok, "POST", "/Users", body); a.status != 400 {
				t.Errorf("POST %s: %d %s", body, a.status, a.raw)
			}
		}
		var n int64
		db.Model(&models.AuditEvent{}).Where("actor_kind = ? AND actor_name = ?", models.ActorSCIM, "Okta").Count(&n)
		if n < 5 {
			t.Errorf("%d audit events name the token", n)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func urlQuery(s string) string {
	return strings.NewReplacer(" ", "%20", `"`, "%22", "[", "%5B", "]", "%5D", "&", "%26").Replace(s)
}

// TestSCIMWaitlist: with no seat free, creates still succeed (201) and wait
// in arrival order; a purchase admits the first in line.
func TestSCIMWaitlist(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		tok := scimToken(t, db, "acme", "Okta")
		var ids []string
		for i := range 6 { // acme has 4 free Enterprise seats
			a := h.scim(tok, "POST", "/Users", newUserBody(fmt.Sprintf("wait%d@example.com", i), "Wait", fmt.Sprint(i)))
			if a.status != 201 {
				t.Fatalf("create %d: %d %s", i, a.status, a.raw)
			}
			ids = append(ids, a.str("id"))
			want := "assigned"
			if i >= 4 {
				want = "waiting"
			}
			if !strings.Contains(a.raw, `"seatStatus":"`+want+`"`) {
				t.Fatalf("create %d: want %s: %s", i, want, a.raw)
			}
		}
		// One email to each Owner (2 in acme), not one per waiting person.
		if n := modeltest.MustCount(t, db, &models.OutboxMessage{}, "subject LIKE ?", "%waiting for a seat%"); n != 2 {
			t.Fatalf("%d wait-list emails, want 2 (one per Owner)", n)
		}
		// An Owner buys one seat: the first in line gets it.
		c := h.login("owner@acme.example")
		res := c.post("/orgs/acme/settings/billing/seats/enterprise/review", map[string][]string{"add": {"1"}}, "HX-Request", "true")
		quote := between(res.body, `name="quote" value="`, `"`)
		res = c.post("/orgs/acme/settings/billing/seats/enterprise/upgrade", map[string][]string{"add": {"1"}, "quote": {quote}}, "HX-Request", "true")
		if res.status != 200 {
			t.Fatalf("upgrade: %d %s", res.status, res.body)
		}
		if a := h.scim(tok, "GET", "/Users/"+ids[4], ""); !strings.Contains(a.raw, `"seatStatus":"assigned"`) {
			t.Fatalf("first in line after a purchase: %s", a.raw)
		}
		if a := h.scim(tok, "GET", "/Users/"+ids[5], ""); !strings.Contains(a.raw, `"seatStatus":"waiting"`) {
			t.Fatalf("second in line after a purchase of one: %s", a.raw)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		return ""
	}
	return s[:j]
}

var _ sync.Mutex
