package web

import (
	"crypto/sha256"
	"encoding/hex"
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

// newSCIMTokenID makes a token of acme for the route sweep's {id}.
func newSCIMTokenID(t *testing.T, db *gorm.DB) string {
	t.Helper()
	name := fmt.Sprintf("sweep-%d", modeltest.MustCount(t, db, &models.SCIMToken{}, "1 = 1"))
	scimToken(t, db, "acme", name)
	var tok models.SCIMToken
	if err := db.Take(&tok, "name = ?", name).Error; err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(tok.ID, 10)
}

func tokenID(t *testing.T, db *gorm.DB, slug, name string) string {
	t.Helper()
	var tok models.SCIMToken
	err := db.Joins("JOIN organizations ON organizations.id = scim_tokens.org_id").
		Take(&tok, "organizations.slug = ? AND scim_tokens.name = ?", slug, name).Error
	if err != nil {
		t.Fatalf("token %s of %s: %v", name, slug, err)
	}
	return strconv.FormatInt(tok.ID, 10)
}

const orgPath = "/orgs/acme/settings/organization"

// TestSCIMTokensPage: Owners create a token (shown once, stored as its
// SHA-256) and revoke it (the identity provider is then refused); Admins see
// the section without its buttons and are refused (403); another
// organization's token is not found.
func TestSCIMTokensPage(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		owner := h.login("owner@acme.example")

		res := owner.get(orgPath)
		if res.status != 200 || !strings.Contains(res.body, `data-testid="provisioning"`) ||
			!strings.Contains(res.body, `value="http://127.0.0.1/scim/v2"`) || !strings.Contains(res.body, `data-testid="create-token"`) ||
			!strings.Contains(res.body, "No SCIM tokens yet.") || !strings.Contains(res.body, `src="/static/js/copy.js"`) {
			t.Fatalf("owner's page: %d %s", res.status, res.body)
		}

		// Create (htmx): the token once, in the section.
		res = owner.post(orgPath+"/scim-tokens", url.Values{"name": {"  Okta  "}}, "HX-Request", "true")
		raw := between(res.body, `data-testid="new-token-value" value="`, `"`)
		if raw == "" {
			raw = between(res.body, `id="new-token" type="text" readonly value="`, `"`)
		}
		if res.status != 200 || !strings.HasPrefix(raw, "sdscim_") || len(raw) < 40 || strings.Contains(res.body, "<html") ||
			!strings.Contains(res.body, "Your new token “Okta”") || !strings.Contains(res.body, "shown only this once") ||
			!strings.Contains(res.body, `data-copy="new-token"`) || res.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create: %d %q %s", res.status, raw, res.body)
		}
		var tok models.SCIMToken
		if err := db.Take(&tok, "name = ?", "Okta").Error; err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(raw))
		if tok.TokenHash != hex.EncodeToString(sum[:]) || tok.CreatedBy != "owner@acme.example" || tok.LastUsedAt != nil {
			t.Fatalf("stored token: %+v", tok)
		}
		if n := modeltest.MustCount(t, db, &models.SCIMToken{}, "token_hash = ? OR name = ?", raw, raw); n != 0 {
			t.Fatal("the token itself is stored")
		}
		// It works, and shows as used; the page never shows it again.
		if a := h.scim(raw, "GET", "/Users?count=1", ""); a.status != 200 {
			t.Fatalf("the new token: %d %s", a.status, a.raw)
		}
		res = owner.get(orgPath)
		if strings.Contains(res.body, raw) || !strings.Contains(res.body, ">Okta<") || !strings.Contains(res.body, "owner@acme.example") ||
			strings.Contains(between(res.body, `data-testid="token-last-used"`, "</td>"), "Never") {
			t.Fatalf("page after creation: %s", res.body)
		}

		// Without JavaScript: the whole page with the token, nothing redirected.
		res = owner.post(orgPath+"/scim-tokens", url.Values{"name": {"Entra"}})
		if res.status != 200 || !strings.Contains(res.body, "<html") || !strings.Contains(res.body, `value="sdscim_`) ||
			!strings.Contains(res.body, `data-testid="members"`) {
			t.Fatalf("create without htmx: %d %s", res.status, res.body)
		}

		// Bad names: 422 with the message, nothing made.
		for name, want := range map[string]string{"": "Give the token a name of 1 to 100 characters.",
			"Okta": "A token named Okta exists already", strings.Repeat("x", 101): "1 to 100 characters"} {
			res = owner.post(orgPath+"/scim-tokens", url.Values{"name": {name}}, "HX-Request", "true")
			if res.status != 422 || !strings.Contains(res.body, want) || strings.Contains(res.body, "sdscim_") {
				t.Errorf("name %q: %d %s", name, res.status, res.body)
			}
		}
		if n := modeltest.MustCount(t, db, &models.SCIMToken{}, "1 = 1"); n != 2 {
			t.Fatalf("%d tokens, want 2", n)
		}

		// Admins see the tokens, not the buttons, and are refused.
		admin := h.login("admin@acme.example")
		res = admin.get(orgPath)
		if res.status != 200 || !strings.Contains(res.body, ">Okta<") || strings.Contains(res.body, `data-testid="create-token"`) ||
			strings.Contains(res.body, "Revoke the token") || !strings.Contains(res.body, "Only Owners can create and revoke SCIM tokens.") {
			t.Fatalf("admin's page: %s", res.body)
		}
		okta := tokenID(t, db, "acme", "Okta")
		for _, try := range []struct{ path, form string }{
			{orgPath + "/scim-tokens", "name=Mine"},
			{orgPath + "/scim-tokens/" + okta + "/revoke", "confirm=1"},
		} {
			form, _ := url.ParseQuery(try.form)
			for _, hx := range []string{"", "true"} {
				res = admin.post(try.path, form, "HX-Request", hx)
				if res.status != 403 || !strings.Contains(res.body, "for the Owner role") {
					t.Fatalf("admin POST %s (htmx %q): %d %s", try.path, hx, res.status, res.body)
				}
			}
		}
		if n := modeltest.MustCount(t, db, &models.SCIMToken{}, "1 = 1"); n != 2 {
			t.Fatalf("%d tokens after the Admin's attempts, want 2", n)
		}

		// Another organization's token: 404, with or without htmx, and kept.
		scimToken(t, db, "bottega", "Bottega IdP")
		theirs := tokenID(t, db, "bottega", "Bottega IdP")
		for _, form := range []url.Values{{}, {"confirm": {"1"}}} {
			if res = owner.post(orgPath+"/scim-tokens/"+theirs+"/revoke", form); res.status != 404 {
				t.Fatalf("another organization's token: %d", res.status)
			}
			if res = owner.post(orgPath+"/scim-tokens/"+theirs+"/revoke", form, "HX-Request", "true"); res.status != 404 ||
				!strings.Contains(res.body, "This token no longer exists") {
				t.Fatalf("another organization's token (htmx): %d %s", res.status, res.body)
			}
		}
		if n := modeltest.MustCount(t, db, &models.SCIMToken{}, "name = ?", "Bottega IdP"); n != 1 {
			t.Fatal("another organization's token was revoked")
		}

		// Revoke asks first, then the identity provider is refused (401).
		res = owner.post(orgPath+"/scim-tokens/"+okta+"/revoke", url.Values{}, "HX-Request", "true")
		if res.status != 200 || !strings.Contains(res.body, `data-testid="confirm-revoke"`) || !strings.Contains(res.body, "Revoke “Okta”?") {
			t.Fatalf("revoke asks: %d %s", res.status, res.body)
		}
		if a := h.scim(raw, "GET", "/Users?count=1", ""); a.status != 200 {
			t.Fatalf("the question revoked the token: %d", a.status)
		}
		res = owner.post(orgPath+"/scim-tokens/"+okta+"/revoke", url.Values{"confirm": {"1"}}, "HX-Request", "true")
		if res.status != 200 || !strings.Contains(res.body, "The token “Okta” is revoked") || strings.Contains(res.body, ">Okta<") {
			t.Fatalf("revoke: %d %s", res.status, res.body)
		}
		if a := h.scim(raw, "GET", "/Users?count=1", ""); a.status != 401 {
			t.Fatalf("a revoked token: %d %s", a.status, a.raw)
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action = ?", "scim_token.revoked"); n != 1 {
			t.Fatalf("%d revocations audited", n)
		}
		// Again: gone (404). Without JavaScript: 303 to the page, which says so.
		if res = owner.post(orgPath+"/scim-tokens/"+okta+"/revoke", url.Values{"confirm": {"1"}}); res.status != 404 {
			t.Fatalf("revoke twice: %d", res.status)
		}
		entra := tokenID(t, db, "acme", "Entra")
		res = owner.post(orgPath+"/scim-tokens/"+entra+"/revoke", url.Values{"confirm": {"1"}})
		if res.status != 303 || res.header.Get("Location") != orgPath {
			t.Fatalf("revoke without htmx: %d %v", res.status, res.header)
		}
		res = owner.get(orgPath)
		if !strings.Contains(res.body, "The token “Entra” is revoked") || !strings.Contains(res.body, "No SCIM tokens yet.") {
			t.Fatalf("after revoking without htmx: %s", res.body)
		}
	})
}

// provisionWaiting provisions n people into acme through SCIM and returns
// their member ids in arrival order.
func provisionWaiting(t *testing.T, h *harness, tok string, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		a := h.scim(tok, "POST", "/Users", newUserBody(fmt.Sprintf("idp%d@example.com", i), "Idp", fmt.Sprintf("Person%d", i)))
		if a.status != 201 {
			t.Fatalf("create %d: %d %s", i, a.status, a.raw)
		}
		ids = append(ids, a.str("id"))
	}
	return ids
}

func memberOf(t *testing.T, db *gorm.DB, id string) models.Membership {
	t.Helper()
	var m models.Membership
	if err := db.Take(&m, id).Error; err != nil {
		t.Fatal(err)
	}
	return m
}

// TestWaitlistPage: the wait-list in arrival order with positions; Admins
// admit into a free seat (or are told none is free and who buys); Owners buy
// the seats that admit everyone, reviewed first and charged once; another
// organization's ids are not found.
func TestWaitlistPage(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		owner, admin := h.login("owner@acme.example"), h.login("admin@acme.example")
		if res := owner.get(orgPath); strings.Contains(res.body, `data-testid="waitlist"`) || !strings.Contains(res.body, `id="waitlist"`) {
			t.Fatalf("nobody waits: the section shows: %s", res.body)
		}
		tok := scimToken(t, db, "acme", "Okta")
		ids := provisionWaiting(t, h, tok, 7) // 4 free seats: 3 wait
		waiting := ids[4:]

		res := owner.get(orgPath)
		list := between(res.body, `data-testid="waitlist"`, "</section>")
		if res.status != 200 || !strings.Contains(list, "3 people are waiting for a seat") ||
			!strings.Contains(list, "Buy 3 seats (Enterprise seat) to admit everyone") {
			t.Fatalf("owner's wait-list: %d %s", res.status, list)
		}
		for i, id := range waiting {
			row := between(list, `data-member-id="`+id+`"`, "</tr>")
			if !strings.Contains(row, fmt.Sprintf(`data-testid="waiting-position">%d<`, i+1)) ||
				!strings.Contains(row, fmt.Sprintf("idp%d@example.com", i+4)) || !strings.Contains(row, ">SCIM<") ||
				!strings.Contains(row, `datetime="2026-11-21T10:00:00Z"`) || !strings.Contains(row, "Admit Idp Person") {
				t.Fatalf("row %d: %s", i+1, row)
			}
		}
		if strings.Index(list, `data-member-id="`+waiting[0]) > strings.Index(list, `data-member-id="`+waiting[2]) {
			t.Fatal("the wait-list is not in arrival order")
		}
		// In Italian and French, with the plural.
		owner.lang = "it"
		if res = owner.get(orgPath); !strings.Contains(res.body, "3 persone sono in attesa di un posto") ||
			!strings.Contains(res.body, "Acquista 3 posti (Posto Enterprise) per ammettere tutti") {
			t.Fatalf("Italian wait-list: %s", between(res.body, `data-testid="waitlist"`, "</section>"))
		}
		owner.lang = "fr"
		if res = owner.get(orgPath); !strings.Contains(res.body, "3 personnes attendent un siège") {
			t.Fatalf("French wait-list: %s", between(res.body, `data-testid="waitlist"`, "</section>"))
		}
		owner.lang = "en"
		// The members table: the status filter and the badge.
		res = admin.get(orgPath + "/members?status=pending")
		if !strings.Contains(res.body, `<option value="pending" selected>Waiting for a seat</option>`) &&
			!strings.Contains(res.body, "Showing 1–3 of 3 members") {
			t.Fatalf("members filtered by waiting: %s", res.body)
		}
		if !strings.Contains(res.body, `class="badge status-pending">Waiting for a seat<`) || !strings.Contains(res.body, "Showing 1–3 of 3 members") {
			t.Fatalf("waiting members' badge: %s", res.body)
		}

		// Admins: Admit, not buy.
		res = admin.get(orgPath)
		list = between(res.body, `data-testid="waitlist"`, "</section>")
		if strings.Contains(list, "to admit everyone") || !strings.Contains(list, "Only an Owner can buy seats") || !strings.Contains(list, ">Admit<") {
			t.Fatalf("admin's wait-list: %s", list)
		}
		for _, path := range []string{"/waitlist/review", "/waitlist/upgrade"} {
			if res = admin.post(orgPath+path, url.Values{"seat": {"enterprise"}, "add": {"3"}}, "HX-Request", "true"); res.status != 403 {
				t.Fatalf("admin POST %s: %d", path, res.status)
			}
		}
		// No seat free: 409 and a clear message, nothing changed.
		res = admin.post(orgPath+"/waitlist/"+waiting[1]+"/admit", nil, "HX-Request", "true")
		if res.status != 409 || !strings.Contains(res.body, "No seat of type Enterprise seat is available. An Owner must buy seats") ||
			strings.Contains(res.body, "<html") {
			t.Fatalf("admit without a free seat: %d %s", res.status, res.body)
		}
		res = owner.post(orgPath+"/waitlist/"+waiting[1]+"/admit", nil)
		if res.status != 409 || !strings.Contains(res.body, "Buy seats with the button above") || !strings.Contains(res.body, "<html") {
			t.Fatalf("owner's admit without a free seat (no htmx): %d %s", res.status, res.body)
		}
		if m := memberOf(t, db, waiting[1]); m.Status != models.StatusPending {
			t.Fatalf("refused admit changed the member: %+v", m)
		}
		// A seat freed by Unassigned is not taken automatically; Admit takes it.
		giulia := mid(t, db, "giulia.rossi1@acme.example")
		if res = admin.post(orgPath+"/members/"+giulia+"/seat", url.Values{"from": {"enterprise"}, "to": {""}, "confirm": {"1"}}, "HX-Request", "true"); res.status != 200 {
			t.Fatalf("unassign: %d %s", res.status, res.body)
		}
		if m := memberOf(t, db, waiting[0]); m.Status != models.StatusPending {
			t.Fatal("a seat freed by Unassigned was taken automatically")
		}
		res = admin.post(orgPath+"/waitlist/"+waiting[1]+"/admit", nil, "HX-Request", "true", "HX-Current-URL", h.srv.URL+orgPath+"?status=active")
		if res.status != 200 || !strings.Contains(res.body, "Idp Person5 was admitted and now holds a seat: Enterprise seat.") ||
			!strings.Contains(res.body, "2 people are waiting for a seat") ||
			strings.Contains(between(res.body, `data-testid="waitlist"`, "</section>"), `data-member-id="`+waiting[1]+`"`) ||
			!strings.Contains(res.body, `id="seat-summary"`) || !strings.Contains(res.body, `id="members" data-testid="members" hx-swap-oob="true"`) ||
			!strings.Contains(between(res.body, `id="members" data-testid="members" hx-swap-oob="true">`, "</table>"), `data-member-id="`+waiting[1]+`"`) {
			t.Fatalf("admit: %d %.3000s", res.status, res.body)
		}
		if m := memberOf(t, db, waiting[1]); m.Status != models.StatusActive || m.SeatTypeKey == nil || *m.SeatTypeKey != "enterprise" {
			t.Fatalf("admitted member: %+v", m)
		}
		if !strings.Contains(between(res.body, `data-testid="waitlist"`, "</section>"), `data-testid="waiting-position">1<`) {
			t.Fatal("positions are not renumbered")
		}
		// Admitted already: 409; not a member of acme: 404; forged ids: 404.
		if res = admin.post(orgPath+"/waitlist/"+waiting[1]+"/admit", nil, "HX-Request", "true"); res.status != 409 || !strings.Contains(res.body, "is no longer waiting") {
			t.Fatalf("admit twice: %d %s", res.status, res.body)
		}
		theirs := mid(t, db, "member@bottega.example")
		for _, path := range []string{"/waitlist/" + theirs + "/admit", "/waitlist/0/admit", "/waitlist/abc/admit"} {
			if res = owner.post(orgPath+path, nil); res.status != 404 {
				t.Fatalf("POST %s: %d", path, res.status)
			}
		}
		if res = owner.post(orgPath+"/waitlist/"+theirs+"/admit", nil, "HX-Request", "true"); res.status != 404 || !strings.Contains(res.body, "no longer in the organization") {
			t.Fatalf("another organization's member (htmx): %d %s", res.status, res.body)
		}

		// Owner: Buy 2 seats to admit everyone → the review → Upgrade, once.
		invoices := modeltest.MustCount(t, db, &models.Invoice{}, "1 = 1")
		res = owner.post(orgPath+"/waitlist/review", url.Values{"seat": {"enterprise"}}, "HX-Request", "true")
		quote := between(res.body, `name="quote" value="`, `"`)
		if res.status != 200 || quote == "" || !strings.Contains(res.body, `data-testid="waitlist-review"`) ||
			!strings.Contains(res.body, `<input type="hidden" name="add" value="2">`) || !strings.Contains(res.body, "25 → 27") ||
			!strings.Contains(res.body, "the first 2 people waiting get a seat at once") {
			t.Fatalf("review: %d %s", res.status, res.body)
		}
		amount := between(res.body, `data-testid="review-amount"><strong>`, "<")
		if modeltest.MustCount(t, db, &models.Invoice{}, "1 = 1") != invoices {
			t.Fatal("the review charged")
		}
		form := url.Values{"seat": {"enterprise"}, "add": {"2"}, "quote": {quote}}
		res = owner.post(orgPath+"/waitlist/upgrade", form, "HX-Request", "true", "HX-Current-URL", h.srv.URL+orgPath)
		if res.status != 200 || !strings.Contains(res.body, "2 people who were waiting now hold a seat") ||
			!strings.Contains(res.body, "Nobody is waiting for a seat.") || !strings.Contains(res.body, `hx-swap-oob="true"`) {
			t.Fatalf("upgrade: %d %s", res.status, res.body)
		}
		for _, id := range []string{waiting[0], waiting[2]} {
			if m := memberOf(t, db, id); m.Status != models.StatusActive || m.SeatTypeKey == nil || *m.SeatTypeKey != "enterprise" {
				t.Fatalf("member %s after the purchase: %+v", id, m)
			}
		}
		// The same Upgrade again (a double click, a resubmitted form): charged once.
		res = owner.post(orgPath+"/waitlist/upgrade", form)
		if res.status != 303 || res.header.Get("Location") != orgPath {
			t.Fatalf("upgrade again: %d %v", res.status, res.header)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, "1 = 1"); n != invoices+1 {
			t.Fatalf("%d invoices, want %d", n, invoices+1)
		}
		var inv models.Invoice
		db.Order("id DESC").Take(&inv)
		if got := strconv.FormatInt(inv.TotalMinor, 10); got != digits(amount) || inv.TotalMinor == 0 {
			t.Fatalf("charged %s minor units, reviewed %s", got, amount)
		}
		res = owner.get(res.header.Get("Location"))
		if !strings.Contains(res.body, "These seats were already bought (invoice "+inv.Number+")") {
			t.Fatalf("after the repeated upgrade: %s", between(res.body, `<main`, "</h1>"))
		}
		modeltest.CheckSeatInvariant(t, db)

		// Without JavaScript: Admit posts and redirects to the page, which names the person.
		provisionWaiting2 := func() string {
			a := h.scim(tok, "POST", "/Users?"+withSeat, newUserBody("late@example.com", "Late", "Comer"))
			if a.status != 201 || !strings.Contains(a.raw, `"seatStatus":"waiting"`) {
				t.Fatalf("late: %d %s", a.status, a.raw)
			}
			return a.str("id")
		}
		late := provisionWaiting2()
		if res = admin.post(orgPath+"/members/"+mid(t, db, "luca.dubois2@acme.example")+"/seat", url.Values{"from": {"enterprise"}, "to": {""}, "confirm": {"1"}}); res.status != 303 {
			t.Fatalf("unassign without htmx: %d %s", res.status, res.body)
		}
		res = admin.post(orgPath+"/waitlist/"+late+"/admit", nil)
		if res.status != 303 || res.header.Get("Location") != orgPath {
			t.Fatalf("admit without htmx: %d %v", res.status, res.header)
		}
		if res = admin.get(res.header.Get("Location")); !strings.Contains(res.body, "Late Comer was admitted") {
			t.Fatalf("after admit without htmx: %s", between(res.body, `<main`, "</h1>"))
		}
		// Without JavaScript: the review is the page with the review open;
		// Upgrade redirects to the page, which names the invoice.
		a := h.scim(tok, "POST", "/Users?"+withSeat, newUserBody("later@example.com", "Later", "Still"))
		if !strings.Contains(a.raw, `"seatStatus":"waiting"`) {
			t.Fatalf("later: %s", a.raw)
		}
		res = owner.post(orgPath+"/waitlist/review", url.Values{"seat": {"enterprise"}})
		quote = between(res.body, `name="quote" value="`, `"`)
		if res.status != 200 || !strings.Contains(res.body, "<html") || !strings.Contains(res.body, `data-testid="waitlist-review"`) || quote == "" {
			t.Fatalf("review without htmx: %d %s", res.status, res.body)
		}
		res = owner.post(orgPath+"/waitlist/upgrade", url.Values{"seat": {"enterprise"}, "add": {"1"}, "quote": {quote}})
		if res.status != 303 || res.header.Get("Location") != orgPath {
			t.Fatalf("upgrade without htmx: %d %v", res.status, res.header)
		}
		res = owner.get(res.header.Get("Location"))
		if !strings.Contains(res.body, "Seats added (invoice ACME-00003): 1 person who was waiting now holds a seat.") {
			t.Fatalf("after upgrade without htmx: %s", between(res.body, `<main`, "</h1>"))
		}
		// The message is the Owner's, once: not on the next page, nor on an Admin's.
		if res = owner.get(orgPath); strings.Contains(res.body, "Seats added") {
			t.Fatal("the message is shown twice")
		}
		if res = admin.get(orgPath); strings.Contains(res.body, "Seats added") {
			t.Fatal("an Admin is shown the Owner's message")
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// digits keeps the digits of a formatted amount: its minor units.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// TestSignInRemembersLanguage: the language signed in with is stored, and the
// Owners' wait-list email is written in each Owner's.
func TestSignInRemembersLanguage(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.anon()
		c.lang = "it"
		res := c.post("/login", url.Values{"email": {"OWNER@acme.example"}, "password": {demoPassword}, "next": {"/"}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("sign-in: %d %s", res.status, res.body)
		}
		var u models.User
		db.Take(&u, "email = ?", "owner@acme.example")
		if u.Lang != "it" {
			t.Fatalf("lang %q, want it", u.Lang)
		}
		db.Model(&models.User{}).Where("email = ?", "primary@acme.example").Update("lang", "fr")
		tok := scimToken(t, db, "acme", "Okta")
		provisionWaiting(t, h, tok, 5)
		for email, subject := range map[string]string{
			"owner@acme.example":   "1 persona è in attesa di un posto in Acme Corp",
			"primary@acme.example": "1 personne attend un siège dans Acme Corp",
		} {
			if n := modeltest.MustCount(t, db, &models.OutboxMessage{}, "to_addr = ? AND subject = ?", email, subject); n != 1 {
				var got []models.OutboxMessage
				db.Find(&got)
				t.Fatalf("%s: no email %q: %+v", email, subject, got)
			}
		}
	})
}
