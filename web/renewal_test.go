package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestRenewalPlannerAndEndedPlan: the planner on Billing (in Italian for a
// legacy plan), then a cancelled plan renewed: it ended; members are refused,
// Owners see Billing saying whom to contact, and nothing else.
func TestRenewalPlannerAndEndedPlan(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		base := "/orgs/acme/settings/billing"
		hx := []string{"HX-Request", "true"}
		c := h.login("owner@acme.example")
		page := c.get(base)
		for _, w := range []string{"At renewal on August 13, 2027", "Enterprise seat: 25 seats at $60.00 per seat per month",
			"Renewal invoice: $18,000.00 for the year to August 12, 2028.", "Current term"} {
			if !strings.Contains(page.body, w) {
				t.Errorf("Billing lacks %q", w)
			}
		}
		res := c.post(base+"/seats/enterprise/reduction", url.Values{"quantity": {"20"}}, hx...)
		if !strings.Contains(res.body, "21 seats are kept instead of the 20 scheduled, because 21 are in use: nobody loses a seat.") {
			t.Errorf("the planner does not say what is kept: %.300s", res.body)
		}

		it := h.login("owner@bottega.example")
		page = it.get("/orgs/bottega/settings/billing?lang=it")
		for _, w := range []string{"Al rinnovo del 13 agosto 2027", "Chat + Claude Code: 10 posti, 10 in uso", "Posto Enterprise: 30 posti a 55,00",
			"modello a posto Enterprise singolo"} {
			if !strings.Contains(page.body, w) {
				t.Errorf("bottega's Billing in Italian lacks %q", w)
			}
		}

		if res := c.post(base+"/cancel", nil, hx...); res.status != 200 {
			t.Fatal(res.status)
		}
		if !strings.Contains(c.get(base).body, "instead of renewing, it ends on August 13, 2027") {
			t.Error("the planner does not say the plan ends")
		}
		var org models.Organization
		db.Take(&org, "slug = ?", "acme")
		job := NewRenewals(db, h.s.Clock, h.s.Catalog, h.s.Mailer, h.s.Log, "http://127.0.0.1")
		if out, err := job.Renew(ctx, org.TermEnd, "acme"); err != nil || len(out) != 1 {
			t.Fatal(len(out), err)
		}
		page = c.get(base)
		if page.status != 200 || !strings.Contains(page.body, "This plan ended on August 13, 2027") ||
			!strings.Contains(page.body, "contact your Anthropic contact or our sales team") || strings.Contains(page.body, "At renewal on") ||
			strings.Contains(page.body, "Schedule") {
			t.Errorf("an ended plan's Billing: %d %.300s", page.status, page.body)
		}
		if res := c.get("/orgs/acme/settings/organization"); res.status != 403 || !strings.Contains(res.body, "The plan ended") {
			t.Errorf("Organization of an ended plan: %d", res.status)
		}
		if res := c.post(base+"/resume", nil, hx...); res.status != 403 {
			t.Errorf("resuming an ended plan: %d", res.status)
		}
		if res := c.get("/orgs/acme"); res.status != 303 || res.header.Get("Location") != base {
			t.Errorf("an Owner's landing on an ended plan: %d %s", res.status, res.header.Get("Location"))
		}
		m := h.login("member@acme.example")
		if res := m.get("/orgs/acme"); res.status != 403 || !strings.Contains(res.body, "The plan ended") {
			t.Errorf("a member of an ended plan: %d", res.status)
		}
		var n int64
		db.Model(&models.OutboxMessage{}).Where("subject LIKE ?", "The plan of Acme Corp ended%").Count(&n)
		if n != 2 {
			t.Errorf("%d ended emails, want one per Owner", n)
		}
	})
}

// TestRenewalReminderInOwnersLanguage: the 30-day reminder is written in each
// Owner's language, once.
func TestRenewalReminderInOwnersLanguage(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		db.Model(&models.User{}).Where("email = ?", "owner@acme.example").Update("lang", "it")
		db.Model(&models.User{}).Where("email = ?", "primary@acme.example").Update("lang", "fr")
		var org models.Organization
		db.Take(&org, "slug = ?", "acme")
		clock := modeltest.FixedClock{T: org.TermEnd.AddDate(0, 0, -30)}
		job := NewRenewals(db, clock, h.s.Catalog, h.s.Mailer, h.s.Log, "http://127.0.0.1")
		for range 2 {
			if err := job.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}
		var msgs []models.OutboxMessage
		db.Where("org_id = ?", org.ID).Order("id").Find(&msgs)
		got := map[string]string{}
		for _, m := range msgs {
			got[m.ToAddr] = m.Subject + "\n" + m.Body
		}
		if len(msgs) != 2 || !strings.HasPrefix(got["owner@acme.example"], "Acme Corp si rinnova il 13 agosto 2027") ||
			!strings.Contains(got["owner@acme.example"], "tra 30 giorni: 25 posti") ||
			!strings.HasPrefix(got["primary@acme.example"], "Acme Corp se renouvelle le 13 août 2027") {
			t.Errorf("reminders: %d %v", len(msgs), got)
		}
	})
}
