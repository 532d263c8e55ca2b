package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// demo loads the demo data at today and returns a clock at 10:00 UTC today.
func demo(t *testing.T, db *gorm.DB) modeltest.FixedClock {
	t.Helper()
	clock := modeltest.FixedClock{T: today.Add(10 * time.Hour)}
	modeltest.LoadDemo(t, db, clock, "pw")
	return clock
}

func actor(t *testing.T, db *gorm.DB, email, slug string) models.Actor {
	t.Helper()
	var u models.User
	if err := db.Take(&u, "email = ?", email).Error; err != nil {
		t.Fatal(err)
	}
	a, err := models.ActorFor(context.Background(), db, u, slug)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func pool(t *testing.T, db *gorm.DB, slug, seatType string) models.SeatPool {
	t.Helper()
	var p models.SeatPool
	err := db.Joins("JOIN organizations ON organizations.id = seat_pools.org_id").
		Where("organizations.slug = ? AND seat_pools.seat_type_key = ?", slug, seatType).Take(&p).Error
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func invalidKey(err error) string {
	var inv *models.Invalid
	if errors.As(err, &inv) {
		return inv.Key
	}
	return ""
}

func TestPurchaseSeats(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@acme.example", "acme")

		q, err := models.QuoteSeats(ctx, db, clock, owner, "enterprise", 5, models.PurposeSeats)
		if err != nil {
			t.Fatal(err)
		}
		// The demo term started 100 days ago and lasts a year: 265 of 365 days remain.
		if q.Current != 25 || q.New != 30 || q.RemainingDays != 265 || q.TermDays != 365 || q.PriceMinor != 6000 {
			t.Fatalf("quote = %+v", q)
		}
		if want := models.Prorate(5, 6000, 265, 365); q.AmountMinor != want || want != 261370 {
			t.Fatalf("amount = %d, want %d (= 261370)", q.AmountMinor, want)
		}
		if q.NewYearlyMinor != 30*6000*12 {
			t.Fatalf("new yearly = %d", q.NewYearlyMinor)
		}
		// Nothing happens at review.
		if p := pool(t, db, "acme", "enterprise"); p.Purchased != 25 {
			t.Fatalf("review bought seats: %d", p.Purchased)
		}

		// A quote for another count or type, or from another day, is refused.
		if _, err := models.PurchaseSeats(ctx, db, clock, owner, q.Token, "enterprise", 6, models.PurposeSeats, nil); invalidKey(err) != "billing.quote.mismatch" {
			t.Fatalf("other count: %v", err)
		}
		tomorrow := modeltest.FixedClock{T: clock.T.Add(24 * time.Hour)}
		if _, err := models.PurchaseSeats(ctx, db, tomorrow, owner, q.Token, "enterprise", 5, models.PurposeSeats, nil); invalidKey(err) != "billing.quote.expired" {
			t.Fatalf("tomorrow: %v", err)
		}
		if _, err := models.PurchaseSeats(ctx, db, clock, owner, q.Token+"x", "enterprise", 5, models.PurposeSeats, nil); invalidKey(err) != "billing.quote.unknown" {
			t.Fatalf("tampered token: %v", err)
		}
		admin := actor(t, db, "admin@acme.example", "acme")
		var forbidden *models.Forbidden
		if _, err := models.PurchaseSeats(ctx, db, clock, admin, q.Token, "enterprise", 5, models.PurposeSeats, nil); !errors.As(err, &forbidden) || forbidden.Need != models.RoleOwner {
			t.Fatalf("admin: %v", err)
		}
		// Another organization's Owner cannot use the token.
		other := actor(t, db, "owner@bottega.example", "bottega")
		if _, err := models.PurchaseSeats(ctx, db, clock, other, q.Token, "enterprise", 5, models.PurposeSeats, nil); invalidKey(err) != "billing.quote.unknown" {
			t.Fatalf("other org: %v", err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Purchased != 25 {
			t.Fatalf("a refused upgrade changed the pool: %d", p.Purchased)
		}

		got, err := models.PurchaseSeats(ctx, db, clock, owner, q.Token, "enterprise", 5, models.PurposeSeats, nil)
		if err != nil || got.Repeat {
			t.Fatalf("upgrade: %v %+v", err, got)
		}
		if got.Invoice.TotalMinor != q.AmountMinor || got.Invoice.Number != "ACME-00002" || len(got.Invoice.Lines) != 1 {
			t.Fatalf("invoice = %+v", got.Invoice)
		}
		if l := got.Invoice.Lines[0]; l.Quantity != 5 || l.UnitPriceMinor != 6000 || l.Kind != models.LineSeatPurchase || !l.PeriodEnd.Equal(q.TermEnd) {
			t.Fatalf("line = %+v", l)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Purchased != 30 || p.Assigned != 21 {
			t.Fatalf("pool = %+v", p)
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action = ?", "seats.purchased"); n != 1 {
			t.Fatalf("%d audit events", n)
		}
		// Again with the same quote: same invoice, nothing charged.
		again, err := models.PurchaseSeats(ctx, db, clock, owner, q.Token, "enterprise", 5, models.PurposeSeats, nil)
		if err != nil || !again.Repeat || again.Invoice.ID != got.Invoice.ID {
			t.Fatalf("repeat: %v %+v", err, again)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Purchased != 30 {
			t.Fatalf("the repeat bought seats: %d", p.Purchased)
		}
		// An old quote priced before the purchase no longer matches the yearly total
		// but still charges the same prorated amount: it is accepted once.
	})
}

func TestQuoteBadInput(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@bottega.example", "bottega")
		for _, c := range []struct {
			seat string
			n    int
			key  string
		}{
			{"chat_code", 0, "billing.seats.quantity_range"},
			{"chat_code", -3, "billing.seats.quantity_range"},
			{"chat_code", models.MaxSeatsPerPurchase + 1, "billing.seats.quantity_range"},
			{"enterprise", 1, "billing.seats.unknown_type"},
			{"premium", 1, "billing.seats.unknown_type"},
		} {
			if _, err := models.QuoteSeats(ctx, db, clock, owner, c.seat, c.n, models.PurposeSeats); invalidKey(err) != c.key {
				t.Errorf("%s × %d: %v, want %s", c.seat, c.n, err, c.key)
			}
		}
		if _, err := models.QuoteSeats(ctx, db, clock, owner, "chat_code", models.MaxSeatsPerPurchase, models.PurposeSeats); err != nil {
			t.Errorf("the maximum is refused: %v", err)
		}
		maison := actor(t, db, "primary@maison.example", "maison")
		if _, err := models.QuoteSeats(ctx, db, clock, maison, "premium", 1, models.PurposeSeats); invalidKey(err) != "billing.sales_assisted_refused" {
			t.Errorf("sales-assisted: %v", err)
		}
		if err := models.ScheduleReduction(ctx, db, maison, "premium", 5); invalidKey(err) != "billing.sales_assisted_refused" {
			t.Errorf("sales-assisted reduction: %v", err)
		}
		if err := models.SetCancellation(ctx, db, maison, true); invalidKey(err) != "billing.sales_assisted_refused" {
			t.Errorf("sales-assisted cancel: %v", err)
		}
		after := modeltest.FixedClock{T: today.AddDate(1, 0, 0)}
		if _, err := models.QuoteSeats(ctx, db, after, owner, "chat_code", 1, models.PurposeSeats); invalidKey(err) != "billing.seats.term_over" {
			t.Errorf("after the term: %v", err)
		}
	})
}

// TestConcurrentUpgradesChargeOnce fires 10 Upgrades with one quote at once.
func TestConcurrentUpgradesChargeOnce(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "primary@bottega.example", "bottega")
		q, err := models.QuoteSeats(ctx, db, clock, owner, "chat_code", 3, models.PurposeSeats)
		if err != nil {
			t.Fatal(err)
		}
		before := modeltest.MustCount(t, db, &models.Invoice{}, "")
		var wg sync.WaitGroup
		results := make([]models.Purchase, 10)
		errs := make([]error, 10)
		start := make(chan struct{})
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i], errs[i] = models.PurchaseSeats(ctx, db, clock, owner, q.Token, "chat_code", 3, models.PurposeSeats, nil)
			}()
		}
		close(start)
		wg.Wait()
		fresh := 0
		for i := range 10 {
			if errs[i] != nil {
				t.Fatalf("upgrade %d: %v", i, errs[i])
			}
			if !results[i].Repeat {
				fresh++
			}
			if results[i].Invoice.ID != results[0].Invoice.ID {
				t.Fatalf("two invoices: %d and %d", results[i].Invoice.ID, results[0].Invoice.ID)
			}
		}
		if fresh != 1 {
			t.Fatalf("%d upgrades charged, want 1", fresh)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, ""); n != before+1 {
			t.Fatalf("%d new invoices, want 1", n-before)
		}
		if p := pool(t, db, "bottega", "chat_code"); p.Purchased != 13 {
			t.Fatalf("purchased = %d, want 13", p.Purchased)
		}
	})
}

func TestReductionsCancellationExtraUsage(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		owner := actor(t, db, "owner@acme.example", "acme")
		if err := models.ScheduleReduction(ctx, db, owner, "enterprise", 19); invalidKey(err) != "billing.reduction.minimum" {
			t.Fatalf("below 20: %v", err)
		}
		if err := models.ScheduleReduction(ctx, db, owner, "enterprise", 26); invalidKey(err) != "billing.reduction.range" {
			t.Fatalf("above purchased: %v", err)
		}
		if err := models.ScheduleReduction(ctx, db, owner, "enterprise", 20); err != nil {
			t.Fatal(err)
		}
		p := pool(t, db, "acme", "enterprise")
		if p.Purchased != 25 || p.RenewalQuantity == nil || *p.RenewalQuantity != 20 {
			t.Fatalf("pool = %+v", p)
		}
		if err := models.CancelReduction(ctx, db, owner, "enterprise"); err != nil {
			t.Fatal(err)
		}
		if err := models.CancelReduction(ctx, db, owner, "enterprise"); err != nil {
			t.Fatalf("repeated cancel: %v", err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.RenewalQuantity != nil {
			t.Fatal("the reduction is still scheduled")
		}
		// Two seat types: the minimum counts all of them.
		bottega := actor(t, db, "owner@bottega.example", "bottega")
		if err := models.ScheduleReduction(ctx, db, bottega, "chat", 10); err != nil {
			t.Fatal(err)
		}
		if err := models.ScheduleReduction(ctx, db, bottega, "chat_code", 9); invalidKey(err) != "billing.reduction.minimum" {
			t.Fatalf("10 + 9 < 20: %v", err)
		}

		if err := models.SetCancellation(ctx, db, owner, true); err != nil {
			t.Fatal(err)
		}
		if err := models.SetCancellation(ctx, db, owner, true); err != nil {
			t.Fatal(err)
		}
		var org models.Organization
		db.Take(&org, "slug = 'acme'")
		if !org.CancelAtTermEnd {
			t.Fatal("not cancelled")
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action = ?", "plan.cancellation_scheduled"); n != 1 {
			t.Fatalf("%d audit events for one cancellation", n)
		}
		if err := models.SetCancellation(ctx, db, owner, false); err != nil {
			t.Fatal(err)
		}
		db.Take(&org, "slug = 'acme'")
		if org.CancelAtTermEnd {
			t.Fatal("not resumed")
		}

		if err := models.SetExtraUsage(ctx, db, owner, true, nil); invalidKey(err) != "billing.extra_usage.not_available" {
			t.Fatalf("extra usage on a usage-based plan: %v", err)
		}
		maison := actor(t, db, "owner@maison.example", "maison")
		capMinor := int64(50000)
		if err := models.SetExtraUsage(ctx, db, maison, true, &capMinor); err != nil {
			t.Fatal(err)
		}
		org = models.Organization{}
		db.Take(&org, "slug = 'maison'")
		if !org.ExtraUsage || org.ExtraUsageCapMinor == nil || *org.ExtraUsageCapMinor != 50000 {
			t.Fatalf("extra usage = %v %v", org.ExtraUsage, org.ExtraUsageCapMinor)
		}
		zero := int64(0)
		if err := models.SetExtraUsage(ctx, db, maison, true, &zero); invalidKey(err) != "billing.extra_usage.cap_range" {
			t.Fatalf("zero cap: %v", err)
		}
		if err := models.SetExtraUsage(ctx, db, maison, false, nil); err != nil {
			t.Fatal(err)
		}
		db.Take(&org, "slug = 'maison'")
		if org.ExtraUsage || org.ExtraUsageCapMinor != nil {
			t.Fatal("extra usage still on")
		}
		admin := actor(t, db, "admin@maison.example", "maison")
		var forbidden *models.Forbidden
		if err := models.SetExtraUsage(ctx, db, admin, true, nil); !errors.As(err, &forbidden) {
			t.Fatalf("admin: %v", err)
		}
	})
}
