package templates

import (
	"strings"
	"testing"
	"time"
)

// TestProvisioningSection: Owners get the create form, the token shown once
// with its copy button and Revoke; Admins the tokens alone.
func TestProvisioningSection(t *testing.T) {
	used := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	p := Provisioning{BaseURL: "/orgs/a/settings/organization", SCIMURL: "https://seatdesk.example/scim/v2", CanConfigure: true,
		Tokens: []SCIMTokenRow{{ID: 3, Name: "Okta", CreatedBy: "owner@a.example", CreatedAt: used, LastUsed: &used},
			{ID: 2, Name: "Entra", CreatedBy: "operator", CreatedAt: used}},
		NewToken: "sdscim_secret", NewName: "Okta"}
	doc := render(t, "fr", ProvisioningSection(p))
	if v, _ := doc.Find(`[data-testid="scim-url"]`).Attr("value"); v != p.SCIMURL {
		t.Errorf("SCIM URL = %q", v)
	}
	if v, _ := doc.Find(`[data-testid="new-token-value"]`).Attr("value"); v != "sdscim_secret" {
		t.Errorf("new token = %q", v)
	}
	if c, _ := doc.Find(`[data-testid="new-token"] button[data-copy]`).Attr("data-copy"); c != "new-token" {
		t.Errorf("copy button target = %q", c)
	}
	if n := doc.Find(`[data-testid="scim-token-row"]`).Length(); n != 2 {
		t.Errorf("%d token rows", n)
	}
	if got := doc.Find(`[data-testid="token-last-used"]`).Last().Text(); got != "Jamais" {
		t.Errorf("never used = %q", got)
	}
	if doc.Find(`[data-testid="create-token"]`).Length() != 1 || doc.Find(`button[aria-label="Révoquer le jeton Okta"]`).Length() != 1 {
		t.Error("an Owner lacks the create form or Revoke")
	}

	p.CanConfigure, p.NewToken = false, ""
	doc = render(t, "en", ProvisioningSection(p))
	if doc.Find(`[data-testid="create-token"]`).Length() != 0 || strings.Contains(doc.Text(), "Revoke") ||
		doc.Find(`[data-testid="provisioning-owner-only"]`).Length() != 1 {
		t.Error("an Admin gets the Owner's buttons")
	}
}

// TestWaitlistSection: the count in the plural, the rows with positions, and
// per viewer the purchase, the Admin's note or the sales-assisted note; with
// nobody waiting only the anchor htmx swaps.
func TestWaitlistSection(t *testing.T) {
	since := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	w := Waitlist{BaseURL: "/orgs/a/settings/organization", Total: 2, CanAdmit: true, CanBuy: true, Currency: "EUR",
		Rows: []WaitingRow{{ID: 8, Name: "Ada", Email: "ada@a.example", Source: "scim", WaitingFor: "enterprise", Since: since, Position: 1},
			{ID: 9, Name: "Bo", Email: "bo@a.example", Source: "jit", WaitingFor: "enterprise", Since: since, Position: 2}},
		Buy: []WaitlistBuy{{SeatType: "enterprise", N: 2}}}
	doc := render(t, "it", WaitlistSection(w))
	if got := doc.Find(`[data-testid="waitlist-count"]`).Text(); got != "2 persone sono in attesa di un posto" {
		t.Errorf("count = %q", got)
	}
	if got := doc.Find(`[data-testid="waitlist-buy-enterprise"]`).Text(); got != "Acquista 2 posti (Posto Enterprise) per ammettere tutti" {
		t.Errorf("buy = %q", got)
	}
	if got := doc.Find(`[data-testid="waiting-position"]`).Last().Text(); got != "2" {
		t.Errorf("position = %q", got)
	}
	if n := doc.Find(`[data-testid="admit"]`).Length(); n != 2 {
		t.Errorf("%d Admit buttons", n)
	}

	w.CanBuy = false
	doc = render(t, "en", WaitlistSection(w))
	if doc.Find(`[data-testid="waitlist-buy-enterprise"]`).Length() != 0 || doc.Find(`[data-testid="waitlist-owner-buys"]`).Length() != 1 {
		t.Error("an Admin is offered the purchase")
	}
	w.SalesAssisted = true
	if doc = render(t, "en", WaitlistSection(w)); doc.Find(`[data-testid="waitlist-sales-assisted"]`).Length() != 1 {
		t.Error("a sales-assisted Owner is not sent to the account manager")
	}
	doc = render(t, "en", WaitlistSection(Waitlist{}))
	if doc.Find(`#waitlist[data-testid="waitlist-empty"]`).Length() != 1 || doc.Find("section").Length() != 0 {
		t.Error("nobody waits: the section shows")
	}
}
