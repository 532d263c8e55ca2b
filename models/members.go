package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// NoSeat says that no seat of a type is free (R-SEAT-8): an Owner may buy one,
// an Admin must ask an Owner or free a seat first.
type NoSeat struct{ SeatType string }

func (e *NoSeat) Error() string { return "no free seat of type " + e.SeatType }

// Stale says that a form was made from a state that has changed since: the
// member moved or left. Current is the seat type now ("" = Unassigned).
type Stale struct {
	Name    string
	Current string
}

func (e *Stale) Error() string { return "stale form" }

// Loss is what a member loses by a move down, shown before confirming.
type Loss string

const (
	LossNone         Loss = ""
	LossAccess       Loss = "access"        // to Unassigned: no access at all
	LossClaudeCode   Loss = "claude_code"   // Chat + Claude Code → Chat
	LossHigherLimits Loss = "higher_limits" // Premium → Standard
)

// NeedsConfirmation says that a move loses features and must be confirmed.
type NeedsConfirmation struct {
	Loss Loss
}

func (e *NeedsConfirmation) Error() string { return "confirmation needed: " + string(e.Loss) }

// SeatChange asks to move a member to a seat type ("" = Unassigned). From is
// the seat type the form showed, to detect stale forms; Confirmed is set once
// the user has seen what the member loses.
type SeatChange struct {
	MembershipID int64
	From         string
	To           string
	Confirmed    bool
}

// MemberByID loads one member of the actor's organization; another
// organization's member or a removed one is ErrNotFound (R-PERM-3).
func MemberByID(ctx context.Context, db *gorm.DB, actor Actor, id int64) (MemberRow, error) {
	var row MemberRow
	err := db.WithContext(ctx).Table("memberships").
		Select(memberRowColumns).
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.id = ? AND memberships.org_id = ?", id, actor.Org.ID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return MemberRow{}, ErrNotFound
	}
	return row, err
}

// rowOf is a loaded membership as a members-table row.
func rowOf(m Membership) MemberRow {
	return MemberRow{ID: m.ID, Name: m.User.Name, Email: m.User.Email, Role: m.Role, SeatTypeKey: m.SeatTypeKey,
		Status: m.Status, Source: m.Source, SeatSource: m.SeatSource, WaitingFor: m.WaitingFor, CreatedAt: m.CreatedAt}
}

// MemberResult is a member as a change left them, and the organization's
// allocation read in the same transaction: what the page shows next, with no
// read after the commit.
type MemberResult struct {
	Member      MemberRow
	Allocations []Allocation
}

// memberResult reads the allocation after a change, inside its transaction.
func memberResult(tx *gorm.DB, m Membership) (MemberResult, error) {
	allocs, err := allocations(tx, m.OrgID)
	return MemberResult{Member: rowOf(m), Allocations: allocs}, err
}

// ChangeSeat moves a member to another seat type or to Unassigned, or back
// (R-SEAT-7, R-SEAT-8): one transaction with guarded counters, so that no
// interleaving oversells a type. A waiting member given a seat is admitted.
func ChangeSeat(ctx context.Context, db *gorm.DB, actor Actor, c SeatChange) (MemberResult, error) {
	if err := actor.Check(AssignSeats); err != nil {
		return MemberResult{}, err
	}
	var out MemberResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = changeSeat(tx, actor, c)
		return err
	})
	return out, err
}

// BuySeatAndAssign is the Owner's answer to NoSeat: one confirmation buys one
// seat of the type (the reviewed quote, charged once) and assigns it, in one
// transaction.
func BuySeatAndAssign(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, token string, c SeatChange) (Purchase, MemberResult, error) {
	if err := actor.Check(AssignSeats); err != nil {
		return Purchase{}, MemberResult{}, err
	}
	c.Confirmed = true
	var out MemberResult
	p, err := PurchaseSeats(ctx, db, clock, actor, token, c.To, 1, PurposeAssign(c.MembershipID), func(tx *gorm.DB) error {
		var err error
		out, err = changeSeat(tx, actor, c)
		return err
	})
	return p, out, err
}

func changeSeat(tx *gorm.DB, actor Actor, c SeatChange) (MemberResult, error) {
	m, err := lockedMember(tx, actor, c.MembershipID)
	if err != nil {
		return MemberResult{}, err
	}
	current := SeatOf(m.SeatTypeKey)
	if current != c.From {
		return MemberResult{}, &Stale{Name: m.User.Name, Current: current}
	}
	allocs, err := allocations(tx, actor.Org.ID)
	if err != nil {
		return MemberResult{}, err
	}
	if c.To == current {
		return MemberResult{Member: rowOf(m), Allocations: allocs}, nil
	}
	act := ActSetSeat
	if c.To == "" {
		act = ActUnassign
	} else if FindAllocation(allocs, c.To) == nil {
		return MemberResult{}, Invalidf("seat_type", "members.seat.unknown_type", nil)
	}
	if err := MemberRule(actor, TargetOf(m), act); err != nil {
		return MemberResult{}, err
	}
	if loss := lossOf(allocs, current, c.To); loss != LossNone && !c.Confirmed {
		return MemberResult{}, &NeedsConfirmation{Loss: loss}
	}
	before := map[string]any{"member": m.User.Email, "seat_type": nullable(current), "status": m.Status}
	if err := placeMember(tx, &m, c.To, SeatByPerson); err != nil {
		return MemberResult{}, err
	}
	err = Audit(tx, actor, "member.seat_changed", "membership", m.ID, before,
		map[string]any{"member": m.User.Email, "seat_type": nullable(c.To), "status": m.Status})
	if err != nil {
		return MemberResult{}, err
	}
	// The allocation after the change, without reading it again: one seat
	// moved from current to c.To.
	for i := range allocs {
		switch allocs[i].SeatTypeKey {
		case c.To:
			allocs[i].Assigned++
		case current:
			allocs[i].Assigned--
		}
	}
	return MemberResult{Member: rowOf(m), Allocations: allocs}, nil
}

// lockedMember takes the organization's lock and loads one of its members
// with the user; another organization's or a removed member is ErrNotFound.
func lockedMember(tx *gorm.DB, actor Actor, id int64) (Membership, error) {
	if _, err := lockOrg(tx, actor.Org.ID); err != nil {
		return Membership{}, err
	}
	m, err := scanMember(hotRow(tx, `SELECT `+memberColumns+`
FROM memberships JOIN users ON users.id = memberships.user_id WHERE memberships.id = ? AND memberships.org_id = ?`,
		id, actor.Org.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return Membership{}, ErrNotFound
	}
	return m, err
}

// memberColumns are the columns scanMember reads: a membership and its user.
const memberColumns = `memberships.id, memberships.org_id, memberships.user_id, memberships.role, memberships.seat_type_key,
  memberships.status, memberships.source, memberships.external_id, memberships.scim_user_name, memberships.waiting_for,
  memberships.waiting_since, memberships.seat_source, memberships.created_at, memberships.updated_at,
  users.email, users.name, users.given_name, users.family_name, users.lang, users.password_hash, users.created_at,
  users.updated_at`

func scanMember(row *sql.Row) (Membership, error) {
	var m Membership
	var seat, external, userName, waitingFor sql.NullString
	var waitingSince, created, updated, userCreated, userUpdated hotTime
	u := &m.User
	err := row.Scan(&m.ID, &m.OrgID, &m.UserID, &m.Role, &seat, &m.Status, &m.Source, &external, &userName, &waitingFor,
		&waitingSince, &m.SeatSource, &created, &updated, &u.Email, &u.Name, &u.GivenName, &u.FamilyName, &u.Lang,
		&u.PasswordHash, &userCreated, &userUpdated)
	if err != nil {
		return Membership{}, err
	}
	m.SeatTypeKey, m.ExternalID, m.SCIMUserName, m.WaitingFor = nullString(seat), nullString(external), nullString(userName),
		nullString(waitingFor)
	m.WaitingSince, m.CreatedAt, m.UpdatedAt = waitingSince.ptr(), created.T, updated.T
	u.ID, u.CreatedAt, u.UpdatedAt = m.UserID, userCreated.T, userUpdated.T
	return m, nil
}

func nullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// lossOf says what moving from one seat type to another loses.
func lossOf(allocs []Allocation, from, to string) Loss {
	if from == "" {
		return LossNone
	}
	if to == "" {
		return LossAccess
	}
	f, t := FindAllocation(allocs, from), FindAllocation(allocs, to)
	if f == nil || t == nil {
		return LossNone
	}
	switch {
	case f.SeatType.ClaudeCode && !t.SeatType.ClaudeCode:
		return LossClaudeCode
	case f.SeatType.HigherLimits && !t.SeatType.HigherLimits:
		return LossHigherLimits
	}
	return LossNone
}

// RemoveMember takes a member out of the organization (R-SEAT-6, R-INV-3):
// their seat becomes available, every session of theirs ends at once, the
// allocation and the bill do not change. The Primary Owner cannot be removed,
// and nobody removes someone above their own role.
func RemoveMember(ctx context.Context, db *gorm.DB, actor Actor, membershipID int64) (MemberResult, error) {
	if err := actor.Check(ManageMembers); err != nil {
		return MemberResult{}, err
	}
	var out MemberResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockedMember(tx, actor, membershipID)
		if err != nil {
			return err
		}
		if err := MemberRule(actor, TargetOf(m), ActRemove); err != nil {
			return err
		}
		if err := removeMember(tx, actor, m); err != nil {
			return err
		}
		out, err = memberResult(tx, m)
		return err
	})
	return out, err
}

// removeMember deletes a locked member, frees their seat and ends their
// sessions, audited.
func removeMember(tx *gorm.DB, actor Actor, m Membership) error {
	res := tx.Where("id = ? AND org_id = ?", m.ID, m.OrgID).Delete(&Membership{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrNotFound // removed meanwhile
	}
	if m.SeatTypeKey != nil {
		if err := releaseSeat(tx, m.OrgID, *m.SeatTypeKey); err != nil {
			return err
		}
	}
	if err := tx.Where("membership_id = ?", m.ID).Delete(&GroupMember{}).Error; err != nil {
		return err
	}
	removal := MemberRemoval{OrgID: m.OrgID, UserID: m.UserID, RemovedAt: time.Now().UTC()}
	if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&removal).Error; err != nil {
		return err
	}
	if err := RevokeSessions(tx, m.UserID); err != nil {
		return err
	}
	return auditAbout(tx, actor, m.UserID, "member.removed", "membership", m.ID,
		map[string]any{"member": m.User.Email, "role": m.Role, "seat_type": m.SeatTypeKey, "status": m.Status}, nil)
}

// ChangeRole makes a member Member, Admin or Owner (SPEC §2). Primary
// ownership moves only by TransferOwnership; nobody changes their own role.
func ChangeRole(ctx context.Context, db *gorm.DB, actor Actor, membershipID int64, from, to Role) (MemberResult, error) {
	act, ok := RoleAction(to)
	if !ok {
		return MemberResult{}, Invalidf("role", "members.role.unknown", nil)
	}
	need := GrantAdmin
	if to == RoleOwner {
		need = GrantOwner
	}
	if err := actor.Check(need); err != nil {
		return MemberResult{}, err
	}
	var out MemberResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockedMember(tx, actor, membershipID)
		if err != nil {
			return err
		}
		if err := MemberRule(actor, TargetOf(m), act); err != nil {
			return err
		}
		if m.Role != from {
			return &Stale{Name: m.User.Name}
		}
		if m.Role != to {
			res := tx.Model(&Membership{}).Where("id = ? AND role = ?", m.ID, from).Update("role", to)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != 1 {
				return &Stale{Name: m.User.Name}
			}
			m.Role = to
			err := Audit(tx, actor, "member.role_changed", "membership", m.ID,
				map[string]any{"member": m.User.Email, "role": from}, map[string]any{"member": m.User.Email, "role": to})
			if err != nil {
				return err
			}
		}
		out, err = memberResult(tx, m)
		return err
	})
	return out, err
}

// TransferPrimaryOwnership makes another member the Primary Owner; the current one
// becomes an Owner (R-PERM-1). Only the Primary Owner may do it, and only to
// an active member holding a seat (the Primary Owner always holds one).
func TransferPrimaryOwnership(ctx context.Context, db *gorm.DB, actor Actor, membershipID int64) error {
	if err := actor.Check(TransferOwnership); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockedMember(tx, actor, membershipID)
		if err != nil {
			return err
		}
		if err := MemberRule(actor, TargetOf(m), ActMakePrimary); err != nil {
			return err
		}
		res := tx.Model(&Membership{}).Where("id = ? AND org_id = ? AND role = ?", actor.MembershipID, actor.Org.ID, RolePrimaryOwner).
			Update("role", RoleOwner)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &Stale{Name: actor.Name}
		}
		if err := tx.Model(&Membership{}).Where("id = ?", m.ID).Update("role", RolePrimaryOwner).Error; err != nil {
			return err
		}
		return Audit(tx, actor, "organization.ownership_transferred", "membership", m.ID,
			map[string]any{"primary_owner": actor.Email}, map[string]any{"primary_owner": m.User.Email})
	})
}
