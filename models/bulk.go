package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Bulk work on the Organization page: a seat type, Unassigned or removal for
// many members in one confirmed step. A change is planned first (what
// happens to each member, what is skipped and why, how many seats it needs),
// shown to the person, then applied in one transaction under the
// organization's lock, exactly as planned: the plan's token binds the
// confirmation (and any purchase made for it) to that plan. Members the
// actor may not change (MemberRule) are reported and skipped; the others
// change, with guarded seat counters, so that no interleaving oversells.

// MaxBulkMembers bounds one bulk change ("every member matching").
const MaxBulkMembers = 10000

// BulkAction is what a bulk change does to each member.
type BulkAction string

const (
	BulkSetSeat BulkAction = "set_seat" // a seat type, or Unassigned with To ""
	BulkRemove  BulkAction = "remove"   // out of the organization
)

// BulkChange is a bulk change as asked: the members selected (by id, or
// every member matching a filter) and what to do to them.
type BulkChange struct {
	IDs    []int64      // the members selected, when not All
	All    bool         // every member matching Filter
	Filter MemberFilter // for All (its Page is ignored)
	Action BulkAction
	To     string // BulkSetSeat: the seat type, "" for Unassigned
}

// Skip reasons that are not a MemberRule refusal.
const (
	SkipGone      = "bulk.skip.gone"      // removed since the selection was made
	SkipForbidden = "bulk.skip.forbidden" // above the actor's role (Need in SkipArgs)
)

// BulkEntry is one selected member in a plan.
type BulkEntry struct {
	ID       int64
	UserID   int64
	Name     string
	Email    string
	Role     Role
	Status   MemberStatus
	From     string // the seat type held ("" Unassigned)
	Change   bool   // the change applies to this member
	Loss     Loss   // what a seat change loses
	Skip     string // a locale key: why the member is skipped ("" if not)
	SkipArgs map[string]any
}

// BulkPlan is what a bulk change would do now.
type BulkPlan struct {
	Change    BulkChange
	Entries   []BulkEntry // every member selected, in member order, then those gone
	Changing  int         // members the change applies to
	Unchanged int         // members already where the change would put them
	Skipped   int         // members skipped by a rule, or gone
	Losses    map[Loss]int
	Need      int // seats of Change.To the change takes
	Available int // seats of Change.To free now
	Shortfall int // seats of Change.To missing (Need - Available, at least 0)
	Token     string
	// Allocations are read with the plan (after the change, for an applied
	// plan).
	Allocations []Allocation
}

// BulkStale says that a bulk change's plan is not the one reviewed any more
// (a member moved, left or joined the selection): nothing changed; Plan is
// the plan as it is now.
type BulkStale struct{ Plan BulkPlan }

func (e *BulkStale) Error() string { return "bulk change: the plan changed since its review" }

// BulkShortfallChanged says that the seats to buy for a bulk change are not
// the number reviewed any more: nothing was bought.
var BulkShortfallChanged = Invalidf("", "bulk.shortfall_changed", nil)

// BulkResult is an applied bulk change.
type BulkResult struct {
	Plan     BulkPlan // as applied; its Allocations are those after the change
	Purchase *Purchase
	Repeat   bool // the purchase's confirmation had been used already: nothing new happened
}

// PurposeBulk is buying the seats a reviewed bulk change lacks, bound to its
// plan: the quote cannot pay for another change.
func PurposeBulk(planToken string) Purpose { return Purpose("bulk:" + planToken) }

func bulkPermission(a BulkAction) (Permission, error) {
	switch a {
	case BulkSetSeat:
		return AssignSeats, nil
	case BulkRemove:
		return ManageMembers, nil
	}
	return "", Invalidf("action", "bulk.action_unknown", nil)
}

// checkBulk validates a change before anything is read.
func checkBulk(actor Actor, c BulkChange) error {
	p, err := bulkPermission(c.Action)
	if err != nil {
		return err
	}
	if err := actor.Check(p); err != nil {
		return err
	}
	if !c.All {
		if len(c.IDs) == 0 {
			return Invalidf("id", "bulk.none_selected", nil)
		}
		if len(c.IDs) > MaxBulkMembers {
			return Invalidf("id", "bulk.too_many", map[string]any{"Max": MaxBulkMembers, "Selected": len(c.IDs)})
		}
	}
	return nil
}

// PlanBulk says what a bulk change would do now, changing nothing.
func PlanBulk(ctx context.Context, db *gorm.DB, actor Actor, c BulkChange) (BulkPlan, error) {
	if err := checkBulk(actor, c); err != nil {
		return BulkPlan{}, err
	}
	return planBulk(db.WithContext(ctx), actor, c)
}

// ApplyBulk applies a reviewed bulk change in one transaction: *BulkStale
// when the plan is not the reviewed one any more, *NoSeat when the seats it
// needs are not free (nothing changes in either case).
func ApplyBulk(ctx context.Context, db *gorm.DB, actor Actor, c BulkChange, token string) (BulkResult, error) {
	if err := checkBulk(actor, c); err != nil {
		return BulkResult{}, err
	}
	var out BulkResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockOrg(tx, actor.Org.ID); err != nil {
			return err
		}
		plan, err := planBulk(tx, actor, c)
		if err != nil {
			return err
		}
		if plan.Token != token {
			return &BulkStale{Plan: plan}
		}
		if plan.Shortfall > 0 {
			return &NoSeat{SeatType: c.To}
		}
		out.Plan, err = applyBulk(tx, actor, plan)
		return err
	})
	return out, err
}

// BuyAndApplyBulk is the Owner's answer to a bulk change that lacks seats:
// one confirmation buys the reviewed quote (exactly the seats missing,
// charged once) and applies the reviewed plan, in one transaction. The same
// confirmation again answers Repeat and does nothing; a quote made for
// another change is refused.
func BuyAndApplyBulk(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, c BulkChange, token, quote string, n int) (BulkResult, error) {
	if err := checkBulk(actor, c); err != nil {
		return BulkResult{}, err
	}
	if c.Action != BulkSetSeat || c.To == "" {
		return BulkResult{}, Invalidf("action", "bulk.action_unknown", nil)
	}
	var out BulkResult
	p, err := PurchaseSeats(ctx, db, clock, actor, quote, c.To, n, PurposeBulk(token), func(tx *gorm.DB) error {
		plan, err := planBulk(tx, actor, c)
		if err != nil {
			return err
		}
		if plan.Token != token {
			return &BulkStale{Plan: plan}
		}
		// The plan was reviewed before the purchase: it must lack exactly
		// the seats bought.
		if plan.Need-(plan.Available-n) != n {
			return BulkShortfallChanged
		}
		out.Plan, err = applyBulk(tx, actor, plan)
		return err
	})
	if err != nil {
		return BulkResult{}, err
	}
	out.Purchase, out.Repeat = &p, p.Repeat
	if p.Repeat {
		out.Plan.Change = c
		out.Plan.Allocations, err = Allocations(ctx, db, actor.Org.ID)
	}
	return out, err
}

// bulkMember is a selected member as a plan reads it.
type bulkMember struct {
	ID          int64
	UserID      int64
	Name        string
	Email       string
	Role        Role
	Status      MemberStatus
	SeatTypeKey *string
}

// selectedMembers reads the members a change selects, in member order, and
// the selected ids that are not members any more. An id that never was a
// member of this organization (another organization's, or none) is
// ErrNotFound: the whole change is refused.
func selectedMembers(tx *gorm.DB, actor Actor, allocs []Allocation, c BulkChange) ([]bulkMember, []int64, error) {
	const columns = "memberships.id, memberships.user_id, users.name, users.email, memberships.role, memberships.status, memberships.seat_type_key"
	var ids []int64
	if c.All {
		// The members table's own filter (ListMembers), read in the
		// caller's transaction.
		ctx := tx.Statement.Context
		if ctx == nil {
			ctx = context.Background()
		}
		q, _, err := memberQueryFor(tx, actor, allocs, MemberFilter{Query: c.Filter.Query, SeatType: c.Filter.SeatType, Status: c.Filter.Status})
		if err != nil {
			return nil, nil, err
		}
		var n int64
		if err := q.count(ctx, tx, &n); err != nil {
			return nil, nil, fmt.Errorf("count members: %w", err)
		}
		if n > MaxBulkMembers {
			return nil, nil, Invalidf("", "bulk.too_many", map[string]any{"Max": MaxBulkMembers, "Selected": n})
		}
		if n == 0 {
			return nil, nil, Invalidf("", "bulk.none_matching", nil)
		}
		ids = make([]int64, 0, n)
		if err := q.rows(ctx, tx, 0, -1, 0, func(r MemberRow) error {
			ids = append(ids, r.ID)
			return nil
		}); err != nil {
			return nil, nil, fmt.Errorf("list members: %w", err)
		}
	}
	seen := map[int64]bool{}
	for _, id := range c.IDs {
		if id < 1 {
			return nil, nil, ErrNotFound
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	members := make([]bulkMember, 0, len(ids))
	for chunk := range slices.Chunk(ids, 1000) {
		var rows []bulkMember
		err := tx.Table("memberships").Select(columns).
			Joins("JOIN users ON users.id = memberships.user_id").
			Where("memberships.org_id = ? AND memberships.id IN ?", actor.Org.ID, chunk).
			Order("memberships.id").Scan(&rows).Error
		if err != nil {
			return nil, nil, fmt.Errorf("read members: %w", err)
		}
		members = append(members, rows...)
	}
	if len(members) == len(ids) {
		return members, nil, nil
	}
	found := make(map[int64]bool, len(members))
	for _, m := range members {
		found[m.ID] = true
	}
	var missing []int64
	for _, id := range ids {
		if !found[id] {
			missing = append(missing, id)
		}
	}
	// A removed member of this organization left events about their
	// membership in its audit log; an id without any is not this
	// organization's (R-PERM-3: refused as not found, whoever it is).
	var known []int64
	for chunk := range slices.Chunk(missing, 1000) {
		var ids []int64
		err := tx.Model(&AuditEvent{}).Where("org_id = ? AND subject_type = ? AND subject_id IN ?", actor.Org.ID, "membership", chunk).
			Distinct("subject_id").Pluck("subject_id", &ids).Error
		if err != nil {
			return nil, nil, fmt.Errorf("read removed members: %w", err)
		}
		known = append(known, ids...)
	}
	if len(known) != len(missing) {
		return nil, nil, ErrNotFound
	}
	sort.Slice(known, func(i, j int) bool { return known[i] < known[j] })
	return members, known, nil
}

// planBulk computes a plan from the database as it is.
func planBulk(tx *gorm.DB, actor Actor, c BulkChange) (BulkPlan, error) {
	allocs, err := allocations(tx, actor.Org.ID)
	if err != nil {
		return BulkPlan{}, err
	}
	if c.Action == BulkSetSeat && c.To != "" && FindAllocation(allocs, c.To) == nil {
		return BulkPlan{}, Invalidf("to", "members.seat.unknown_type", nil)
	}
	if c.Action == BulkRemove {
		c.To = ""
	}
	members, gone, err := selectedMembers(tx, actor, allocs, c)
	if err != nil {
		return BulkPlan{}, err
	}
	p := BulkPlan{Change: c, Losses: map[Loss]int{}, Allocations: allocs}
	for _, m := range members {
		e := BulkEntry{ID: m.ID, UserID: m.UserID, Name: m.Name, Email: m.Email, Role: m.Role, Status: m.Status, From: SeatOf(m.SeatTypeKey)}
		target := MemberTarget{ID: m.ID, Role: m.Role, Status: m.Status, SeatTypeKey: m.SeatTypeKey}
		act := ActRemove
		if c.Action == BulkSetSeat {
			act = ActSetSeat
			if c.To == "" {
				act = ActUnassign
			}
		}
		var (
			invalid   *Invalid
			forbidden *Forbidden
		)
		switch err := MemberRule(actor, target, act); {
		case err == nil:
		case errors.As(err, &invalid):
			e.Skip, e.SkipArgs = invalid.Key, invalid.Args
		case errors.As(err, &forbidden):
			e.Skip, e.SkipArgs = SkipForbidden, map[string]any{"Need": string(forbidden.Need)}
		default:
			return BulkPlan{}, err
		}
		switch {
		case e.Skip != "":
			p.Skipped++
		case c.Action == BulkSetSeat && e.From == c.To:
			p.Unchanged++
		default:
			e.Change = true
			p.Changing++
			if c.Action == BulkSetSeat {
				e.Loss = lossOf(allocs, e.From, c.To)
				if e.Loss != LossNone {
					p.Losses[e.Loss]++
				}
				if c.To != "" {
					p.Need++
				}
			}
		}
		p.Entries = append(p.Entries, e)
	}
	for _, id := range gone {
		p.Entries = append(p.Entries, BulkEntry{ID: id, Skip: SkipGone})
		p.Skipped++
	}
	if a := FindAllocation(allocs, c.To); a != nil && c.Action == BulkSetSeat {
		p.Available = a.Available()
		p.Shortfall = max(0, p.Need-p.Available)
	}
	p.Token = planToken(c, p.Entries)
	return p, nil
}

// planToken names a plan: the change and, for every member selected, what
// the rules saw of them and what happens to them. It does not depend on the
// seats free, so a purchase for the plan leaves it the same plan.
func planToken(c BulkChange, entries []BulkEntry) string {
	type line struct {
		ID     int64
		Role   Role
		Status MemberStatus
		From   string
		Change bool
		Skip   string
	}
	lines := make([]line, len(entries))
	for i, e := range entries {
		lines[i] = line{e.ID, e.Role, e.Status, e.From, e.Change, e.Skip}
	}
	b, _ := json.Marshal(struct {
		Action  BulkAction
		To      string
		Entries []line
	}{c.Action, c.To, lines})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// applyBulk carries out a plan set-based, inside the caller's transaction
// (which holds the organization's lock): memberships updated or removed by
// the group of the seat they hold, guarded by that seat; the seat counters
// moved by each group's size through the seat core; one audit event per
// member, in batches, all part of one change.
func applyBulk(tx *gorm.DB, actor Actor, p BulkPlan) (BulkPlan, error) {
	byFrom := map[string][]BulkEntry{}
	var froms []string
	for _, e := range p.Entries {
		if !e.Change {
			continue
		}
		if _, ok := byFrom[e.From]; !ok {
			froms = append(froms, e.From)
		}
		byFrom[e.From] = append(byFrom[e.From], e)
	}
	sort.Strings(froms)
	var events []AuditEvent
	for _, from := range froms {
		group := byFrom[from]
		ids := make([]int64, len(group))
		for i, e := range group {
			ids[i] = e.ID
		}
		var err error
		if p.Change.Action == BulkRemove {
			err = removeMembers(tx, actor.Org.ID, ids, group)
		} else {
			err = placeMembers(tx, actor.Org.ID, ids, from, p.Change.To)
		}
		if err != nil {
			return BulkPlan{}, err
		}
		for _, e := range group {
			events = append(events, bulkEvent(actor, p.Change, e))
		}
	}
	// Seats given back first, then taken: the guarded take refuses to
	// oversell whatever happened since the plan was made.
	for _, from := range froms {
		if from != "" {
			if err := releaseSeats(tx, actor.Org.ID, from, len(byFrom[from])); err != nil {
				return BulkPlan{}, err
			}
		}
	}
	if p.Change.Action == BulkSetSeat && p.Change.To != "" && p.Need > 0 {
		if err := takeSeats(tx, actor.Org.ID, p.Change.To, p.Need); err != nil {
			return BulkPlan{}, err
		}
	}
	if err := auditChange(tx, actor, events); err != nil {
		return BulkPlan{}, err
	}
	allocs, err := allocations(tx, actor.Org.ID)
	if err != nil {
		return BulkPlan{}, err
	}
	p.Allocations = allocs
	return p, nil
}

// placeMembers moves members who hold from to the seat type to, as
// placeMember does for one: active, waiting for nothing, chosen by a person.
// The counters are the caller's.
func placeMembers(tx *gorm.DB, orgID int64, ids []int64, from, to string) error {
	for chunk := range slices.Chunk(ids, 1000) {
		q := tx.Model(&Membership{}).Where("org_id = ? AND id IN ?", orgID, chunk)
		if from == "" {
			q = q.Where("seat_type_key IS NULL")
		} else {
			q = q.Where("seat_type_key = ?", from)
		}
		res := q.Updates(map[string]any{"seat_type_key": nullableKey(to), "status": StatusActive, "waiting_for": nil,
			"waiting_since": nil, "seat_source": SeatByPerson})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != int64(len(chunk)) {
			return &Stale{}
		}
	}
	return nil
}

// removeMembers takes members who hold from out of the organization, as
// removeMember does for one: memberships deleted, group memberships
// dropped, the removal recorded, every session of theirs ended. The seat
// counters are the caller's.
func removeMembers(tx *gorm.DB, orgID int64, ids []int64, group []BulkEntry) error {
	now := tx.NowFunc().UTC()
	for chunk := range slices.Chunk(ids, 1000) {
		res := tx.Where("org_id = ? AND id IN ?", orgID, chunk).Delete(&Membership{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != int64(len(chunk)) {
			return ErrNotFound // removed meanwhile
		}
		if err := tx.Where("membership_id IN ?", chunk).Delete(&GroupMember{}).Error; err != nil {
			return err
		}
	}
	removals := make([]MemberRemoval, len(group))
	users := make([]int64, len(group))
	for i, e := range group {
		removals[i] = MemberRemoval{OrgID: orgID, UserID: e.UserID, RemovedAt: now}
		users[i] = e.UserID
	}
	if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).CreateInBatches(removals, 500).Error; err != nil {
		return err
	}
	for chunk := range slices.Chunk(users, 1000) {
		if err := tx.Where("user_id IN ?", chunk).Delete(&Session{}).Error; err != nil {
			return fmt.Errorf("revoke sessions: %w", err)
		}
	}
	return nil
}

// bulkEvent is the audit event of one member's change, as the single
// change writes it (ChangeSeat, RemoveMember).
func bulkEvent(actor Actor, c BulkChange, e BulkEntry) AuditEvent {
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	var ev AuditEvent
	if c.Action == BulkRemove {
		ev = auditEvent(actor, "member.removed", "membership", e.ID,
			js(map[string]any{"member": e.Email, "role": e.Role, "seat_type": nullable(e.From), "status": e.Status}), js(nil))
	} else {
		ev = auditEvent(actor, "member.seat_changed", "membership", e.ID,
			js(map[string]any{"member": e.Email, "seat_type": nullable(e.From), "status": e.Status}),
			js(map[string]any{"member": e.Email, "seat_type": nullable(c.To), "status": StatusActive}))
	}
	uid := e.UserID
	ev.MemberUserID = &uid // the person it is about, known already (and gone with a removed membership)
	return ev
}

// auditChange writes the events of one bulk change as one change of the
// audit log: each points at the transaction's first event (the purchase
// that paid for the seats, or else the first of these); events that do
// not name their person yet are given it as Audit does.
func auditChange(tx *gorm.DB, actor Actor, events []AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	change, mark := firstEvent(tx, actor.Org.ID)
	rest := events
	if change == nil {
		if err := tx.Create(&events[0]).Error; err != nil {
			return fmt.Errorf("audit %s: %w", events[0].Action, err)
		}
		id := events[0].ID
		change, rest = &id, events[1:]
		mark(id)
	}
	for i := range rest {
		rest[i].ChangeID = change
	}
	if len(rest) > 0 {
		if err := tx.CreateInBatches(rest, 500).Error; err != nil {
			return fmt.Errorf("audit %s: %w", rest[0].Action, err)
		}
	}
	unnamed := map[string]bool{}
	for _, ev := range events {
		if ev.MemberUserID == nil {
			unnamed[ev.SubjectType] = true
		}
	}
	for _, subject := range []string{"membership", "invitation"} {
		if unnamed[subject] {
			if err := nameMembers(tx, actor.Org.ID, events[0].ID, subject); err != nil {
				return err
			}
		}
	}
	return nil
}

// Owners names the organization's active Owners, Primary Owner first: who an
// Admin asks to buy seats.
func Owners(ctx context.Context, db *gorm.DB, actor Actor, limit int) ([]string, error) {
	var names []string
	err := db.WithContext(ctx).Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.org_id = ? AND memberships.role IN ? AND memberships.status = ?", actor.Org.ID,
			[]Role{RolePrimaryOwner, RoleOwner}, StatusActive).
		Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE memberships.role WHEN ? THEN 0 ELSE 1 END, memberships.id",
			Vars: []any{RolePrimaryOwner}, WithoutParentheses: true}}).
		Limit(limit).Pluck("users.name", &names).Error
	return names, err
}
