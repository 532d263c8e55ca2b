package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The plan lifecycle (R-LIFE-2, R-SEAT-5, R-PLAN-4): at the end of a term the
// plan renews for one year (scheduled reductions apply, never below the
// seats in use nor below 20; legacy plans move to the Enterprise seat; the
// renewal invoice is recorded), or, cancelled, ends. Exactly once per
// organization and term: the renewal takes the organization's row lock and
// checks the term again, and the history row it writes has a unique index on
// (org_id, term_start), so two instances and the command racing renew a
// term once.

// TermOutcome is how a term finished.
type TermOutcome string

const (
	TermRenewed TermOutcome = "renewed" // a new term followed
	TermEnded   TermOutcome = "ended"   // the plan was cancelled and ended with it
)

// Term is one finished term of an organization's plan: the history Billing
// shows. Its unique index makes a renewal happen once per term.
type Term struct {
	ID            int64       `gorm:"primaryKey"`
	OrgID         int64       `gorm:"not null;uniqueIndex:idx_terms_org_start,priority:1"`
	TermStart     time.Time   `gorm:"not null;uniqueIndex:idx_terms_org_start,priority:2"`
	TermEnd       time.Time   `gorm:"not null"`
	PlanModel     PlanModel   `gorm:"size:32;not null"`
	Seats         int         `gorm:"not null"` // purchased at the end of the term, all types
	Outcome       TermOutcome `gorm:"size:16;not null"`
	NextSeats     int         `gorm:"not null;default:0"`            // Enterprise seats of the next term
	InvoiceNumber string      `gorm:"size:32;not null;default:''"`   // the renewal invoice
	Kept          string      `gorm:"type:text;not null;default:''"` // JSON KeptSeats, when a reduction was limited
	CreatedAt     time.Time
}

// RenewalReminder records a reminder sent to the Owners before a renewal,
// so that each is sent once.
type RenewalReminder struct {
	OrgID     int64     `gorm:"primaryKey;autoIncrement:false"`
	TermEnd   time.Time `gorm:"primaryKey"`
	Days      int       `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

// Owners are reminded of a renewal 30 days before it, and again 7 days before.
const (
	FirstReminderDays = 30
	LastReminderDays  = 7
)

// StatusPlanEnded is what NotActive says to members of an organization whose
// plan ended; it is no membership status of its own.
const StatusPlanEnded MemberStatus = "plan_ended"

// PlanEnded reports whether the organization's plan ended (cancelled, then
// its term ran out): its members have no access; its Owners still see
// Billing. Every access check asks this.
func PlanEnded(org Organization) bool { return org.EndedAt != nil }

// CheckPlanEnded refuses everything but Billing (and the organization's
// landing page) once the plan ended.
func CheckPlanEnded(actor Actor, p Permission) error {
	if !PlanEnded(actor.Org) || p == ViewBilling || p == OrgMember || !p.OrgScoped() {
		return nil
	}
	return &NotActive{Status: StatusPlanEnded, OrgName: actor.Org.Name}
}

// KeptSeats says that a scheduled reduction was limited at renewal: the
// Owner asked for Scheduled seats, renewal keeps Seats because InUse are
// held (assigned plus reserved), or because of the minimum of 20.
type KeptSeats struct {
	SeatType  string `json:"seat_type"`
	Scheduled int    `json:"scheduled"`
	Seats     int    `json:"seats"`
	InUse     int    `json:"in_use"`
	Minimum   bool   `json:"minimum,omitempty"` // the minimum of 20, not the seats in use, kept them
}

// LegacySeats is one legacy pool moving into the Enterprise seat.
type LegacySeats struct {
	SeatType   string
	Purchased  int
	InUse      int
	PriceMinor int64
}

// RenewalPlan is what renewal will do (the planner on Billing) and what it
// does: after renewal the plan has one seat type, the Enterprise seat.
type RenewalPlan struct {
	Date       time.Time // the renewal: the first day of the next term
	NewTermEnd time.Time // the first day after the next term
	Ends       bool      // cancelled: the plan ends on Date instead
	Ended      bool      // the plan ended already
	Legacy     []LegacySeats
	SeatType   string // the seat type after renewal
	Current    int    // seats purchased now, all types
	Scheduled  *int   // the reduction scheduled, all types
	InUse      int    // seats held now (assigned plus reserved)
	Seats      int    // seats after renewal
	Kept       *KeptSeats
	PriceMinor int64 // per seat per month after renewal
	// NoPrice: the price list has no Enterprise price in the currency; the
	// renewal of a legacy plan waits for one (see PriceListCurrencies).
	NoPrice     bool
	AmountMinor int64 // the renewal invoice
	Currency    string
}

// PlanRenewal computes the renewal of an organization from its allocation.
func PlanRenewal(org Organization, pools []Allocation) RenewalPlan {
	p := RenewalPlan{Date: org.TermEnd, NewTermEnd: nextTermEnd(org.TermEnd), Ends: org.CancelAtTermEnd, Ended: PlanEnded(org),
		SeatType: "enterprise", Currency: org.Currency}
	scheduled, reduced := 0, false
	for _, a := range pools {
		p.Current += a.Purchased
		p.InUse += a.Assigned
		scheduled += renewalQuantity(a.SeatPool)
		reduced = reduced || a.RenewalQuantity != nil
		if a.SeatType.PlanModel != PlanEnterprise && a.SeatTypeKey != "enterprise" {
			p.Legacy = append(p.Legacy, LegacySeats{SeatType: a.SeatTypeKey, Purchased: a.Purchased, InUse: a.Assigned, PriceMinor: a.PriceMinor})
		} else {
			p.PriceMinor = a.PriceMinor
		}
	}
	if len(p.Legacy) > 0 {
		price, ok := EnterpriseSeatPrice(org.Currency)
		p.PriceMinor, p.NoPrice = price, !ok
	}
	p.Seats = p.Current
	if reduced {
		p.Scheduled = &scheduled
		p.Seats = scheduled
	}
	p.Seats = max(p.Seats, p.InUse, MinEnterpriseSeats)
	if reduced && p.Seats > scheduled {
		p.Kept = &KeptSeats{SeatType: p.SeatType, Scheduled: scheduled, Seats: p.Seats, InUse: p.InUse, Minimum: p.InUse < p.Seats}
	}
	p.AmountMinor = int64(p.Seats) * p.PriceMinor * 12
	return p
}

// nextTermEnd is one year after a renewal date. A term starting on 29
// February ends on 1 March of the next year (Go's date normalisation).
func nextTermEnd(start time.Time) time.Time { return Day(start).AddDate(1, 0, 0) }

// Renewal is the lifecycle part of Billing: the planner and the history of terms.
type Renewal struct {
	Plan  RenewalPlan
	Terms []Term // finished terms, newest first
}

// LoadRenewal gathers the renewal planner and the term history of the
// actor's organization.
func LoadRenewal(ctx context.Context, db *gorm.DB, actor Actor) (Renewal, error) {
	if err := actor.Check(ViewBilling); err != nil {
		return Renewal{}, err
	}
	var org Organization
	if err := db.WithContext(ctx).Take(&org, actor.Org.ID).Error; err != nil {
		return Renewal{}, fmt.Errorf("load organization: %w", err)
	}
	pools, err := Allocations(ctx, db, org.ID)
	if err != nil {
		return Renewal{}, err
	}
	out := Renewal{Plan: PlanRenewal(org, pools)}
	err = db.WithContext(ctx).Where("org_id = ?", org.ID).Order("term_start DESC").Limit(50).Find(&out.Terms).Error
	if err != nil {
		return Renewal{}, fmt.Errorf("list terms: %w", err)
	}
	return out, nil
}

// KeptOf decodes a term's KeptSeats, or nil.
func (t Term) KeptOf() *KeptSeats {
	if t.Kept == "" {
		return nil
	}
	var k KeptSeats
	if json.Unmarshal([]byte(t.Kept), &k) != nil {
		return nil
	}
	return &k
}

// RenewalNoticeKind says which email an Owner gets.
type RenewalNoticeKind string

const (
	NoticeReminder RenewalNoticeKind = "reminder" // 30 or 7 days before renewal
	NoticeRenewed  RenewalNoticeKind = "renewed"  // the plan renewed
	NoticeEnded    RenewalNoticeKind = "ended"    // the cancelled plan ended
)

// RenewalNotice is what an Owner is told about a renewal.
type RenewalNotice struct {
	Kind    RenewalNoticeKind
	Days    int // reminders: days before the renewal
	Plan    RenewalPlan
	Invoice string // renewed: the renewal invoice's number
}

// RenewalComposer writes a renewal email to an Owner, in the Owner's language.
type RenewalComposer func(owner User, org Organization, n RenewalNotice) Mail

// Renewer runs renewals and reminders: the server's periodic check and
// `seatdesk renew` both use it.
type Renewer struct {
	DB      *gorm.DB
	Clock   Clock
	Compose RenewalComposer
}

// RenewalResult is one term renewed or ended, with the emails it queued
// (to send after the commit).
type RenewalResult struct {
	Org   Organization // as it was before
	Term  Term
	Plan  RenewalPlan
	Mails []OutboxMessage
}

// RenewDue renews every term (of the organization with slug, or of all) that
// has ended as of asOf: a date before today is refused. A term already
// renewed by someone else is skipped, so running it twice changes nothing.
// Organizations are handled one transaction per term; an error stops at the
// organization it happened to, after the others.
func (r Renewer) RenewDue(ctx context.Context, asOf time.Time, slug string) ([]RenewalResult, error) {
	asOf = Day(asOf)
	if asOf.Before(Day(r.Clock.Now())) {
		return nil, Invalidf("as_of", "renewal.as_of_past", nil)
	}
	q := r.DB.WithContext(ctx).Model(&Organization{}).Where("ended_at IS NULL AND term_end <= ?", asOf)
	if slug != "" {
		org, err := OrgBySlug(ctx, r.DB, slug)
		if err != nil {
			return nil, err
		}
		q = q.Where("id = ?", org.ID)
	}
	var ids []int64
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("find renewals due: %w", err)
	}
	var out []RenewalResult
	var errs []error
	for _, id := range ids {
		res, err := r.renewOrg(ctx, id, asOf)
		out = append(out, res...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// renewOrg renews the organization's terms ended as of asOf, one term per
// transaction (a server stopped for more than a year catches up).
func (r Renewer) renewOrg(ctx context.Context, orgID int64, asOf time.Time) ([]RenewalResult, error) {
	var out []RenewalResult
	for range 100 {
		var res *RenewalResult
		err := r.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			org, err := lockOrg(tx, orgID)
			if err != nil {
				return err
			}
			if PlanEnded(org) || org.TermEnd.After(asOf) {
				return nil // not due, or done meanwhile by another instance
			}
			res, err = r.renewTerm(tx, org)
			return err
		})
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return out, nil // another instance recorded this term first
		}
		if err != nil {
			return out, fmt.Errorf("renew organization %d: %w", orgID, err)
		}
		if res == nil {
			return out, nil
		}
		out = append(out, *res)
	}
	return out, nil
}

// renewTerm finishes the organization's current term, under its lock.
func (r Renewer) renewTerm(tx *gorm.DB, org Organization) (*RenewalResult, error) {
	actor := SystemActor(org, "renewal")
	pools, err := allocations(tx, org.ID)
	if err != nil {
		return nil, err
	}
	plan := PlanRenewal(org, pools)
	term := Term{OrgID: org.ID, TermStart: org.TermStart, TermEnd: org.TermEnd, PlanModel: org.PlanModel, Seats: plan.Current,
		Outcome: TermRenewed}
	if org.CancelAtTermEnd {
		term.Outcome = TermEnded
	}
	// The history row first: its unique index refuses a second renewal of
	// the term whatever got past the lock.
	if err := tx.Create(&term).Error; err != nil {
		return nil, err
	}
	res := &RenewalResult{Org: org, Plan: plan}
	notice := RenewalNotice{Kind: NoticeRenewed, Plan: plan}
	if org.CancelAtTermEnd {
		ended := org.TermEnd
		if err := tx.Model(&Organization{}).Where("id = ?", org.ID).Update("ended_at", ended).Error; err != nil {
			return nil, err
		}
		err := Audit(tx, actor, "plan.ended", "organization", org.ID,
			map[string]any{"term_start": org.TermStart, "term_end": org.TermEnd, "cancel_at_term_end": true},
			map[string]any{"ended_at": ended, "members_access": false, "seats": plan.Current})
		if err != nil {
			return nil, err
		}
		notice.Kind = NoticeEnded
	} else {
		if len(plan.Legacy) > 0 {
			if _, err := migrateTx(tx, actor, org, pools, "renewal"); err != nil {
				return nil, err
			}
		}
		if err := setPurchased(tx, org.ID, plan.SeatType, plan.Seats); err != nil {
			return nil, err
		}
		err := Audit(tx, actor, "seats.renewed", "organization", org.ID,
			map[string]any{"seats": plan.Current, "scheduled": plan.Scheduled, "in_use": plan.InUse},
			map[string]any{"seat_type": plan.SeatType, "seats": plan.Seats, "kept": plan.Kept})
		if err != nil {
			return nil, err
		}
		line := InvoiceLine{Kind: LineSubscription, SeatTypeKey: plan.SeatType, Quantity: plan.Seats, UnitPriceMinor: plan.PriceMinor,
			AmountMinor: plan.AmountMinor, PeriodStart: plan.Date, PeriodEnd: plan.NewTermEnd}
		inv, err := addInvoice(tx, org, plan.Date, line)
		if err != nil {
			return nil, err
		}
		err = Audit(tx, actor, "invoice.renewal", "invoice", inv.ID, nil,
			map[string]any{"invoice": inv.Number, "amount_minor": inv.TotalMinor, "currency": inv.Currency, "seats": plan.Seats,
				"period_start": plan.Date, "period_end": plan.NewTermEnd})
		if err != nil {
			return nil, err
		}
		err = tx.Model(&Organization{}).Where("id = ?", org.ID).
			Updates(map[string]any{"term_start": plan.Date, "term_end": plan.NewTermEnd}).Error
		if err != nil {
			return nil, err
		}
		err = Audit(tx, actor, "plan.renewed", "organization", org.ID,
			map[string]any{"term_start": org.TermStart, "term_end": org.TermEnd},
			map[string]any{"term_start": plan.Date, "term_end": plan.NewTermEnd, "invoice": inv.Number})
		if err != nil {
			return nil, err
		}
		term.NextSeats, term.InvoiceNumber = plan.Seats, inv.Number
		if plan.Kept != nil {
			b, err := json.Marshal(plan.Kept)
			if err != nil {
				return nil, err
			}
			term.Kept = string(b)
		}
		err = tx.Model(&term).Updates(map[string]any{"next_seats": term.NextSeats, "invoice_number": term.InvoiceNumber, "kept": term.Kept}).Error
		if err != nil {
			return nil, err
		}
		notice.Invoice = inv.Number
	}
	res.Term = term
	res.Mails, err = r.tellOwners(tx, org, notice)
	return res, err
}

// tellOwners queues one email per active Owner, in the Owner's language.
func (r Renewer) tellOwners(tx *gorm.DB, org Organization, n RenewalNotice) ([]OutboxMessage, error) {
	if r.Compose == nil {
		return nil, nil
	}
	var owners []Membership
	err := tx.Joins("User").Where("memberships.org_id = ? AND memberships.role IN ? AND memberships.status = ?",
		org.ID, []Role{RolePrimaryOwner, RoleOwner}, StatusActive).Order("memberships.id").Find(&owners).Error
	if err != nil {
		return nil, err
	}
	var out []OutboxMessage
	for _, o := range owners {
		msg, err := queueMail(tx, org.ID, r.Compose(o.User, org, n))
		if err != nil {
			return nil, err
		}
		out = append(out, msg)
	}
	return out, nil
}

// SendReminders reminds the Owners of every plan renewing (or ending) in 30
// days or fewer, and again in 7 days or fewer: each reminder once per term,
// whichever instance sends it. It returns the emails queued.
func (r Renewer) SendReminders(ctx context.Context) ([]OutboxMessage, error) {
	today := Day(r.Clock.Now())
	var ids []int64
	err := r.DB.WithContext(ctx).Model(&Organization{}).
		Where("ended_at IS NULL AND term_end > ? AND term_end <= ?", today, today.AddDate(0, 0, FirstReminderDays)).
		Order("id").Pluck("id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("find reminders due: %w", err)
	}
	var out []OutboxMessage
	for _, id := range ids {
		err := r.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			org, err := lockOrg(tx, id)
			if err != nil {
				return err
			}
			days := DaysBetween(today, org.TermEnd)
			if PlanEnded(org) || days <= 0 || days > FirstReminderDays {
				return nil
			}
			which := FirstReminderDays
			if days <= LastReminderDays {
				which = LastReminderDays
			}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&RenewalReminder{OrgID: org.ID, TermEnd: org.TermEnd, Days: which})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return nil // sent already
			}
			pools, err := allocations(tx, org.ID)
			if err != nil {
				return err
			}
			plan := PlanRenewal(org, pools)
			mails, err := r.tellOwners(tx, org, RenewalNotice{Kind: NoticeReminder, Days: days, Plan: plan})
			if err != nil {
				return err
			}
			out = append(out, mails...)
			return Audit(tx, SystemActor(org, "renewal"), "renewal.reminder_sent", "organization", org.ID, nil,
				map[string]any{"reminder_days": which, "days_left": days, "renewal": org.TermEnd, "owners": len(mails), "ends": plan.Ends})
		})
		if err != nil {
			return out, fmt.Errorf("renewal reminder of organization %d: %w", id, err)
		}
	}
	return out, nil
}

// MigrateResult is a legacy plan moved to the Enterprise seat.
type MigrateResult struct {
	From []LegacySeats
	Pool SeatPool
}

// MigratePlan moves a legacy plan to the Enterprise seat before its renewal
// (R-PLAN-4, the operator's "contact sales" path), exactly as renewal would:
// seats, assignments, reservations, waiting members and group mappings move
// to the Enterprise seat, extra usage ends. The rest of the current term is
// not charged again nor credited: the price list's price applies from now
// on the page and from the renewal invoice on.
func MigratePlan(ctx context.Context, db *gorm.DB, actor Actor) (MigrateResult, error) {
	if actor.Kind != ActorSystem {
		return MigrateResult{}, &Forbidden{Need: RolePrimaryOwner}
	}
	var out MigrateResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		if PlanEnded(org) {
			return Invalidf("", "plan.migrate.ended", nil)
		}
		pools, err := allocations(tx, org.ID)
		if err != nil {
			return err
		}
		out.From = PlanRenewal(org, pools).Legacy
		if org.PlanModel == PlanEnterprise || len(out.From) == 0 {
			return Invalidf("", "plan.migrate.already", nil)
		}
		out.Pool, err = migrateTx(tx, actor, org, pools, "early")
		return err
	})
	return out, err
}

// migrateTx moves the legacy pools into the Enterprise seat, under the
// organization's lock.
func migrateTx(tx *gorm.DB, actor Actor, org Organization, pools []Allocation, when string) (SeatPool, error) {
	price, ok := EnterpriseSeatPrice(org.Currency)
	if !ok {
		return SeatPool{}, Invalidf("", "plan.migrate.no_price", map[string]any{"Currency": org.Currency})
	}
	var from []string
	scheduled, reduced := 0, false
	before := map[string]any{"plan_model": org.PlanModel, "extra_usage": org.ExtraUsage, "extra_usage_cap_minor": org.ExtraUsageCapMinor}
	legacy := []map[string]any{}
	for _, p := range pools {
		if p.SeatTypeKey == "enterprise" {
			continue
		}
		from = append(from, p.SeatTypeKey)
		scheduled += renewalQuantity(p.SeatPool)
		reduced = reduced || p.RenewalQuantity != nil
		legacy = append(legacy, map[string]any{"seat_type": p.SeatTypeKey, "purchased": p.Purchased, "in_use": p.Assigned,
			"price_minor": p.PriceMinor, "renewal_quantity": p.RenewalQuantity})
	}
	before["pools"] = legacy
	into := SeatPool{SeatTypeKey: "enterprise", PriceMinor: price}
	if reduced {
		into.RenewalQuantity = &scheduled
	}
	pool, err := convertPools(tx, org.ID, from, into)
	if err != nil {
		return SeatPool{}, err
	}
	var mapped int64
	if len(from) > 0 {
		res := tx.Model(&GroupMapping{}).Where("org_id = ? AND seat_type_key IN ?", org.ID, from).Update("seat_type_key", pool.SeatTypeKey)
		if res.Error != nil {
			return SeatPool{}, res.Error
		}
		mapped = res.RowsAffected
	}
	err = tx.Model(&Organization{}).Where("id = ?", org.ID).
		Updates(map[string]any{"plan_model": PlanEnterprise, "extra_usage": false, "extra_usage_cap_minor": nil}).Error
	if err != nil {
		return SeatPool{}, err
	}
	return pool, Audit(tx, actor, "plan.migrated", "organization", org.ID, before,
		map[string]any{"plan_model": PlanEnterprise, "when": when, "extra_usage": false, "group_mappings_moved": mapped,
			"pools": []map[string]any{{"seat_type": pool.SeatTypeKey, "purchased": pool.Purchased, "in_use": pool.Assigned,
				"price_minor": pool.PriceMinor, "renewal_quantity": pool.RenewalQuantity}}})
}
