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
		for _, rt := range s.routes() {
			method, pattern, _ := strings.Cut(rt.Pattern, " ")
			path := strings.NewReplacer("{org}", "acme", "{$}", "", "{type}", "enterprise", "{number}", "ACME-00001", "{id}", strconv.FormatInt(giulia.ID, 10)).Replace(pattern)
			for _, who := range roles {
				t.Run(rt.Pattern+"/"+who.name, func(t *testing.T) {
					if strings.Contains(rt.Pattern, "/invitations/{id}/") {
						path = strings.Replace(pattern, "{org}", "acme", 1)
						path = strings.Replace(path, "{id}", newInvitation(t, db), 1)
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
