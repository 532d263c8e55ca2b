package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// The seat core: the only code that changes seat counters. Every path that
// takes, releases or buys seats (the Organization page, invitations,
// buy-and-assign, buy-and-invite, provisioning, renewal, the demo loader)
// goes through these primitives, inside a transaction that holds the
// organization's lock. A test checks that no other file updates the counters.

// Allocation is one seat type's allocation (R-SEAT-1): the pool and how its
// held seats split between members and pending invitations. The pool's
// Assigned counter is every seat held (members + reserved).
type Allocation struct {
	SeatPool
	Reserved int // held by pending invitations
}

// Members is the number of seats held by members.
func (a Allocation) Members() int { return a.Assigned - a.Reserved }

// FindAllocation returns the allocation of a seat type, or nil.
func FindAllocation(allocs []Allocation, seatType string) *Allocation {
	for i := range allocs {
		if allocs[i].SeatTypeKey == seatType {
			return &allocs[i]
		}
	}
	return nil
}

// Allocations reads the organization's allocation per seat type, lowest type
// first, in one statement: pools, their seat types, and the seats reserved by
// pending invitations.
func Allocations(ctx context.Context, db *gorm.DB, orgID int64) ([]Allocation, error) {
	return allocations(db.WithContext(ctx), orgID)
}

func allocations(tx *gorm.DB, orgID int64) ([]Allocation, error) {
	rows, err := hotQuery(tx, `SELECT seat_pools.id, seat_pools.org_id, seat_pools.seat_type_key, seat_pools.purchased,
  seat_pools.assigned, seat_pools.price_minor, seat_pools.renewal_quantity, seat_pools.created_at, seat_pools.updated_at,
  seat_types.plan_model, seat_types.rank, seat_types.chat, seat_types.claude_code, seat_types.cowork, seat_types.higher_limits,
  (SELECT COUNT(*) FROM invitations WHERE invitations.org_id = seat_pools.org_id AND invitations.status = ?
    AND invitations.seat_type_key = seat_pools.seat_type_key) AS reserved
FROM seat_pools JOIN seat_types ON seat_types.key = seat_pools.seat_type_key
WHERE seat_pools.org_id = ? ORDER BY seat_types.rank`, string(InvitePending), orgID)
	if err != nil {
		return nil, fmt.Errorf("read allocation: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := make([]Allocation, 0, 4)
	for rows.Next() {
		var a Allocation
		var renewal sql.NullInt64
		var created, updated hotTime
		st := &a.SeatType
		if err := rows.Scan(&a.ID, &a.OrgID, &a.SeatTypeKey, &a.Purchased, &a.Assigned, &a.PriceMinor, &renewal, &created,
			&updated, &st.PlanModel, &st.Rank, &st.Chat, &st.ClaudeCode, &st.Cowork, &st.HigherLimits, &a.Reserved); err != nil {
			return nil, fmt.Errorf("read allocation: %w", err)
		}
		if renewal.Valid {
			n := int(renewal.Int64)
			a.RenewalQuantity = &n
		}
		a.CreatedAt, a.UpdatedAt, st.Key = created.T, updated.T, a.SeatTypeKey
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read allocation: %w", err)
	}
	return out, nil
}

// lockOrg takes the organization's row lock for the transaction and returns
// the row as it is now. Every change to an organization's seats, members or
// billing takes it first, so that changes of one organization run one after
// the other and always lock rows in the same order (organization, then
// memberships, then seat pools): no deadlock, no lost update. On SQLite the
// transaction already holds the database's write lock (_txlock=immediate).
func lockOrg(tx *gorm.DB, orgID int64) (Organization, error) {
	q := `SELECT ` + orgColumns + ` FROM organizations WHERE id = ?`
	if tx.Dialector.Name() == "postgres" {
		q += " FOR UPDATE"
	}
	var scan orgScan
	err := hotRow(tx, q, orgID).Scan(scan.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return Organization{}, ErrNotFound
	}
	org, _ := scan.org()
	return org, err
}

// orgColumns are the organization's columns orgScan reads, in its order.
var orgColumns = orgColumnsOf("organizations")

func orgColumnsOf(table string) string {
	cols := []string{"id", "name", "slug", "plan_model", "sales_assisted", "term_start", "term_end", "currency",
		"extra_usage", "extra_usage_cap_minor", "cancel_at_term_end", "created_at", "updated_at", "ended_at",
		"waitlist_notified_at"}
	return table + "." + strings.Join(cols, ", "+table+".")
}

// orgScan reads an organization's columns (orgColumns), NULL when an outer
// join found none.
type orgScan struct {
	id, usageCap                                  sql.NullInt64
	name, slug, plan, currency                    sql.NullString
	sales, extra, cancel                          sql.NullBool
	start, end, created, updated, ended, notified hotTime
}

func (s *orgScan) dest() []any {
	return []any{&s.id, &s.name, &s.slug, &s.plan, &s.sales, &s.start, &s.end, &s.currency, &s.extra, &s.usageCap,
		&s.cancel, &s.created, &s.updated, &s.ended, &s.notified}
}

// org is the organization read, ok false when the columns were NULL.
func (s *orgScan) org() (Organization, bool) {
	o := Organization{ID: s.id.Int64, Name: s.name.String, Slug: s.slug.String, PlanModel: PlanModel(s.plan.String),
		SalesAssisted: s.sales.Bool, TermStart: s.start.T, TermEnd: s.end.T, Currency: s.currency.String,
		ExtraUsage: s.extra.Bool, CancelAtTermEnd: s.cancel.Bool, CreatedAt: s.created.T, UpdatedAt: s.updated.T,
		EndedAt: s.ended.ptr(), WaitlistNotifiedAt: s.notified.ptr()}
	if s.usageCap.Valid {
		o.ExtraUsageCapMinor = &s.usageCap.Int64
	}
	return o, s.id.Valid
}

// takeSeat holds one seat of a type, only if one is free: *NoSeat otherwise.
func takeSeat(tx *gorm.DB, orgID int64, seatType string) error {
	n, err := hotExec(tx, `UPDATE seat_pools SET assigned = assigned + 1, updated_at = ?
WHERE org_id = ? AND seat_type_key = ? AND assigned < purchased`, tx.NowFunc(), orgID, seatType)
	if err != nil {
		return err
	}
	if n != 1 {
		return &NoSeat{SeatType: seatType}
	}
	return nil
}

// releaseSeat gives one held seat of a type back.
func releaseSeat(tx *gorm.DB, orgID int64, seatType string) error {
	n, err := hotExec(tx, `UPDATE seat_pools SET assigned = assigned - 1, updated_at = ?
WHERE org_id = ? AND seat_type_key = ? AND assigned > 0`, tx.NowFunc(), orgID, seatType)
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("seat pool %s of org %d: nothing to release", seatType, orgID)
	}
	return nil
}

// takeSeats holds n seats of a type at once, only if n are free.
func takeSeats(tx *gorm.DB, orgID int64, seatType string, n int) error {
	res := tx.Model(&SeatPool{}).Where("org_id = ? AND seat_type_key = ? AND assigned + ? <= purchased", orgID, seatType, n).
		Update("assigned", gorm.Expr("assigned + ?", n))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return &NoSeat{SeatType: seatType}
	}
	return nil
}

// releaseSeats gives n held seats of a type back.
func releaseSeats(tx *gorm.DB, orgID int64, seatType string, n int) error {
	res := tx.Model(&SeatPool{}).Where("org_id = ? AND seat_type_key = ? AND assigned >= ?", orgID, seatType, n).
		Update("assigned", gorm.Expr("assigned - ?", n))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("seat pool %s of org %d: fewer than %d seats to release", seatType, orgID, n)
	}
	return nil
}

// addSeats grows a pool by n purchased seats.
func addSeats(tx *gorm.DB, orgID int64, seatType string, n int) error {
	res := tx.Model(&SeatPool{}).Where("org_id = ? AND seat_type_key = ?", orgID, seatType).
		Update("purchased", gorm.Expr("purchased + ?", n))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("seat pool %s of org %d vanished", seatType, orgID)
	}
	return nil
}

// createPool opens a pool with seats already held (the demo loader, a new
// organization): held never exceeds purchased.
func createPool(tx *gorm.DB, pool *SeatPool) error {
	if pool.Assigned < 0 || pool.Assigned > pool.Purchased {
		return fmt.Errorf("seat pool %s: %d held of %d", pool.SeatTypeKey, pool.Assigned, pool.Purchased)
	}
	return tx.Create(pool).Error
}

// placeMember moves a member (loaded under the organization's lock) to a seat
// type, or to Unassigned with "": the membership moves only from the seat it
// had when loaded (else *Stale), a seat of the new type is taken only if one
// is free (else *NoSeat), the old one is released. The member is then active
// and waits for nothing; source says who chose the seat. m is updated.
func placeMember(tx *gorm.DB, m *Membership, to string, source SeatSource) error {
	from := SeatOf(m.SeatTypeKey)
	q := `UPDATE memberships SET seat_type_key = ?, status = ?, waiting_for = NULL, waiting_since = NULL, seat_source = ?,
  updated_at = ? WHERE id = ? AND org_id = ? AND `
	args := []any{nullable(to), string(StatusActive), string(source), tx.NowFunc(), m.ID, m.OrgID}
	if from == "" {
		q += "seat_type_key IS NULL"
	} else {
		q += "seat_type_key = ?"
		args = append(args, from)
	}
	n, err := hotExec(tx, q, args...)
	if err != nil {
		return err
	}
	if n != 1 {
		return &Stale{Name: m.User.Name, Current: from}
	}
	if to != "" && to != from {
		if err := takeSeat(tx, m.OrgID, to); err != nil {
			return err
		}
	}
	if from != "" && from != to {
		if err := releaseSeat(tx, m.OrgID, from); err != nil {
			return err
		}
	}
	m.SeatTypeKey, m.Status, m.WaitingFor, m.WaitingSince, m.SeatSource = nullableKey(to), StatusActive, nil, nil, source
	return nil
}

// NewcomerSeat chooses the seat type of someone provisioned (R-PROV-3): the
// mapped type when a group mapping gives one; else the Enterprise seat; else,
// on legacy plans, the highest type with a free seat. ok is false when no
// seat of the chosen type is free; seatType is then the type to wait for
// ("" on a legacy plan without a mapping: the first seat of any type).
func NewcomerSeat(allocs []Allocation, mapped string) (seatType string, ok bool) {
	if mapped != "" {
		a := FindAllocation(allocs, mapped)
		return mapped, a != nil && a.Available() > 0
	}
	if a := FindAllocation(allocs, "enterprise"); a != nil {
		return a.SeatTypeKey, a.Available() > 0
	}
	for i := len(allocs) - 1; i >= 0; i-- { // highest rank first
		if allocs[i].Available() > 0 {
			return allocs[i].SeatTypeKey, true
		}
	}
	return "", false
}

// SeatOf is a seat type key as text: "" for Unassigned (nil).
func SeatOf(key *string) string {
	if key == nil {
		return ""
	}
	return *key
}

func nullableKey(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// setPurchased sets a pool's purchased quantity at renewal (R-SEAT-5): never
// below the seats held, so nobody loses a seat.
func setPurchased(tx *gorm.DB, orgID int64, seatType string, n int) error {
	res := tx.Model(&SeatPool{}).Where("org_id = ? AND seat_type_key = ? AND assigned <= ?", orgID, seatType, n).
		Updates(map[string]any{"purchased": n, "renewal_quantity": nil})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("seat pool %s of org %d: %d purchased would be fewer than the seats held", seatType, orgID, n)
	}
	return nil
}

// convertPools moves every seat and assignment of the from types into one
// new pool of type into (R-PLAN-4): into.Purchased and into.Assigned are the
// sums of the old pools', the members and pending invitations holding an old
// type now hold into, and the old pools are removed, all in the caller's
// transaction (which holds the organization's lock). Waiting members wait
// for into; members holding a seat while waiting for an old type a group
// mapping gave them hold into now, which is what the mapping gives, and wait
// no more.
func convertPools(tx *gorm.DB, orgID int64, from []string, into SeatPool) (SeatPool, error) {
	var old []SeatPool
	if err := tx.Where("org_id = ? AND seat_type_key IN ?", orgID, from).Find(&old).Error; err != nil {
		return SeatPool{}, err
	}
	into.OrgID, into.Purchased, into.Assigned = orgID, 0, 0
	for _, p := range old {
		into.Purchased += p.Purchased
		into.Assigned += p.Assigned
	}
	if err := tx.Where("org_id = ? AND seat_type_key IN ?", orgID, from).Delete(&SeatPool{}).Error; err != nil {
		return SeatPool{}, err
	}
	if err := createPool(tx, &into); err != nil {
		return SeatPool{}, err
	}
	key := into.SeatTypeKey
	steps := []*gorm.DB{
		tx.Model(&Membership{}).Where("org_id = ? AND seat_type_key IN ?", orgID, from).Update("seat_type_key", key),
		tx.Model(&Invitation{}).Where("org_id = ? AND status = ? AND seat_type_key IN ?", orgID, InvitePending, from).Update("seat_type_key", key),
		tx.Model(&Membership{}).Where("org_id = ? AND (waiting_for IN ? OR (waiting_for IS NULL AND status = ?))", orgID, from, StatusPending).
			Update("waiting_for", key),
		tx.Model(&Membership{}).Where("org_id = ? AND status <> ? AND seat_type_key = ? AND waiting_for = ?", orgID, StatusPending, key, key).
			Updates(map[string]any{"waiting_for": nil, "waiting_since": nil}),
	}
	for _, s := range steps {
		if s.Error != nil {
			return SeatPool{}, s.Error
		}
	}
	var held int64
	err := tx.Model(&Membership{}).Where("org_id = ? AND seat_type_key = ?", orgID, key).Count(&held).Error
	if err != nil {
		return SeatPool{}, err
	}
	var reserved int64
	err = tx.Model(&Invitation{}).Where("org_id = ? AND status = ? AND seat_type_key = ?", orgID, InvitePending, key).Count(&reserved).Error
	if err != nil {
		return SeatPool{}, err
	}
	if int(held+reserved) != into.Assigned {
		return SeatPool{}, fmt.Errorf("seat pools of org %d: %d seats held, %d counted", orgID, held+reserved, into.Assigned)
	}
	return into, nil
}
