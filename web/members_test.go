package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

func mid(t *testing.T, db *gorm.DB, email string) string {
	t.Helper()
	var m models.Membership
	if err := db.Joins("JOIN users ON users.id = memberships.user_id").Take(&m, "users.email = ?", email).Error; err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(m.ID)
}

func seatTypeOf(t *testing.T, db *gorm.DB, email string) string {
	t.Helper()
	var m models.Membership
	db.Joins("JOIN users ON users.id = memberships.user_id").Take(&m, "users.email = ?", email)
	if m.SeatTypeKey == nil {
		return ""
	}
	return *m.SeatTypeKey
}

// TestSwapThroughUnassigned runs the seeds' three steps through the HTTP
// handlers, as htmx sends them.
func TestSwapThroughUnassigned(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("admin@bottega.example")
		c.lang = "it"
		base := "/orgs/bottega/settings/organization/members/"
		hx := []string{"HX-Request", "true"}
		a, b := mid(t, db, "owner@bottega.example"), mid(t, db, "member@bottega.example")

		page := c.get("/orgs/bottega/settings/organization")
		if !strings.Contains(page.body, `aria-label="Tipo di posto per Olive Owner"`) {
			t.Fatal("the dropdown is not named for the member")
		}
		// B straight to Chat + Claude Code: no seat; an Admin is told, nothing changes.
		res := c.post(base+b+"/seat", url.Values{"from": {"chat"}, "to": {"chat_code"}}, hx...)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "Nessun posto di tipo Chat + Claude Code è disponibile. Un Proprietario può acquistarne uno") {
			t.Fatalf("no seat for an Admin: %d %s", res.status, res.body)
		}
		if strings.Contains(res.body, "buy-seat") {
			t.Fatal("an Admin is offered to buy")
		}
		// 1. A → Non assegnato: confirm first.
		res = c.post(base+a+"/seat", url.Values{"from": {"chat_code"}, "to": {""}}, hx...)
		if !strings.Contains(res.body, "perderà l&#39;accesso a Claude") || seatTypeOf(t, db, "owner@bottega.example") != "chat_code" {
			t.Fatalf("unassign without confirmation: %s", res.body)
		}
		res = c.post(base+a+"/seat", url.Values{"from": {"chat_code"}, "to": {""}, "confirm": {"1"}}, hx...)
		if res.status != http.StatusOK || !strings.HasPrefix(res.body, `<tbody id="member-`+a+`"`) || !strings.Contains(res.body, `hx-swap-oob="true"`) {
			t.Fatalf("unassign: %d %.200s", res.status, res.body)
		}
		if !regexp.MustCompile(`data-testid="seat-summary-chat_code"><div class="seat-card-head"><h3>Chat \+ Claude Code</h3>.*?<dl class="seat-numbers"><div><dt>Acquistati</dt><dd data-testid="purchased">10</dd></div><div><dt>Assegnati</dt><dd data-testid="assigned">9</dd>`).MatchString(res.body) {
			t.Fatalf("the summary is not updated out of band: %s", res.body)
		}
		// 2. B → Chat + Claude Code. 3. A → Chat.
		if res := c.post(base+b+"/seat", url.Values{"from": {"chat"}, "to": {"chat_code"}}, hx...); res.status != http.StatusOK {
			t.Fatalf("B up: %d %s", res.status, res.body)
		}
		if res := c.post(base+a+"/seat", url.Values{"from": {""}, "to": {"chat"}}, hx...); res.status != http.StatusOK {
			t.Fatalf("A to chat: %d %s", res.status, res.body)
		}
		if seatTypeOf(t, db, "owner@bottega.example") != "chat" || seatTypeOf(t, db, "member@bottega.example") != "chat_code" {
			t.Fatal("the swap did not happen")
		}
		// The same form again is stale: clear message, nothing changes.
		res = c.post(base+a+"/seat", url.Values{"from": {""}, "to": {"chat"}}, hx...)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "è stato modificato da qualcun altro") {
			t.Fatalf("stale: %d %s", res.status, res.body)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestOwnerBuysAndAssigns(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("owner@bottega.example")
		c.lang = "fr"
		b := mid(t, db, "member@bottega.example")
		url0 := "/orgs/bottega/settings/organization/members/" + b
		res := c.post(url0+"/seat", url.Values{"from": {"chat"}, "to": {"chat_code"}}, "HX-Request", "true")
		if res.status != http.StatusConflict || !strings.Contains(res.body, "Acheter 1 siège (Chat + Claude Code) pour") {
			t.Fatalf("owner prompt: %d %s", res.status, res.body)
		}
		token := quoteRe.FindStringSubmatch(res.body)[1]
		res = c.post(url0+"/buy-seat", url.Values{"from": {"chat"}, "to": {"chat_code"}, "quote": {token}}, "HX-Request", "true")
		if res.status != http.StatusOK || !strings.Contains(res.body, "1 siège acheté (Chat + Claude Code, facture BOTTEGA-00002) et assigné.") {
			t.Fatalf("buy and assign: %d %s", res.status, res.body)
		}
		if seatTypeOf(t, db, "member@bottega.example") != "chat_code" || purchased(t, db, "bottega", "chat_code") != 11 {
			t.Fatal("not bought and assigned")
		}
		// Double click: charged once.
		c.post(url0+"/buy-seat", url.Values{"from": {"chat"}, "to": {"chat_code"}, "quote": {token}}, "HX-Request", "true")
		if purchased(t, db, "bottega", "chat_code") != 11 || invoices(t, db) != 4 {
			t.Fatal("charged twice")
		}
		// An Admin cannot use the purchase route.
		admin := h.login("admin@bottega.example")
		if res := admin.post(url0+"/buy-seat", url.Values{"from": {"chat_code"}, "to": {"chat"}, "quote": {token}}); res.status != http.StatusForbidden {
			t.Fatalf("admin buys: %d", res.status)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestRemoveMemberEndsSessions(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		admin := h.login("admin@acme.example")
		mia := h.login("member@acme.example")
		id := mid(t, db, "member@acme.example")
		path := "/orgs/acme/settings/organization/members/" + id + "/remove"
		res := admin.post(path, nil, "HX-Request", "true")
		if !strings.Contains(res.body, "Mia Member will leave the organization and be signed out at once") {
			t.Fatalf("no confirmation: %s", res.body)
		}
		res = admin.post(path, url.Values{"confirm": {"1"}}, "HX-Request", "true")
		if res.status != http.StatusOK || !strings.Contains(res.body, "Mia Member was removed from the organization") || !strings.Contains(res.body, `data-testid="available">5<`) {
			t.Fatalf("remove: %d %s", res.status, res.body)
		}
		if r := mia.get("/orgs/acme"); r.status != http.StatusSeeOther {
			t.Fatalf("the removed member is still signed in: %d", r.status)
		}
		if purchased(t, db, "acme", "enterprise") != 25 || invoices(t, db) != 3 {
			t.Fatal("removal changed the allocation or the bill")
		}
		// Again: the member is gone.
		if res := admin.post(path, url.Values{"confirm": {"1"}}, "HX-Request", "true"); res.status != http.StatusNotFound || !strings.Contains(res.body, "no longer in the organization") {
			t.Fatalf("remove twice: %d", res.status)
		}
		// The Primary Owner and Owners are out of an Admin's reach.
		if res := admin.post("/orgs/acme/settings/organization/members/"+mid(t, db, "primary@acme.example")+"/remove", url.Values{"confirm": {"1"}}, "HX-Request", "true"); res.status != http.StatusUnprocessableEntity {
			t.Fatalf("remove the Primary Owner: %d", res.status)
		}
		if res := admin.post("/orgs/acme/settings/organization/members/"+mid(t, db, "owner@acme.example")+"/remove", url.Values{"confirm": {"1"}}, "HX-Request", "true"); res.status != http.StatusForbidden {
			t.Fatalf("an Admin removes an Owner: %d", res.status)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestMemberChangesBadInput(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		admin := h.login("admin@acme.example")
		base := "/orgs/acme/settings/organization/members/"
		mia := mid(t, db, "member@acme.example")
		other := mid(t, db, "member@bottega.example")
		cases := []struct {
			name   string
			path   string
			form   url.Values
			status int
		}{
			{"unknown seat type", mia + "/seat", url.Values{"from": {"enterprise"}, "to": {"platinum"}, "confirm": {"1"}}, 422},
			{"another plan's type", mia + "/seat", url.Values{"from": {"enterprise"}, "to": {"chat_code"}, "confirm": {"1"}}, 422},
			{"another org's member", other + "/seat", url.Values{"from": {"chat"}, "to": {""}, "confirm": {"1"}}, 404},
			{"not an id", "abc/seat", url.Values{"from": {""}, "to": {"enterprise"}}, 404},
			{"negative id", "-4/seat", url.Values{"from": {""}, "to": {"enterprise"}}, 404},
			{"forged role by an Admin", mia + "/role", url.Values{"from": {"member"}, "to": {"owner"}}, 403},
			{"the Primary Owner by role", mid(t, db, "primary@acme.example") + "/role", url.Values{"from": {"primary_owner"}, "to": {"member"}}, 403},
		}
		for _, c := range cases {
			res := admin.post(base+c.path, c.form, "HX-Request", "true")
			if res.status != c.status {
				t.Errorf("%s: %d, want %d: %.300s", c.name, res.status, c.status, res.body)
			}
		}
		owner := h.login("owner@acme.example")
		if res := owner.post(base+mia+"/role", url.Values{"from": {"member"}, "to": {"primary_owner"}}, "HX-Request", "true"); res.status != 422 {
			t.Errorf("forged primary_owner: %d", res.status)
		}
		if res := owner.post(base+mia+"/role", url.Values{"from": {"member"}, "to": {"admin"}}, "HX-Request", "true"); res.status != 200 || !strings.Contains(res.body, `data-testid="member-role">Admin<`) {
			t.Errorf("owner makes an admin: %d", res.status)
		}
		member := h.login("giulia.rossi1@acme.example")
		if res := member.post(base+mia+"/seat", url.Values{"from": {"enterprise"}, "to": {""}, "confirm": {"1"}}); res.status != 403 {
			t.Errorf("a Member posting: %d", res.status)
		}
		if res := h.anon().post(base+mia+"/seat", url.Values{"from": {"enterprise"}, "to": {""}, "confirm": {"1"}}); res.status != http.StatusSeeOther {
			t.Errorf("anonymous: %d", res.status)
		}
		if got := seatTypeOf(t, db, "member@acme.example"); got != "enterprise" {
			t.Fatalf("bad input changed the seat: %q", got)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestTransferAndNoJavaScript(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		p := h.login("primary@maison.example")
		base := "/orgs/maison/settings/organization/members/"
		owner := mid(t, db, "owner@maison.example")
		res := p.post(base+owner+"/transfer", nil)
		if res.status != 200 || !strings.Contains(res.body, "Transfer primary ownership to Olive Owner") {
			t.Fatalf("no confirmation: %d", res.status)
		}
		res = p.post(base+owner+"/transfer", url.Values{"confirm": {"1"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("transfer: %d", res.status)
		}
		var m models.Membership
		db.Joins("JOIN users ON users.id = memberships.user_id").Take(&m, "users.email = ?", "owner@maison.example")
		if m.Role != models.RolePrimaryOwner {
			t.Fatalf("role = %s", m.Role)
		}
		// Without JavaScript: a move down shows the member's page with the
		// question, the confirmation posts and redirects.
		admin := h.login("admin@maison.example")
		pr := mid(t, db, "primary@maison.example")
		res = admin.post(base+pr+"/seat", url.Values{"from": {"premium"}, "to": {"standard"}})
		if res.status != 200 || !strings.Contains(res.body, "<html") || !strings.Contains(res.body, "will have lower usage limits when moved to Standard") {
			t.Fatalf("no-JS confirmation: %d", res.status)
		}
		res = admin.post(base+pr+"/seat", url.Values{"from": {"premium"}, "to": {"standard"}, "confirm": {"1"}})
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/orgs/maison/settings/organization" {
			t.Fatalf("no-JS change: %d %q", res.status, res.header.Get("Location"))
		}
		if page := admin.get(res.header.Get("Location")); !strings.Contains(page.body, "The seat type of Pat Primary is now Standard.") {
			t.Errorf("no message after the no-JS change: %s", between(page.body, `<main`, `</h1>`))
		}
		if seatTypeOf(t, db, "primary@maison.example") != "standard" {
			t.Fatal("not moved")
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}
