package models

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// MaxSeatsPerPurchase bounds one purchase; larger orders go through sales.
const MaxSeatsPerPurchase = 10000

// MinEnterpriseSeats is R-PLAN-2: Enterprise plans have at least 20 seats in all.
const MinEnterpriseSeats = 20

// Billing is what Organization settings › Billing shows.
type Billing struct {
	Org         Organization // as it is now, after any change in this request
	Pools       []Allocation
	Invoices    []Invoice
	YearlyMinor int64 // total per year at the current allocation
}

// LoadBilling gathers the Billing page of the actor's organization.
func LoadBilling(ctx context.Context, db *gorm.DB, actor Actor) (Billing, error) {
	if err := actor.Check(ViewBilling); err != nil {
		return Billing{}, err
	}
	pools, err := Allocations(ctx, db, actor.Org.ID)
	if err != nil {
		return Billing{}, err
	}
	b := Billing{Pools: pools}
	if err := db.WithContext(ctx).Take(&b.Org, actor.Org.ID).Error; err != nil {
		return Billing{}, fmt.Errorf("load organization: %w", err)
	}
	for _, p := range pools {
		b.YearlyMinor += p.YearlyMinor()
	}
	err = db.WithContext(ctx).Where("org_id = ?", actor.Org.ID).Order("issued_at DESC, id DESC").Limit(100).Find(&b.Invoices).Error
	if err != nil {
		return Billing{}, fmt.Errorf("list invoices: %w", err)
	}
	return b, nil
}

// Quote is a reviewed purchase of seats: what the review shows and what
// Upgrade will charge.
type Quote struct {
	Token          string
	SeatTypeKey    string
	Quantity       int
	Current        int // seats of the type before
	New            int // seats of the type after
	PriceMinor     int64
	RemainingDays  int
	TermDays       int
	AmountMinor    int64 // prorated, due now
	NewYearlyMinor int64 // the organization's total per year after the purchase
	TermEnd        time.Time
	Currency       string
}

// ErrSalesAssisted refuses self-serve changes on a sales-assisted plan (R-PLAN-3).
var ErrSalesAssisted = Invalidf("", "billing.sales_assisted_refused", nil)

// checkSelfServe enforces ManageBilling and the self-serve rule.
func checkSelfServe(actor Actor) error {
	if err := actor.Check(ManageBilling); err != nil {
		return err
	}
	if actor.Org.SalesAssisted {
		return ErrSalesAssisted
	}
	return nil
}

// ValidateSeatCount checks a number of seats to add, from a form.
func ValidateSeatCount(n int) error {
	if n < 1 || n > MaxSeatsPerPurchase {
		return Invalidf("quantity", "billing.seats.quantity_range", map[string]any{"Max": MaxSeatsPerPurchase})
	}
	return nil
}

// Purpose is the change a quote is made for. A quote charged once answers
// its own change again (a double click) and refuses any other use, so that
// a spent quote never reports work that was not done.
type Purpose string

// PurposeSeats is a purchase of seats on Billing alone.
const PurposeSeats Purpose = "seats"

// PurposeWaitlist is buying the seats that admit everyone waiting for a type.
const PurposeWaitlist Purpose = "waitlist"

// PurposeAssign is buying a seat to assign it to one member.
func PurposeAssign(membershipID int64) Purpose {
	return Purpose(fmt.Sprintf("assign:%d", membershipID))
}

// PurposeInvite is buying a seat to invite one address.
func PurposeInvite(email string) Purpose { return Purpose("invite:" + NormalizeEmail(email)) }

// QuoteSeats prices adding n seats of a type today and records the quote that
// Upgrade must present (R-SEAT-2, R-SEAT-3), for one purpose.
func QuoteSeats(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, seatType string, n int, purpose Purpose) (Quote, error) {
	if err := checkSelfServe(actor); err != nil {
		return Quote{}, err
	}
	if err := ValidateSeatCount(n); err != nil {
		return Quote{}, err
	}
	pools, err := Allocations(ctx, db, actor.Org.ID)
	if err != nil {
		return Quote{}, err
	}
	q, err := price(actor.Org, pools, clock.Now(), seatType, n)
	if err != nil {
		return Quote{}, err
	}
	buf := make([]byte, 24)
	if _, err := rand.Read(buf); err != nil {
		return Quote{}, err
	}
	q.Token = base64.RawURLEncoding.EncodeToString(buf)
	row := SeatQuote{Token: q.Token, OrgID: actor.Org.ID, SeatTypeKey: seatType, Quantity: n, PriceMinor: q.PriceMinor,
		AmountMinor: q.AmountMinor, QuotedOn: Day(clock.Now()), CreatedBy: actor.UserID, Purpose: string(purpose)}
	if err := db.WithContext(ctx).Create(&row).Error; err != nil {
		return Quote{}, fmt.Errorf("record quote: %w", err)
	}
	return q, nil
}

// price computes a quote from the organization's pools at a moment.
func price(org Organization, pools []Allocation, now time.Time, seatType string, n int) (Quote, error) {
	var pool *Allocation
	total := 0
	var yearly int64
	for i := range pools {
		total += pools[i].Purchased
		yearly += pools[i].YearlyMinor()
		if pools[i].SeatTypeKey == seatType {
			pool = &pools[i]
		}
	}
	if pool == nil {
		return Quote{}, Invalidf("seat_type", "billing.seats.unknown_type", nil)
	}
	remaining := org.RemainingDays(now)
	if remaining < 1 || !now.Before(org.TermEnd) {
		return Quote{}, Invalidf("", "billing.seats.term_over", nil)
	}
	if total+n < MinEnterpriseSeats {
		return Quote{}, Invalidf("quantity", "billing.seats.minimum", map[string]any{"Min": MinEnterpriseSeats, "Need": MinEnterpriseSeats - total})
	}
	q := Quote{
		SeatTypeKey:   seatType,
		Quantity:      n,
		Current:       pool.Purchased,
		New:           pool.Purchased + n,
		PriceMinor:    pool.PriceMinor,
		RemainingDays: remaining,
		TermDays:      org.TermDays(),
		TermEnd:       org.TermEnd,
		Currency:      org.Currency,
	}
	q.AmountMinor = Prorate(n, pool.PriceMinor, remaining, q.TermDays)
	q.NewYearlyMinor = yearly + int64(n)*pool.PriceMinor*12
	return q, nil
}

// Purchase is the outcome of Upgrade.
type Purchase struct {
	Invoice  Invoice
	Repeat   bool // the quote had been charged already: nothing new happened
	Admitted int  // members waiting for a seat who got one of those bought
}

// PurchaseSeats charges a reviewed quote, once (R-SEAT-2, R-SEAT-4): the pool
// grows, the invoice is recorded and the change audited in one transaction.
// The quote must be for the same seat type and quantity, from today, and the
// price must not have changed; else the Owner is asked to review again. A
// quote made for another purpose is refused; one already charged for this
// purpose returns its invoice with Repeat set. then, when not nil, runs in
// the same transaction after the seats are added (used to assign or invite
// in the same step).
func PurchaseSeats(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, token, seatType string, n int, purpose Purpose, then func(tx *gorm.DB) error) (Purchase, error) {
	if err := checkSelfServe(actor); err != nil {
		return Purchase{}, err
	}
	if err := ValidateSeatCount(n); err != nil {
		return Purchase{}, err
	}
	var out Purchase
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		var quote SeatQuote
		err = tx.Where("token = ? AND org_id = ?", token, org.ID).Take(&quote).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Invalidf("", "billing.quote.unknown", nil)
		}
		if err != nil {
			return err
		}
		if quote.Purpose != string(purpose) {
			return Invalidf("", "billing.quote.other_change", nil)
		}
		if quote.InvoiceID != nil {
			out.Repeat = true
			return tx.Preload("Lines").Take(&out.Invoice, *quote.InvoiceID).Error
		}
		if quote.SeatTypeKey != seatType || quote.Quantity != n {
			return Invalidf("", "billing.quote.mismatch", nil)
		}
		now := clock.Now()
		if !Day(now).Equal(Day(quote.QuotedOn)) {
			return Invalidf("", "billing.quote.expired", nil)
		}
		pools, err := Allocations(ctx, tx, org.ID)
		if err != nil {
			return err
		}
		fresh, err := price(org, pools, now, seatType, n)
		if err != nil {
			return err
		}
		freeBefore := FindAllocation(pools, seatType).Available()
		if fresh.AmountMinor != quote.AmountMinor || fresh.PriceMinor != quote.PriceMinor {
			return Invalidf("", "billing.quote.changed", nil)
		}
		if err := addSeats(tx, org.ID, seatType, n); err != nil {
			return err
		}
		inv, err := addInvoice(tx, org, now, InvoiceLine{Kind: LineSeatPurchase, SeatTypeKey: seatType, Quantity: n,
			UnitPriceMinor: quote.PriceMinor, AmountMinor: quote.AmountMinor, PeriodStart: Day(now), PeriodEnd: org.TermEnd})
		if err != nil {
			return err
		}
		out.Invoice = inv
		if err := tx.Model(&quote).Update("invoice_id", inv.ID).Error; err != nil {
			return err
		}
		err = Audit(tx, actor, "seats.purchased", "seat_pool", inv.ID,
			map[string]any{"seat_type": seatType, "purchased": fresh.Current},
			map[string]any{"seat_type": seatType, "purchased": fresh.New, "invoice": inv.Number, "amount_minor": inv.TotalMinor, "currency": inv.Currency})
		if err != nil {
			return err
		}
		if then != nil {
			if err := then(tx); err != nil {
				return err
			}
		}
		// The seats bought and still free go to the members waiting for
		// them, in arrival order (R-PROV-3); seats that were free before the
		// purchase are not taken (the swap through Unassigned).
		after, err := allocations(tx, org.ID)
		if err != nil {
			return err
		}
		if a := FindAllocation(after, seatType); a != nil {
			out.Admitted, err = admitWaiting(tx, actor, seatType, min(n, a.Available()-freeBefore))
		}
		return err
	})
	if err != nil {
		return Purchase{}, err
	}
	return out, nil
}

// addInvoice records an invoice with one line; the organization's row lock
// makes its number the next one.
func addInvoice(tx *gorm.DB, org Organization, now time.Time, line InvoiceLine) (Invoice, error) {
	var count int64
	if err := tx.Model(&Invoice{}).Where("org_id = ?", org.ID).Count(&count).Error; err != nil {
		return Invoice{}, err
	}
	inv := Invoice{OrgID: org.ID, Number: InvoiceNumber(org.Slug, count+1), IssuedAt: now.UTC(), Currency: org.Currency,
		TotalMinor: line.AmountMinor, Lines: []InvoiceLine{line}}
	if err := tx.Create(&inv).Error; err != nil {
		return Invoice{}, fmt.Errorf("record invoice: %w", err)
	}
	return inv, nil
}

// InvoiceByNumber loads one invoice of the actor's organization with its lines.
func InvoiceByNumber(ctx context.Context, db *gorm.DB, actor Actor, number string) (Invoice, error) {
	if err := actor.Check(ViewBilling); err != nil {
		return Invoice{}, err
	}
	var inv Invoice
	err := db.WithContext(ctx).Preload("Lines").Where("org_id = ? AND number = ?", actor.Org.ID, number).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Invoice{}, ErrNotFound
	}
	return inv, err
}

// ScheduleReduction schedules a lower quantity of a seat type for the next
// renewal (R-SEAT-5); quantity equal to today's cancels the reduction. The
// plan keeps at least 20 seats in all.
func ScheduleReduction(ctx context.Context, db *gorm.DB, actor Actor, seatType string, quantity int) error {
	if err := checkSelfServe(actor); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		pools, err := Allocations(ctx, tx, org.ID)
		if err != nil {
			return err
		}
		var pool *Allocation
		total := 0
		for i := range pools {
			if pools[i].SeatTypeKey == seatType {
				pool = &pools[i]
				continue
			}
			total += renewalQuantity(pools[i].SeatPool)
		}
		if pool == nil {
			return Invalidf("seat_type", "billing.seats.unknown_type", nil)
		}
		if quantity < 0 || quantity > pool.Purchased {
			return Invalidf("quantity", "billing.reduction.range", map[string]any{"Max": pool.Purchased})
		}
		if total+quantity < MinEnterpriseSeats {
			return Invalidf("quantity", "billing.reduction.minimum", map[string]any{"Min": MinEnterpriseSeats})
		}
		var next *int
		if quantity < pool.Purchased {
			next = &quantity
		}
		before := pool.RenewalQuantity
		if err := tx.Model(&pool.SeatPool).Update("renewal_quantity", next).Error; err != nil {
			return err
		}
		return Audit(tx, actor, "seats.reduction_scheduled", "seat_pool", pool.ID,
			map[string]any{"seat_type": seatType, "renewal_quantity": before},
			map[string]any{"seat_type": seatType, "renewal_quantity": next})
	})
}

// CancelReduction drops a scheduled reduction.
func CancelReduction(ctx context.Context, db *gorm.DB, actor Actor, seatType string) error {
	if err := checkSelfServe(actor); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockOrg(tx, actor.Org.ID); err != nil {
			return err
		}
		var pool SeatPool
		err := tx.Where("org_id = ? AND seat_type_key = ?", actor.Org.ID, seatType).Take(&pool).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Invalidf("seat_type", "billing.seats.unknown_type", nil)
		}
		if err != nil {
			return err
		}
		if pool.RenewalQuantity == nil {
			return nil // already cancelled: a repeated form changes nothing
		}
		scheduled := *pool.RenewalQuantity
		if err := tx.Model(&pool).Update("renewal_quantity", nil).Error; err != nil {
			return err
		}
		return Audit(tx, actor, "seats.reduction_cancelled", "seat_pool", pool.ID,
			map[string]any{"seat_type": seatType, "renewal_quantity": scheduled},
			map[string]any{"seat_type": seatType, "renewal_quantity": nil})
	})
}

func renewalQuantity(p SeatPool) int {
	if p.RenewalQuantity != nil {
		return *p.RenewalQuantity
	}
	return p.Purchased
}

// SetCancellation schedules (cancel=true) or withdraws the plan's cancellation
// at the end of the term (R-LIFE-1). Repeating a request changes nothing.
func SetCancellation(ctx context.Context, db *gorm.DB, actor Actor, cancel bool) error {
	if err := checkSelfServe(actor); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		if org.CancelAtTermEnd == cancel {
			return nil
		}
		if err := tx.Model(&org).Update("cancel_at_term_end", cancel).Error; err != nil {
			return err
		}
		action := "plan.cancellation_scheduled"
		if !cancel {
			action = "plan.resumed"
		}
		return Audit(tx, actor, action, "organization", org.ID,
			map[string]any{"cancel_at_term_end": !cancel}, map[string]any{"cancel_at_term_end": cancel, "term_end": org.TermEnd})
	})
}

// MaxExtraUsageCapMinor bounds the monthly spend cap (10 million in major units).
const MaxExtraUsageCapMinor = 1_000_000_000

// SetExtraUsage turns extra usage on or off on a seat-based plan, with an
// optional monthly spend cap in minor units (R-PLAN-5).
func SetExtraUsage(ctx context.Context, db *gorm.DB, actor Actor, on bool, capMinor *int64) error {
	if err := actor.Check(ManageBilling); err != nil {
		return err
	}
	if actor.Org.PlanModel != PlanLegacySeat {
		return Invalidf("", "billing.extra_usage.not_available", nil)
	}
	if capMinor != nil && (*capMinor <= 0 || *capMinor > MaxExtraUsageCapMinor) {
		return Invalidf("cap", "billing.extra_usage.cap_range", nil)
	}
	if !on {
		capMinor = nil
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		before := map[string]any{"extra_usage": org.ExtraUsage, "cap_minor": org.ExtraUsageCapMinor}
		err = tx.Model(&Organization{}).Where("id = ?", org.ID).
			Updates(map[string]any{"extra_usage": on, "extra_usage_cap_minor": capMinor}).Error
		if err != nil {
			return err
		}
		return Audit(tx, actor, "plan.extra_usage_changed", "organization", org.ID, before,
			map[string]any{"extra_usage": on, "cap_minor": capMinor})
	})
}
