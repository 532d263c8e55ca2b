package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestRouteTablePermissions walks every row of the route table and checks
// anonymous, Member, Admin, Owner and Primary Owner against the matrix of
// SPEC §2 (R-PERM-2).
func TestRouteTablePermissions(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		s := &Server{}
		roles := []struct {
			name  string
			email string
			role  models.Role
		}{
			{"anonymous", "", ""},
			{"member", "member@acme.example", models.RoleMember},
			{"admin", "admin@acme.example", models.RoleAdmin},
			{"owner", "owner@acme.example", models.RoleOwner},
			{"primary", "primary@acme.example", models.RolePrimaryOwner},
		}
		var giulia models.Membership // an ordinary member of acme, for {id}
		db.Joins("JOIN users ON users.id = memberships.user_id").Take(&giulia, "users.email = ?", "giulia.rossi1@acme.example")
		clients := map[string]*client{} // one signed-in browser per role
		acmeToken, bottegaToken := scimToken(t, db, "acme", "Okta"), scimToken(t, db, "bottega", "Entra")
		group := models.Group{OrgID: giulia.OrgID, DisplayName: "engineering"} // a group of acme, for the Groups {id} rows
		db.Create(&group)
		for _, rt := range s.routes() {
			method, pattern, _ := strings.Cut(rt.Pattern, " ")
			path := strings.NewReplacer("{org}", "acme", "{$}", "", "{type}", "enterprise", "{number}", "ACME-00001", "{id}", strconv.FormatInt(giulia.ID, 10)).Replace(pattern)
			if rt.Auth == SCIM {
				path = scimRoutePath(pattern, giulia.ID, group.ID)
				t.Run(rt.Pattern, func(t *testing.T) {
					checkSCIMRoute(t, h, clients, method, path, acmeToken, bottegaToken)
				})
				continue
			}
			if rt.Auth == Service {
				t.Run(rt.Pattern, func(t *testing.T) {
					checkServiceRoute(t, h, method, pattern)
				})
				continue
			}
			if rt.Auth != Session && rt.Auth != Public {
				t.Fatalf("%s: the sweep does not know the %s kind", rt.Pattern, rt.Auth)
			}
			for _, who := range roles {
				t.Run(rt.Pattern+"/"+who.name, func(t *testing.T) {
					if strings.Contains(rt.Pattern, "/invitations/{id}/") {
						path = strings.Replace(pattern, "{org}", "acme", 1)
						path = strings.Replace(path, "{id}", newInvitation(t, db), 1)
					}
					if strings.Contains(rt.Pattern, "/scim-tokens/{id}/") {
						path = strings.Replace(pattern, "{org}", "acme", 1)
						path = strings.Replace(path, "{id}", newSCIMTokenID(t, db), 1)
					}
					c := clients[who.email]
					if c == nil {
						c = h.anon()
						if who.email != "" {
							c = h.login(who.email)
						}
						clients[who.email] = c
					}
					if method == http.MethodPost {
						delete(clients, who.email) // a POST may sign the client out
					}
					var res response
					if method == http.MethodPost {
						res = c.post(path, url.Values{})
					} else {
						res = c.get(path)
					}
					switch {
					case rt.Permission == models.Public:
						if res.status >= 500 || res.status == http.StatusForbidden {
							t.Fatalf("public route: status %d", res.status)
						}
					case who.email == "":
						if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login?next=") {
							t.Fatalf("anonymous: status %d location %q, want 303 to /login", res.status, res.header.Get("Location"))
						}
					case models.Allows(who.role, rt.Permission):
						// Allowed: served (an empty form may be refused as invalid).
						if res.status >= 500 || res.status == http.StatusForbidden || res.status == http.StatusNotFound ||
							strings.HasPrefix(res.header.Get("Location"), "/login?next=") {
							t.Fatalf("allowed: status %d location %q", res.status, res.header.Get("Location"))
						}
					default:
						if res.status != http.StatusForbidden {
							t.Fatalf("forbidden: status %d, want 403", res.status)
						}
						if !strings.Contains(res.body, `data-testid="error-403"`) {
							t.Fatalf("403 without its page: %s", res.body)
						}
						need := models.LowestRole(rt.Permission)
						label := map[models.Role]string{models.RoleAdmin: "Admin", models.RoleOwner: "Owner", models.RolePrimaryOwner: "Primary Owner"}[need]
						if !strings.Contains(res.body, "for the "+label+" role") {
							t.Fatalf("403 page does not name the %s role: %s", label, res.body)
						}
					}
				})
			}
		}
	})
}

// TestOtherOrganizationIsNotFound: an actor never reaches another
// organization, and cannot tell whether it exists (R-PERM-3).
func TestOtherOrganizationIsNotFound(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("primary@acme.example")
		for _, path := range []string{
			"/orgs/bottega", "/orgs/bottega/settings/organization", "/orgs/bottega/settings/billing",
			"/orgs/bottega/settings/organization/members", "/orgs/nope/settings/organization",
		} {
			res := c.get(path)
			if res.status != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, res.status)
			}
			if strings.Contains(res.body, "Bottega") {
				t.Errorf("GET %s leaks the other organization's name", path)
			}
		}
	})
}

var invitationSeq int

// newInvitation creates a pending invitation in acme and returns its id.
func newInvitation(t *testing.T, db *gorm.DB) string {
	t.Helper()
	var u models.User
	db.Take(&u, "email = ?", "primary@acme.example")
	actor, err := models.ActorFor(context.Background(), db, u, "acme")
	if err != nil {
		t.Fatal(err)
	}
	invitationSeq++
	res, err := models.Invite(context.Background(), db, modeltest.FixedClock{T: testNow}, actor,
		models.InviteInput{Email: fmt.Sprintf("route%d@example.com", invitationSeq), Role: models.RoleMember, Lang: "en"},
		func(inv models.Invitation, token string) models.Mail { return models.Mail{To: inv.Email} })
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(res.Invitation.ID, 10)
}

func scimRoutePath(pattern string, member, group int64) string {
	id := strconv.FormatInt(member, 10)
	switch {
	case strings.Contains(pattern, "/Groups/{id}"):
		id = strconv.FormatInt(group, 10)
	case strings.Contains(pattern, "/ResourceTypes/{id}"):
		id = "User"
	case strings.Contains(pattern, "/Schemas/{id}"):
		id = "urn:ietf:params:scim:schemas:core:2.0:User"
	}
	return strings.Replace(pattern, "{id}", id, 1)
}

// checkSCIMRoute: a SCIM row answers 401 (a SCIM Error) without a token,
// with a wrong one and to a signed-in browser; another organization's token
// finds nothing of acme (404); acme's token is served. Never an HTML page.
func checkSCIMRoute(t *testing.T, h *harness, clients map[string]*client, method, path, acme, bottega string) {
	body := ""
	switch {
	case method == http.MethodPatch:
		body = `{"Operations":[{"op":"replace","path":"displayName","value":"Renamed"}]}`
	case method == http.MethodPut && strings.Contains(path, "/Users/"):
		body = newUserBody("giulia.rossi1@acme.example", "Giulia", "Rossi")
	case method == http.MethodPost && strings.HasSuffix(path, "/Users"):
		body = newUserBody("route-sweep@example.com", "Route", "Sweep")
	case method == http.MethodPut || method == http.MethodPost:
		body = `{"displayName":"engineering"}`
	}
	scimPath := strings.TrimPrefix(path, "/scim/v2")
	for _, tok := range []string{"", "sdscim_wrong"} {
		if a := h.scim(tok, method, scimPath, body); a.status != http.StatusUnauthorized || a.str("status") != "401" {
			t.Fatalf("token %q: %d %s", tok, a.status, a.raw)
		}
	}
	c := h.login("primary@acme.example")
	var res response
	if method == http.MethodGet {
		res = c.get(path)
	} else {
		req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
		res = c.do(req)
	}
	if res.status != http.StatusUnauthorized || strings.Contains(res.body, "<html") {
		t.Fatalf("a session cookie on a SCIM route: %d %.200s", res.status, res.body)
	}
	other := h.scim(bottega, method, scimPath, body)
	if strings.Contains(path, "/Users/") || strings.Contains(path, "/Groups/") {
		if other.status != http.StatusNotFound {
			t.Fatalf("another organization's token: %d %s", other.status, other.raw)
		}
	} else if other.status >= 500 || other.status == http.StatusUnauthorized || other.status == http.StatusForbidden {
		t.Fatalf("another organization's token on its own list: %d %s", other.status, other.raw)
	}
	if method == http.MethodDelete {
		return // acme's token would delete the member the next rows use
	}
	own := h.scim(acme, method, scimPath, body)
	if own.status >= 500 || own.status == http.StatusUnauthorized || own.status == http.StatusForbidden || own.status == http.StatusNotFound {
		t.Fatalf("acme's token: %d %s", own.status, own.raw)
	}
}

// checkServiceRoute: an access API row answers 401 (JSON) without a token,
// with a wrong or a SCIM one and to a signed-in browser; a service token is
// served. Never an HTML page.
func checkServiceRoute(t *testing.T, h *harness, method, path string) {
	body := ""
	if method == http.MethodPost {
		body = `{"org":"acme","emails":["member@acme.example"]}`
	} else {
		path += "?org=acme&email=member@acme.example"
	}
	send := func(token string, c *client) response {
		req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if c == nil {
			c = h.anon()
		}
		return c.do(req)
	}
	for _, tok := range []string{"", "sdsvc_wrong", scimToken(t, h.db, "acme", "sweep-"+method)} {
		if res := send(tok, nil); res.status != http.StatusUnauthorized || !strings.Contains(res.body, `"code":"unauthorized"`) {
			t.Fatalf("token %q: %d %s", tok, res.status, res.body)
		}
	}
	if res := send("", h.login("primary@acme.example")); res.status != http.StatusUnauthorized || strings.Contains(res.body, "<html") {
		t.Fatalf("a session cookie: %d %.200s", res.status, res.body)
	}
	if res := send(serviceToken(t, h.db, "sweep-"+method), nil); res.status != http.StatusOK {
		t.Fatalf("a service token: %d %s", res.status, res.body)
	}
}
