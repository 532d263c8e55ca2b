package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// The per-member rules, walked over HTTP: actor role × target role × action,
// against this table written out by hand (SPEC §2, R-PERM-1 and the README's
// decisions), on both databases. Each allowed request changes exactly what it
// says; each refused one changes nothing.

type ruleAnswer int

const (
	allowed   ruleAnswer = iota
	forbidden            // 403: the actor's role is not enough
	refused              // 422: not to this member
)

type ruleAction string

const (
	actUnassign ruleAction = "seat to Unassigned"
	actRole     ruleAction = "role change"
	actRemove   ruleAction = "remove"
	actTransfer ruleAction = "transfer primary ownership"
)

// Targets: "primary", "owner", "admin", "member", "self", and for transfer
// "unassigned" (a member without a seat).
func expectedRule(actor models.Role, target string, act ruleAction) ruleAnswer {
	rank := map[string]int{"primary": 4, "owner": 3, "admin": 2, "member": 1, "unassigned": 1}
	if actor == models.RoleMember {
		return forbidden
	}
	switch act {
	case actUnassign:
		if target == "primary" || (target == "self" && actor == models.RolePrimaryOwner) {
			return refused
		}
		return allowed
	case actRole:
		if actor == models.RoleAdmin {
			return forbidden
		}
		if target == "primary" || target == "self" {
			return refused // an Owner demoting themselves is refused too
		}
		return allowed
	case actRemove:
		if target == "primary" || target == "self" {
			return refused
		}
		if rank[target] > actor.Rank() {
			return forbidden
		}
		return allowed
	case actTransfer:
		if actor != models.RolePrimaryOwner {
			return forbidden
		}
		if target == "self" || target == "unassigned" || target == "primary" {
			return refused
		}
		return allowed
	}
	panic(act)
}

func TestMemberRulesOverHTTP(t *testing.T) {
	actors := []models.Role{models.RolePrimaryOwner, models.RoleOwner, models.RoleAdmin, models.RoleMember}
	logins := map[models.Role]string{models.RolePrimaryOwner: "primary@acme.example", models.RoleOwner: "owner@acme.example",
		models.RoleAdmin: "admin@acme.example", models.RoleMember: "member@acme.example"}
	// Transfer last: when allowed, it changes the actor's own role.
	actions := []ruleAction{actUnassign, actRole, actRemove, actTransfer}
	for _, kind := range modeltest.Kinds {
		for _, actorRole := range actors {
			t.Run(kind+"/"+string(actorRole), func(t *testing.T) {
				db := modeltest.Open(t, kind)
				h := newHarness(t, db)
				targets := ruleTargets(t, db, actions)
				self := mid(t, db, logins[actorRole])
				c := h.login(logins[actorRole])
				for _, act := range actions {
					names := []string{"primary", "owner", "admin", "member", "self"}
					if act == actTransfer {
						names = append([]string{"unassigned"}, names...)
					}
					for _, target := range names {
						id := targets[string(act)+"/"+target]
						switch target {
						case "primary":
							id = mid(t, db, "primary@acme.example")
						case "self":
							id = self
						}
						want := expectedRule(actorRole, target, act)
						checkRule(t, c, db, act, target, id, want)
						if act == actTransfer && want == allowed {
							// Test setup only: give primary ownership back, so
							// that the next target meets the same Primary Owner.
							db.Exec("UPDATE memberships SET role = 'owner' WHERE id = ?", id)
							db.Exec("UPDATE memberships SET role = 'primary_owner' WHERE id = ?", self)
						}
					}
				}
				modeltest.CheckSeatInvariant(t, db)
			})
		}
	}
}

// ruleTargets adds, for each action, an Owner, an Admin and a Member of acme
// holding an Enterprise seat (and an Unassigned member for transfer), and
// returns their membership ids by "action/role".
func ruleTargets(t *testing.T, db *gorm.DB, actions []ruleAction) map[string]string {
	t.Helper()
	var org models.Organization
	db.Take(&org, "slug = ?", "acme")
	out := map[string]string{}
	seated := 0
	add := func(key string, role models.Role, seat *string) {
		u := models.User{Email: strings.ReplaceAll(strings.ReplaceAll(key, "/", "."), " ", "-") + "@acme.example", Name: "Target " + key}
		if err := db.Create(&u).Error; err != nil {
			t.Fatal(err)
		}
		m := models.Membership{OrgID: org.ID, UserID: u.ID, Role: role, SeatTypeKey: seat, Status: models.StatusActive,
			Source: models.SourceInvitation, CreatedAt: time.Now()}
		if err := db.Create(&m).Error; err != nil {
			t.Fatal(err)
		}
		if seat != nil {
			seated++
		}
		out[key] = fmt.Sprint(m.ID)
	}
	enterprise := "enterprise"
	for _, act := range actions {
		for _, role := range []models.Role{models.RoleOwner, models.RoleAdmin, models.RoleMember} {
			add(string(act)+"/"+string(role), role, &enterprise)
		}
	}
	add(string(actTransfer)+"/unassigned", models.RoleMember, nil)
	// Test setup only: seats for the members added above, bought and held.
	err := db.Exec("UPDATE seat_pools SET purchased = purchased + ?, assigned = assigned + ? WHERE org_id = ? AND seat_type_key = ?",
		seated, seated, org.ID, enterprise).Error
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type memberState struct {
	exists bool
	role   models.Role
	seat   string
}

func stateOf(t *testing.T, db *gorm.DB, id string) memberState {
	t.Helper()
	var m models.Membership
	if err := db.Where("id = ?", id).Limit(1).Find(&m).Error; err != nil {
		t.Fatal(err)
	}
	if m.ID == 0 {
		return memberState{}
	}
	s := memberState{exists: true, role: m.Role}
	if m.SeatTypeKey != nil {
		s.seat = *m.SeatTypeKey
	}
	return s
}

func checkRule(t *testing.T, c *client, db *gorm.DB, act ruleAction, target, id string, want ruleAnswer) {
	t.Helper()
	before := stateOf(t, db, id)
	base := "/orgs/acme/settings/organization/members/" + id + "/"
	var res response
	var changed func(after memberState) bool
	switch act {
	case actUnassign:
		res = c.post(base+"seat", url.Values{"from": {before.seat}, "to": {""}, "confirm": {"1"}}, "HX-Request", "true")
		changed = func(a memberState) bool { return a.seat == "" && before.seat != "" }
	case actRole:
		to := "admin"
		if before.role == models.RoleAdmin {
			to = "member"
		}
		res = c.post(base+"role", url.Values{"from": {string(before.role)}, "to": {to}}, "HX-Request", "true")
		changed = func(a memberState) bool { return string(a.role) == to }
	case actRemove:
		res = c.post(base+"remove", url.Values{"confirm": {"1"}}, "HX-Request", "true")
		changed = func(a memberState) bool { return !a.exists }
	case actTransfer:
		res = c.post(base+"transfer", url.Values{"confirm": {"1"}}, "HX-Request", "true")
		changed = func(a memberState) bool {
			return a.role == models.RolePrimaryOwner && before.role != models.RolePrimaryOwner
		}
	}
	after := stateOf(t, db, id)
	wantStatus := map[ruleAnswer]int{allowed: http.StatusOK, forbidden: http.StatusForbidden, refused: http.StatusUnprocessableEntity}[want]
	if res.status != wantStatus {
		t.Errorf("%s on %s: status %d, want %d: %.300s", act, target, res.status, wantStatus, res.body)
	}
	if want == allowed && !changed(after) {
		t.Errorf("%s on %s: allowed, but the member is %+v (was %+v)", act, target, after, before)
	}
	if want != allowed && after != before {
		t.Errorf("%s on %s: refused, yet the member changed from %+v to %+v", act, target, before, after)
	}
	if want == refused && !strings.Contains(res.body, `role="alert"`) {
		t.Errorf("%s on %s: refused without a message: %.300s", act, target, res.body)
	}
}

// TestSameAllocationOnBothPages: with a pending invitation holding a seat,
// Organization and Billing show the same numbers under the same labels
// (R-SEAT-1): assigned to members, reserved, available.
func TestSameAllocationOnBothPages(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("owner@acme.example")
		res := c.post("/orgs/acme/settings/organization/invite", url.Values{"email": {"newcomer@example.com"}, "role": {"member"}, "seat": {"enterprise"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("invite: %d", res.status)
		}
		read := func(path, root string) map[string]string {
			res := c.get(path)
			if res.status != http.StatusOK {
				t.Fatalf("GET %s: %d", path, res.status)
			}
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(res.body))
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]string{}
			for _, k := range []string{"purchased", "assigned", "reserved", "available"} {
				out[k] = strings.TrimSpace(doc.Find(`[data-testid="` + root + `"] [data-testid="` + k + `"]`).Text())
			}
			return out
		}
		org := read("/orgs/acme/settings/organization", "seat-summary-enterprise")
		billing := read("/orgs/acme/settings/billing", "billing-seat-enterprise")
		want := map[string]string{"purchased": "25", "assigned": "21", "reserved": "1", "available": "3"}
		for k, v := range want {
			if org[k] != v || billing[k] != v {
				t.Errorf("%s: Organization shows %q, Billing %q, want %q", k, org[k], billing[k], v)
			}
		}
	})
}
