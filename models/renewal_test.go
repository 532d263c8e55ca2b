package models_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/migrations"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// mailbox is a renewal composer that records what it was asked to write.
type mailbox struct {
	mu   sync.Mutex
	sent []sentNotice
}

type sentNotice struct {
	To     string
	Lang   string
	Org    string
	Notice models.RenewalNotice
}

func (m *mailbox) compose(owner models.User, org models.Organization, n models.RenewalNotice) models.Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, sentNotice{To: owner.Email, Lang: owner.Lang, Org: org.Slug, Notice: n})
	return models.Mail{To: owner.Email, Subject: string(n.Kind), Body: org.Slug}
}

func (m *mailbox) take() []sentNotice {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.sent
	m.sent = nil
	return out
}

func orgOf(t *testing.T, db *gorm.DB, slug string) models.Organization {
	t.Helper()
	var o models.Organization
	if err := db.Take(&o, "slug = ?", slug).Error; err != nil {
		t.Fatal(err)
	}
	return o
}

// setTerm arranges an organization's term (test setup).
func setTerm(t *testing.T, db *gorm.DB, slug string, start, end time.Time) {
	t.Helper()
	if err := db.Model(&models.Organization{}).Where("slug = ?", slug).
		Updates(map[string]any{"term_start": start, "term_end": end}).Error; err != nil {
		t.Fatal(err)
	}
}

func renewer(db *gorm.DB, now time.Time, box *mailbox) models.Renewer {
	return models.Renewer{DB: db, Clock: modeltest.FixedClock{T: now}, Compose: box.compose}
}

func TestRenewalTermBoundariesAndLeapYear(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		d := modeltest.Date
		// A term that spans 29 February 2028: 366 days.
		setTerm(t, db, "acme", d(2027, 3, 1), d(2028, 3, 1))
		box := &mailbox{}
		r := renewer(db, d(2027, 3, 1).Add(9*time.Hour), box)
		for _, asOf := range []time.Time{d(2027, 3, 1), d(2028, 2, 29)} { // first and last day of the term
			res, err := r.RenewDue(ctx, asOf, "acme")
			if err != nil || len(res) != 0 {
				t.Fatalf("as of %s: %v renewed, err %v; the term has not ended", asOf.Format(time.DateOnly), len(res), err)
			}
		}
		if o := orgOf(t, db, "acme"); o.TermDays() != 366 {
			t.Errorf("term days %d, want 366", o.TermDays())
		}
		res, err := r.RenewDue(ctx, d(2028, 3, 1), "acme")
		if err != nil || len(res) != 1 {
			t.Fatalf("renewal on the first day after the term: %d, %v", len(res), err)
		}
		o := orgOf(t, db, "acme")
		if !o.TermStart.Equal(d(2028, 3, 1)) || !o.TermEnd.Equal(d(2029, 3, 1)) || o.TermDays() != 365 {
			t.Errorf("new term %s → %s (%d days)", o.TermStart, o.TermEnd, o.TermDays())
		}
		var inv models.Invoice
		if err := db.Preload("Lines").Where("number = ?", res[0].Term.InvoiceNumber).Take(&inv).Error; err != nil {
			t.Fatal(err)
		}
		// 25 seats × 60.00 × 12, the full year: leap days change no price.
		if inv.Number != "ACME-00002" || inv.TotalMinor != 25*6000*12 || !inv.IssuedAt.Equal(d(2028, 3, 1)) ||
			len(inv.Lines) != 1 || inv.Lines[0].Quantity != 25 || !inv.Lines[0].PeriodEnd.Equal(d(2029, 3, 1)) {
			t.Errorf("renewal invoice %+v", inv)
		}
		if n := len(box.take()); n != 2 {
			t.Errorf("%d renewal emails, want one per Owner (2)", n)
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "org_id = ? AND actor_kind = ? AND actor_name = ?", o.ID, models.ActorSystem, "renewal"); n != 3 {
			t.Errorf("%d renewal audit events, want 3 (seats, invoice, plan)", n)
		}
		modeltest.CheckSeatInvariant(t, db)
	})

	// Term ends around 29 February.
	d := modeltest.Date
	for _, c := range []struct {
		start, end, nextEnd time.Time
		days                int
	}{
		{d(2027, 2, 28), d(2028, 2, 29), d(2029, 2, 28), 365}, // starts on 29 February 2028 (leap), ends on 28 February
		{d(2028, 2, 29), d(2029, 3, 1), d(2030, 3, 1), 365},
		{d(2023, 3, 1), d(2024, 3, 1), d(2025, 3, 1), 365},
		{d(2023, 1, 15), d(2024, 1, 15), d(2025, 1, 15), 366}, // the next term spans 29 February 2024
	} {
		p := models.PlanRenewal(models.Organization{TermStart: c.start, TermEnd: c.end, Currency: "USD"}, nil)
		next := models.Organization{TermStart: p.Date, TermEnd: p.NewTermEnd}
		want := c.nextEnd
		if c.end.Month() == 2 && c.end.Day() == 29 {
			want = d(2029, 3, 1) // a term starting on 29 February ends on 1 March
		}
		if !p.NewTermEnd.Equal(want) || (c.end.Month() != 2 && next.TermDays() != c.days) {
			t.Errorf("term ending %s: next ends %s (%d days)", c.end.Format(time.DateOnly), p.NewTermEnd.Format(time.DateOnly), next.TermDays())
		}
	}
}

func TestRenewalReductionBelowUse(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@acme.example", "acme")
		// acme: 25 purchased, 21 held. 20 is allowed (the minimum), below use.
		if err := models.ScheduleReduction(ctx, db, owner, "enterprise", 20); err != nil {
			t.Fatal(err)
		}
		o := orgOf(t, db, "acme")
		pools, _ := models.Allocations(ctx, db, o.ID)
		plan := models.PlanRenewal(o, pools)
		if plan.Seats != 21 || plan.Kept == nil || plan.Kept.Scheduled != 20 || plan.Kept.InUse != 21 || plan.Kept.Minimum ||
			plan.AmountMinor != 21*6000*12 || !plan.Date.Equal(o.TermEnd) {
			t.Fatalf("plan %+v kept %+v", plan, plan.Kept)
		}
		box := &mailbox{}
		res, err := renewer(db, clock.T, box).RenewDue(ctx, o.TermEnd, "acme")
		if err != nil || len(res) != 1 {
			t.Fatal(len(res), err)
		}
		p := pool(t, db, "acme", "enterprise")
		if p.Purchased != 21 || p.Assigned != 21 || p.RenewalQuantity != nil {
			t.Errorf("after renewal: %+v", p)
		}
		k := res[0].Term.KeptOf()
		if k == nil || k.Seats != 21 || k.Scheduled != 20 {
			t.Errorf("term kept %+v", k)
		}
		sent := box.take()
		if len(sent) != 2 || sent[0].Notice.Kind != models.NoticeRenewed || sent[0].Notice.Plan.Kept == nil || sent[0].Notice.Invoice == "" {
			t.Errorf("Owners told %+v", sent)
		}
		// A reduction above use applies as scheduled.
		owner = actor(t, db, "owner@acme.example", "acme")
		if err := models.ScheduleReduction(ctx, db, owner, "enterprise", 20); err == nil {
			t.Log("reduction to 20 accepted again")
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestRenewalReductionApplies(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@acme.example", "acme")
		if err := models.ScheduleReduction(ctx, db, owner, "enterprise", 22); err != nil {
			t.Fatal(err)
		}
		o := orgOf(t, db, "acme")
		res, err := renewer(db, clock.T, &mailbox{}).RenewDue(ctx, o.TermEnd, "acme")
		if err != nil || len(res) != 1 || res[0].Term.KeptOf() != nil || res[0].Term.NextSeats != 22 {
			t.Fatalf("%+v %v", res, err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Purchased != 22 || p.RenewalQuantity != nil {
			t.Errorf("pool %+v", p)
		}
	})
}

func TestRenewalCancelledPlanEnds(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@acme.example", "acme")
		if err := models.SetCancellation(ctx, db, owner, true); err != nil {
			t.Fatal(err)
		}
		o := orgOf(t, db, "acme")
		members := modeltest.MustCount(t, db, &models.Membership{}, "org_id = ?", o.ID)
		invoices := modeltest.MustCount(t, db, &models.Invoice{}, "org_id = ?", o.ID)
		box := &mailbox{}
		r := renewer(db, clock.T, box)
		// The last day of the term: access continues.
		if res, err := r.RenewDue(ctx, o.TermEnd.AddDate(0, 0, -1), "acme"); err != nil || len(res) != 0 {
			t.Fatal(len(res), err)
		}
		actor(t, db, "member@acme.example", "acme")
		res, err := r.RenewDue(ctx, o.TermEnd, "acme")
		if err != nil || len(res) != 1 || res[0].Term.Outcome != models.TermEnded {
			t.Fatalf("%+v %v", res, err)
		}
		ended := orgOf(t, db, "acme")
		if !models.PlanEnded(ended) || !ended.EndedAt.Equal(o.TermEnd) {
			t.Errorf("ended at %v", ended.EndedAt)
		}
		if n := modeltest.MustCount(t, db, &models.Membership{}, "org_id = ?", o.ID); n != members {
			t.Errorf("%d members, want %d: nothing is deleted", n, members)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, "org_id = ?", o.ID); n != invoices {
			t.Errorf("an ended plan got an invoice")
		}
		var u models.User
		db.Take(&u, "email = ?", "member@acme.example")
		var na *models.NotActive
		if _, err := models.ActorFor(ctx, db, u, "acme"); !errors.As(err, &na) || na.Status != models.StatusPlanEnded {
			t.Errorf("a member of an ended plan: %v", err)
		}
		ownerNow := actor(t, db, "owner@acme.example", "acme")
		if models.CheckPlanEnded(ownerNow, models.ViewBilling) != nil || models.CheckPlanEnded(ownerNow, models.ViewOrganization) == nil ||
			models.CheckPlanEnded(ownerNow, models.ManageBilling) == nil {
			t.Error("an Owner of an ended plan sees Billing only")
		}
		if sent := box.take(); len(sent) != 2 || sent[0].Notice.Kind != models.NoticeEnded {
			t.Errorf("Owners told %+v", sent)
		}
		// Later runs change nothing.
		if res, err := r.RenewDue(ctx, o.TermEnd.AddDate(2, 0, 0), ""); err != nil || countOrg(res, "acme") != 0 {
			t.Errorf("an ended plan renewed again: %+v %v", res, err)
		}
	})
}

func countOrg(res []models.RenewalResult, slug string) int {
	n := 0
	for _, r := range res {
		if r.Org.Slug == slug {
			n++
		}
	}
	return n
}

func TestRenewalMovesLegacyPlans(t *testing.T) {
	for _, c := range []struct {
		slug, from1, from2 string
		purchased, held    int
		amount             int64
	}{
		{"bottega", "chat", "chat_code", 30, 24, 30 * 5500 * 12},
		{"maison", "standard", "premium", 40, 30, 40 * 5500 * 12},
	} {
		t.Run(c.slug, func(t *testing.T) {
			modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
				ctx := context.Background()
				clock := demo(t, db)
				o := orgOf(t, db, c.slug)
				// A group mapping to a legacy type, someone waiting for it, extra usage on.
				key := c.from2
				if err := db.Create(&models.GroupMapping{OrgID: o.ID, Position: 1, GroupName: "eng", SeatTypeKey: &key}).Error; err != nil {
					t.Fatal(err)
				}
				u := models.User{Email: "waiting@" + c.slug + ".example", Name: "Wai Ting"}
				db.Create(&u)
				since := clock.T
				if err := db.Create(&models.Membership{OrgID: o.ID, UserID: u.ID, Role: models.RoleMember, Status: models.StatusPending,
					Source: models.SourceSCIM, WaitingFor: &key, WaitingSince: &since}).Error; err != nil {
					t.Fatal(err)
				}
				db.Model(&models.Organization{}).Where("id = ?", o.ID).Update("extra_usage", true)
				pools, _ := models.Allocations(ctx, db, o.ID)
				plan := models.PlanRenewal(orgOf(t, db, c.slug), pools)
				if len(plan.Legacy) != 2 || plan.Seats != c.purchased || plan.PriceMinor != 5500 || plan.AmountMinor != c.amount {
					t.Fatalf("plan %+v", plan)
				}
				res, err := renewer(db, clock.T, &mailbox{}).RenewDue(ctx, o.TermEnd, c.slug)
				if err != nil || len(res) != 1 {
					t.Fatal(len(res), err)
				}
				after := orgOf(t, db, c.slug)
				if after.PlanModel != models.PlanEnterprise || after.ExtraUsage {
					t.Errorf("plan %s, extra usage %v", after.PlanModel, after.ExtraUsage)
				}
				allocs, _ := models.Allocations(ctx, db, o.ID)
				if len(allocs) != 1 || allocs[0].SeatTypeKey != "enterprise" || allocs[0].Purchased != c.purchased ||
					allocs[0].Assigned != c.held || allocs[0].PriceMinor != 5500 {
					t.Errorf("allocation %+v", allocs)
				}
				if n := modeltest.MustCount(t, db, &models.Membership{}, "org_id = ? AND seat_type_key IS NOT NULL AND seat_type_key <> ?", o.ID, "enterprise"); n != 0 {
					t.Errorf("%d members keep a legacy seat", n)
				}
				if n := modeltest.MustCount(t, db, &models.Membership{}, "org_id = ? AND seat_type_key = ?", o.ID, "enterprise"); n != int64(c.held) {
					t.Errorf("%d members hold an Enterprise seat, want %d", n, c.held)
				}
				if n := modeltest.MustCount(t, db, &models.Membership{}, "org_id = ? AND status = ? AND waiting_for = ?", o.ID, models.StatusPending, "enterprise"); n != 1 {
					t.Errorf("the waiting member waits for %d Enterprise seats", n)
				}
				if n := modeltest.MustCount(t, db, &models.GroupMapping{}, "org_id = ? AND seat_type_key = ?", o.ID, "enterprise"); n != 1 {
					t.Error("the group mapping does not point to the Enterprise seat")
				}
				var inv models.Invoice
				db.Preload("Lines").Where("number = ?", res[0].Term.InvoiceNumber).Take(&inv)
				if inv.TotalMinor != c.amount || inv.Currency != "EUR" || len(inv.Lines) != 1 || inv.Lines[0].SeatTypeKey != "enterprise" {
					t.Errorf("invoice %+v", inv)
				}
				modeltest.CheckSeatInvariant(t, db)
			})
		})
	}
}

func TestMigratePlanEarlyAndRenewTwice(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		o := orgOf(t, db, "bottega")
		owner := actor(t, db, "owner@bottega.example", "bottega")
		if _, err := models.MigratePlan(ctx, db, owner); err == nil {
			t.Error("an Owner migrated a plan; only the operator may")
		}
		op := models.SystemActor(o, "operator")
		res, err := models.MigratePlan(ctx, db, op)
		if err != nil || len(res.From) != 2 || res.Pool.Purchased != 30 || res.Pool.Assigned != 24 {
			t.Fatalf("%+v %v", res, err)
		}
		if _, err := models.MigratePlan(ctx, db, models.SystemActor(orgOf(t, db, "bottega"), "operator")); invalidKey(err) != "plan.migrate.already" {
			t.Errorf("second migration: %v", err)
		}
		// Every member keeps access.
		for _, email := range []string{"primary@bottega.example", "member@bottega.example"} {
			a := actor(t, db, email, "bottega")
			if a.SeatTypeKey == nil || *a.SeatTypeKey != "enterprise" {
				t.Errorf("%s holds %v", email, a.SeatTypeKey)
			}
		}
		// Running a renewal twice renews once.
		r := renewer(db, clock.T, &mailbox{})
		for i := range 2 {
			got, err := r.RenewDue(ctx, o.TermEnd, "")
			if err != nil {
				t.Fatal(err)
			}
			if want := map[int]int{0: 3, 1: 0}[i]; len(got) != want {
				t.Errorf("run %d renewed %d terms, want %d", i+1, len(got), want)
			}
		}
		if n := modeltest.MustCount(t, db, &models.Term{}, ""); n != 3 {
			t.Errorf("%d terms recorded, want 3", n)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, "issued_at = ?", o.TermEnd); n != 3 {
			t.Errorf("%d renewal invoices, want 3, one per organization", n)
		}
		// A date before today is refused.
		if _, err := r.RenewDue(ctx, clock.T.AddDate(0, 0, -1), ""); invalidKey(err) != "renewal.as_of_past" {
			t.Errorf("a past date: %v", err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestRenewalReminders(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		o := orgOf(t, db, "acme")
		db.Model(&models.User{}).Where("email = ?", "owner@acme.example").Update("lang", "it")
		box := &mailbox{}
		acme := func(s []sentNotice) []sentNotice {
			var out []sentNotice
			for _, n := range s {
				if n.Org == "acme" {
					out = append(out, n)
				}
			}
			return out
		}
		for _, c := range []struct {
			before, want, days int
		}{{31, 0, 0}, {30, 2, 30}, {30, 0, 0}, {20, 0, 0}, {7, 2, 7}, {6, 0, 0}, {1, 0, 0}} {
			r := renewer(db, o.TermEnd.AddDate(0, 0, -c.before).Add(8*time.Hour), box)
			if _, err := r.SendReminders(ctx); err != nil {
				t.Fatal(err)
			}
			sent := acme(box.take())
			if len(sent) != c.want {
				t.Errorf("%d days before: %d reminders, want %d", c.before, len(sent), c.want)
				continue
			}
			langs := map[string]string{}
			for _, s := range sent {
				langs[s.To] = s.Lang
				if s.Notice.Kind != models.NoticeReminder || s.Notice.Days != c.days || !s.Notice.Plan.Date.Equal(o.TermEnd) {
					t.Errorf("reminder %+v", s.Notice)
				}
			}
			if c.want > 0 && langs["owner@acme.example"] != "it" {
				t.Errorf("the Owner's language %q", langs["owner@acme.example"])
			}
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "org_id = ? AND action = ?", o.ID, "renewal.reminder_sent"); n != 2 {
			t.Errorf("%d reminder audit events, want 2", n)
		}
	})
}

// TestRenewalRace: two server instances and the command, each with its own
// connection pool, renew the same terms at once (three years behind): one
// renewal and one invoice per organization and term.
func TestRenewalRace(t *testing.T) {
	for _, kind := range modeltest.Kinds {
		t.Run(kind, func(t *testing.T) { renewalRace(t, kind) })
	}
}

func renewalRace(t *testing.T, kind string) {
	dsn := modeltest.DSN(t, kind)
	var conns []*gorm.DB
	for range 3 {
		c, err := models.Open(dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if s, err := c.DB(); err == nil {
				_ = s.Close()
			}
		})
		conns = append(conns, c)
	}
	db := conns[0]
	if err := migrations.Run(db); err != nil {
		t.Fatal(err)
	}
	{
		ctx := context.Background()
		clock := demo(t, db)
		var orgs []models.Organization
		db.Find(&orgs)
		asOf := orgs[0].TermEnd.AddDate(2, 0, 0) // three terms due each
		var wg sync.WaitGroup
		errs := make(chan error, 30)
		start := make(chan struct{})
		for i, c := range conns {
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					slug := ""
					if i == 2 {
						slug = "acme" // the command, for one organization
					}
					_, err := models.Renewer{DB: c, Clock: clock}.RenewDue(ctx, asOf, slug)
					errs <- err
				}()
			}
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		for _, o := range orgs {
			if n := modeltest.MustCount(t, db, &models.Term{}, "org_id = ?", o.ID); n != 3 {
				t.Errorf("%s: %d terms, want 3", o.Slug, n)
			}
			// The demo's first invoice, then one renewal invoice per term.
			if n := modeltest.MustCount(t, db, &models.Invoice{}, "org_id = ?", o.ID); n != 4 {
				t.Errorf("%s: %d invoices, want 4", o.Slug, n)
			}
			for y := range 3 {
				if n := modeltest.MustCount(t, db, &models.Invoice{}, "org_id = ? AND issued_at = ?", o.ID, o.TermEnd.AddDate(y, 0, 0)); n != 1 {
					t.Errorf("%s: %d invoices for the term renewed on %s", o.Slug, n, o.TermEnd.AddDate(y, 0, 0).Format(time.DateOnly))
				}
			}
		}
		modeltest.CheckSeatInvariant(t, db)
	}
}
