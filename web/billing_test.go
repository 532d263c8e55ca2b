package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

var quoteRe = regexp.MustCompile(`name="quote" value="([^"]+)"`)

func purchased(t *testing.T, db *gorm.DB, slug, seatType string) int {
	t.Helper()
	var p models.SeatPool
	db.Joins("JOIN organizations ON organizations.id = seat_pools.org_id").
		Where("organizations.slug = ? AND seat_type_key = ?", slug, seatType).Take(&p)
	return p.Purchased
}

func invoices(t *testing.T, db *gorm.DB) int64 {
	return modeltest.MustCount(t, db, &models.Invoice{}, "")
}

func TestBuySeats(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("owner@acme.example")
		base := "/orgs/acme/settings/billing"
		hx := []string{"HX-Request", "true"}

		page := c.get(base)
		if !strings.Contains(page.body, `aria-label="Add seats"`) || !strings.Contains(page.body, `data-testid="edit-seats-enterprise"`) {
			t.Fatal("no pencil button named Add seats")
		}
		edit := c.get(base+"/seats/enterprise/edit", hx...)
		if edit.status != http.StatusOK || !strings.HasPrefix(edit.body, `<section id="billing-seats"`) || !strings.Contains(edit.body, `name="add"`) {
			t.Fatalf("editor fragment: %d %.300s", edit.status, edit.body)
		}
		review := c.post(base+"/seats/enterprise/review", url.Values{"add": {"5"}}, hx...)
		if review.status != http.StatusOK {
			t.Fatalf("review: %d", review.status)
		}
		// 5 × $60.00 × 12 × 265 / 365 = $2,613.70; 25 → 30 seats; $21,600.00 a year.
		for _, w := range []string{"$2,613.70", "25 → 30", "265 of 365 days", "$60.00", "$21,600.00", ">Upgrade<"} {
			if !strings.Contains(review.body, w) {
				t.Errorf("review lacks %q", w)
			}
		}
		if purchased(t, db, "acme", "enterprise") != 25 || invoices(t, db) != 3 {
			t.Fatal("the review changed something")
		}
		token := quoteRe.FindStringSubmatch(review.body)[1]

		up := c.post(base+"/seats/enterprise/upgrade", url.Values{"quote": {token}, "add": {"5"}}, hx...)
		if up.status != http.StatusOK || !strings.HasPrefix(up.body, `<div id="billing"`) {
			t.Fatalf("upgrade: %d %.300s", up.status, up.body)
		}
		for _, w := range []string{"Seats added. Invoice ACME-00002 has been recorded.", "ACME-00002", "$2,613.70", "$21,600.00"} {
			if !strings.Contains(up.body, w) {
				t.Errorf("after upgrade lacks %q", w)
			}
		}
		if !regexp.MustCompile(`data-testid="billing-seat-enterprise">.*?data-testid="purchased">30<`).MatchString(up.body) {
			t.Error("the seats table does not show 30")
		}
		if purchased(t, db, "acme", "enterprise") != 30 || invoices(t, db) != 4 {
			t.Fatalf("after upgrade: %d seats, %d invoices", purchased(t, db, "acme", "enterprise"), invoices(t, db))
		}
		// A double click or a replayed form: charged once.
		again := c.post(base+"/seats/enterprise/upgrade", url.Values{"quote": {token}, "add": {"5"}})
		if again.status != http.StatusSeeOther || again.header.Get("Location") != base {
			t.Fatalf("replay: %d %q", again.status, again.header.Get("Location"))
		}
		if purchased(t, db, "acme", "enterprise") != 30 || invoices(t, db) != 4 {
			t.Fatal("the replay charged again")
		}
		shown := c.get(again.header.Get("Location"))
		if !strings.Contains(shown.body, "already bought (invoice ACME-00002)") || !strings.Contains(shown.body, `data-testid="flash-success"`) {
			t.Error("no notice after the redirect")
		}
		if shown = c.get(base); strings.Contains(shown.body, "already bought (invoice ACME-00002)") {
			t.Error("the notice is shown twice")
		}
		// The invoice page.
		inv := c.get(base + "/invoices/ACME-00002")
		for _, w := range []string{"Invoice ACME-00002", "Acme Corp", "Enterprise seat: seats added, prorated", "$2,613.70",
			"× 12 months, prorated for"} {
			if !strings.Contains(inv.body, w) {
				t.Errorf("invoice page lacks %q", w)
			}
		}
		if sub := c.get(base + "/invoices/ACME-00001"); !strings.Contains(sub.body, "× 12 months<") {
			t.Error("the term's invoice line does not say × 12 months")
		}
		if res := c.get(base + "/invoices/BOTTEGA-00001"); res.status != http.StatusNotFound {
			t.Errorf("another organization's invoice: %d", res.status)
		}
	})
}

func TestBuySeatsWithoutJavaScript(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("primary@bottega.example")
		c.lang = "it"
		base := "/orgs/bottega/settings/billing"
		page := c.get(base + "?edit=chat_code")
		if !strings.Contains(page.body, `data-testid="seat-editor"`) || !strings.Contains(page.body, `aria-label="Aggiungi posti: Chat + Claude Code"`) {
			t.Fatal("?edit= does not open the editor, or the pencil is not named per type")
		}
		review := c.post(base+"/seats/chat_code/review", url.Values{"add": {"2"}})
		if review.status != http.StatusOK || !strings.Contains(review.body, "<html") || !strings.Contains(review.body, ">Aggiorna<") {
			t.Fatalf("review page: %d", review.status)
		}
		token := quoteRe.FindStringSubmatch(review.body)[1]
		up := c.post(base+"/seats/chat_code/upgrade", url.Values{"quote": {token}, "add": {"2"}})
		if up.status != http.StatusSeeOther {
			t.Fatalf("upgrade: %d", up.status)
		}
		if got := purchased(t, db, "bottega", "chat_code"); got != 12 {
			t.Fatalf("chat_code = %d, want 12", got)
		}
		if res := c.get(up.header.Get("Location")); !strings.Contains(res.body, "Posti aggiunti. La fattura BOTTEGA-00002 è stata registrata.") {
			t.Fatal("no Italian notice")
		}
	})
}

func TestBuySeatsBadInput(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("owner@acme.example")
		c.lang = "fr"
		base := "/orgs/acme/settings/billing"
		for add, msg := range map[string]string{
			"":            "Ce champ est obligatoire.",
			"0":           "Saisissez un nombre entier de sièges de 1 à 10\u00a0000.",
			"-1":          "de 1 à 10\u00a0000",
			"1.5":         "Saisissez un nombre entier",
			"2,5":         "Saisissez un nombre entier",
			"abc":         "Saisissez un nombre entier",
			"1e3":         "Saisissez un nombre entier",
			"10001":       "de 1 à 10\u00a0000",
			"99999999999": "de 1 à 10\u00a0000",
		} {
			res := c.post(base+"/seats/enterprise/review", url.Values{"add": {add}}, "HX-Request", "true")
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, msg) {
				t.Errorf("add=%q: %d, lacks %q", add, res.status, msg)
			}
		}
		// A seat type of another plan.
		if res := c.post(base+"/seats/chat_code/review", url.Values{"add": {"1"}}); res.status != http.StatusNotFound {
			t.Errorf("seat type of another plan: %d", res.status)
		}
		// A tampered or stale quote.
		res := c.post(base+"/seats/enterprise/upgrade", url.Values{"quote": {"forged"}, "add": {"5"}}, "HX-Request", "true")
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Vérifiez à nouveau la modification.") {
			t.Errorf("forged quote: %d", res.status)
		}
		review := c.post(base+"/seats/enterprise/review", url.Values{"add": {"3"}})
		token := quoteRe.FindStringSubmatch(review.body)[1]
		if res := c.post(base+"/seats/enterprise/upgrade", url.Values{"quote": {token}, "add": {"4"}}); res.status != http.StatusUnprocessableEntity {
			t.Errorf("other count: %d", res.status)
		}
		if got := purchased(t, db, "acme", "enterprise"); got != 25 || invoices(t, db) != 3 {
			t.Fatalf("bad input changed something: %d seats", got)
		}
		// An Admin posting by hand.
		admin := h.login("admin@acme.example")
		if res := admin.post(base+"/seats/enterprise/upgrade", url.Values{"quote": {token}, "add": {"3"}}); res.status != http.StatusForbidden {
			t.Errorf("admin upgrade: %d", res.status)
		}
		if res := admin.post(base+"/cancel", nil); res.status != http.StatusForbidden {
			t.Errorf("admin cancel: %d", res.status)
		}
		if got := purchased(t, db, "acme", "enterprise"); got != 25 {
			t.Fatal("an Admin bought seats")
		}
	})
}

func TestSalesAssistedBilling(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("primary@maison.example")
		base := "/orgs/maison/settings/billing"
		page := c.get(base)
		for _, w := range []string{"contact your account manager", "Allow extra usage"} {
			if !strings.Contains(page.body, w) {
				t.Errorf("lacks %q", w)
			}
		}
		for _, no := range []string{"edit-seats-", `data-testid="cancel-plan"`, `name="quantity"`} {
			if strings.Contains(page.body, no) {
				t.Errorf("sales-assisted page has %q", no)
			}
		}
		if res := c.get(base + "?edit=premium"); strings.Contains(res.body, "seat-editor") {
			t.Error("?edit= opens an editor on a sales-assisted plan")
		}
		for path, form := range map[string]url.Values{
			"/seats/premium/review":           {"add": {"1"}},
			"/seats/premium/upgrade":          {"add": {"1"}, "quote": {"x"}},
			"/seats/premium/reduction":        {"quantity": {"5"}},
			"/seats/premium/reduction/cancel": {},
			"/cancel":                         {},
			"/resume":                         {},
		} {
			res := c.post(base+path, form)
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Your plan is sales-assisted: contact your account manager") {
				t.Errorf("POST %s: %d", path, res.status)
			}
		}
		if got := purchased(t, db, "maison", "premium"); got != 10 {
			t.Fatal("seats changed")
		}
		// Extra usage stays an Owner's choice on a seat-based plan.
		res := c.post(base+"/extra-usage", url.Values{"enabled": {"on"}, "cap": {"500,50"}}, "HX-Request", "true")
		if res.status != http.StatusOK || !strings.Contains(res.body, "Extra usage is on, capped at €500.50 per month.") {
			t.Fatalf("extra usage: %d", res.status)
		}
		res = c.post(base+"/extra-usage", url.Values{"enabled": {"on"}, "cap": {"1.500,50"}}, "HX-Request", "true")
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Enter the cap as digits") {
			t.Fatalf("bad cap: %d", res.status)
		}
		var org models.Organization
		db.Take(&org, "slug = 'maison'")
		if !org.ExtraUsage || org.ExtraUsageCapMinor == nil || *org.ExtraUsageCapMinor != 50050 {
			t.Fatal("a refused cap changed the setting")
		}
		res = c.post(base+"/extra-usage", url.Values{}, "HX-Request", "true")
		if !strings.Contains(res.body, "Extra usage is off.") {
			t.Fatal("cannot turn extra usage off")
		}
	})
}

func TestReductionAndCancellation(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("owner@acme.example")
		base := "/orgs/acme/settings/billing"
		hx := []string{"HX-Request", "true"}
		page := c.get(base)
		if !strings.Contains(page.body, "Self-serve plans cannot remove seats during the annual term.") {
			t.Error("the rule is not explained")
		}
		if res := c.post(base+"/seats/enterprise/reduction", url.Values{"quantity": {"19"}}, hx...); res.status != 422 || !strings.Contains(res.body, "minimum of 20 seats") {
			t.Errorf("19 seats: %d", res.status)
		}
		res := c.post(base+"/seats/enterprise/reduction", url.Values{"quantity": {"20"}}, hx...)
		for _, w := range []string{"Enterprise seat: 25 seats now, 20 from August 13, 2027.", "21 seats are in use today, more than 20. Nobody loses a seat at renewal"} {
			if !strings.Contains(res.body, w) {
				t.Errorf("after scheduling lacks %q", w)
			}
		}
		if got := purchased(t, db, "acme", "enterprise"); got != 25 {
			t.Fatal("a reduction removed seats during the term")
		}
		res = c.post(base+"/seats/enterprise/reduction/cancel", nil, hx...)
		if strings.Contains(res.body, "25 seats now, 20") || !strings.Contains(res.body, "The scheduled reduction is cancelled.") {
			t.Error("the reduction was not cancelled")
		}

		res = c.post(base+"/cancel", nil, hx...)
		if !strings.Contains(res.body, "access continues until August 12, 2027") || !strings.Contains(res.body, "Resume the plan") {
			t.Fatalf("cancel: %.400s", res.body)
		}
		res = c.post(base+"/resume", nil, hx...)
		if !strings.Contains(res.body, "The plan is resumed and will renew.") || strings.Contains(res.body, "Resume the plan") {
			t.Fatal("resume")
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action IN ?", []string{"plan.cancellation_scheduled", "plan.resumed", "seats.reduction_scheduled", "seats.reduction_cancelled"}); n != 4 {
			t.Errorf("%d audit events, want 4", n)
		}
	})
}
