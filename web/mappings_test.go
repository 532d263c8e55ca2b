package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestGroupMappingsPage: an Owner adds a mapping, sees what saving does,
// reorders (a new preview), saves; a stale preview is refused; an Admin sees
// the list and cannot change it. On both databases, through the handlers.
func TestGroupMappingsPage(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		tok := scimToken(t, db, "bottega", "Okta")
		// Two people provisioned by SCIM (Chat: Chat + Claude Code is full),
		// both in "engineering".
		var ids []string
		for _, e := range []string{"ann@bottega.example", "bob@bottega.example"} {
			ids = append(ids, h.scim(tok, "POST", "/Users", newUserBody(e, "X", "Y")).str("id"))
		}
		if a := h.scim(tok, "POST", "/Groups", `{"displayName":"engineering","members":[{"value":"`+ids[0]+`"},{"value":"`+ids[1]+`"}]}`); a.status != http.StatusCreated {
			t.Fatalf("group: %d %s", a.status, a.raw)
		}
		c := h.login("owner@bottega.example")
		c.lang = "it"
		base := "/orgs/bottega/settings/organization/mappings/"
		res := c.post(base+"preview", url.Values{"op": {"add"}, "new_group": {"engineering"}, "new_seat": {"chat_code"}}, "HX-Request", "true")
		if res.status != http.StatusOK || !strings.Contains(res.body, `data-testid="mapping-plan"`) ||
			!strings.Contains(res.body, "2 membri resteranno in attesa di un posto Chat + Claude Code") {
			t.Fatalf("preview: %d %.1500s", res.status, res.body)
		}
		token := between(res.body, `name="token" value="`, `"`)
		if !strings.Contains(res.body, `data-testid="mapping-save-buy"`) {
			t.Fatalf("an Owner is not offered Save and buy: %.800s", res.body)
		}
		// Adding a second row and moving it up shows a new preview.
		res = c.post(base+"preview", url.Values{"group": {"engineering"}, "seat": {"chat_code"}, "op": {"add"}, "new_group": {"design"}, "new_seat": {"chat"}}, "HX-Request", "true")
		res = c.post(base+"preview", url.Values{"group": {"engineering", "design"}, "seat": {"chat_code", "chat"}, "op": {"up:1"}}, "HX-Request", "true")
		rows := strings.Index(res.body, `value="design"`) < strings.Index(res.body, `value="engineering"`)
		if res.status != http.StatusOK || !rows {
			t.Fatalf("reorder: %d %.500s", res.status, res.body)
		}
		// Saving with the first preview's token and the first list: applied.
		res = c.post(base+"save", url.Values{"group": {"engineering"}, "seat": {"chat_code"}, "token": {token}}, "HX-Request", "true")
		if res.status != http.StatusOK || !strings.Contains(res.body, "Mappature di gruppo salvate") {
			t.Fatalf("save: %d %.500s", res.status, res.body)
		}
		// The members' rows say so: they keep Chat and wait for the mapped type.
		page := c.get("/orgs/bottega/settings/organization?q=ann%40bottega")
		if !strings.Contains(page.body, "in attesa di un posto Chat + Claude Code (mappatura di gruppo)") ||
			!strings.Contains(page.body, "da mappatura di gruppo") {
			t.Fatalf("the member's row does not say where the seat comes from: %.2000s", page.body)
		}
		// The same token again is stale now (nothing left to change is a new plan).
		res = c.post(base+"save", url.Values{"group": {"engineering"}, "seat": {"chat"}, "token": {token}}, "HX-Request", "true")
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "anteprima") {
			t.Fatalf("stale: %d %.500s", res.status, res.body)
		}
		// An Admin sees the list, read-only, and cannot post.
		a := h.login("admin@bottega.example")
		page = a.get("/orgs/bottega/settings/organization")
		if !strings.Contains(page.body, `data-testid="mapping-list"`) || strings.Contains(page.body, `data-testid="mapping-rows"`) {
			t.Fatalf("Admin's view of the mappings: %.300s", page.body)
		}
		if res := a.post(base+"save", url.Values{"group": {"engineering"}, "seat": {"chat"}, "token": {token}}); res.status != http.StatusForbidden {
			t.Fatalf("Admin saving: %d", res.status)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}
