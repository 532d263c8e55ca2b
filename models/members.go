package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
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
		Select("memberships.id, users.name, users.email, memberships.role, memberships.seat_type_key, memberships.status, memberships.source, memberships.created_at").
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.id = ? AND memberships.org_id = ?", id, actor.Org.ID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return MemberRow{}, ErrNotFound
	}
	return row, err
}

// ChangeSeat moves a member to another seat type or to Unassigned, or back
// (R-SEAT-7, R-SEAT-8): one transaction with guarded counters, so that no
// interleaving oversells a type.
func ChangeSeat(ctx context.Context, db *gorm.DB, actor Actor, c SeatChange) error {
	if err := actor.Check(AssignSeats); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return changeSeat(tx, actor, c)
	})
}

// BuySeatAndAssign is the Owner's answer to NoSeat: one confirmation buys one
// seat of the type (the reviewed quote, charged once) and assigns it, in one
// transaction.
func BuySeatAndAssign(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, token string, c SeatChange) (Purchase, error) {
	if err := actor.Check(AssignSeats); err != nil {
		return Purchase{}, err
	}
	c.Confirmed = true
	return PurchaseSeats(ctx, db, clock, actor, token, c.To, 1, PurposeAssign(c.MembershipID), func(tx *gorm.DB) error {
		return changeSeat(tx, actor, c)
	})
}

func changeSeat(tx *gorm.DB, actor Actor, c SeatChange) error {
	m, err := lockedMember(tx, actor, c.MembershipID)
	if err != nil {
		return err
	}
	current := ""
	if m.SeatTypeKey != nil {
		current = *m.SeatTypeKey
	}
	if current != c.From {
		return &Stale{Name: m.User.Name, Current: current}
	}
	if c.To == current {
		return nil
	}
	types, err := seatTypesOf(tx, actor.Org.ID)
	if err != nil {
		return err
	}
	if c.To != "" {
		if _, ok := types[c.To]; !ok {
			return Invalidf("seat_type", "members.seat.unknown_type", nil)
		}
	}
	if m.Role == RolePrimaryOwner && c.To == "" {
		return Invalidf("seat_type", "members.seat.primary_owner", nil)
	}
	if loss := lossOf(types, current, c.To); loss != LossNone && !c.Confirmed {
		return &NeedsConfirmation{Loss: loss}
	}
	// The membership moves only from the state the form showed…
	q := tx.Model(&Membership{}).Where("id = ? AND org_id = ?", m.ID, actor.Org.ID)
	if current == "" {
		q = q.Where("seat_type_key IS NULL")
	} else {
		q = q.Where("seat_type_key = ?", current)
	}
	var to *string
	if c.To != "" {
		to = &c.To
	}
	res := q.Update("seat_type_key", to)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return &Stale{Name: m.User.Name, Current: current}
	}
	// …and takes a seat only if one is free.
	if c.To != "" {
		res := tx.Model(&SeatPool{}).Where("org_id = ? AND seat_type_key = ? AND assigned < purchased", actor.Org.ID, c.To).
			Update("assigned", gorm.Expr("assigned + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &NoSeat{SeatType: c.To}
		}
	}
	if current != "" {
		if err := releaseSeat(tx, actor.Org.ID, current); err != nil {
			return err
		}
	}
	return Audit(tx, actor.Org.ID, &actor.UserID, "member.seat_changed", "membership", m.ID,
		map[string]any{"member": m.User.Email, "seat_type": nullable(current)},
		map[string]any{"member": m.User.Email, "seat_type": nullable(c.To)})
}

// lockedMember takes the organization's lock and loads one of its members
// with the user; another organization's or a removed member is ErrNotFound.
func lockedMember(tx *gorm.DB, actor Actor, id int64) (Membership, error) {
	if _, err := lockOrg(tx, actor.Org.ID); err != nil {
		return Membership{}, err
	}
	var m Membership
	err := tx.Joins("User").Where("memberships.id = ? AND memberships.org_id = ?", id, actor.Org.ID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Membership{}, ErrNotFound
	}
	return m, err
}

func releaseSeat(tx *gorm.DB, orgID int64, seatType string) error {
	res := tx.Model(&SeatPool{}).Where("org_id = ? AND seat_type_key = ? AND assigned > 0", orgID, seatType).
		Update("assigned", gorm.Expr("assigned - 1"))
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("seat pool %s of org %d: nothing to release", seatType, orgID)
	}
	return nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// seatTypesOf returns the organization's seat types by key.
func seatTypesOf(tx *gorm.DB, orgID int64) (map[string]SeatType, error) {
	var types []SeatType
	err := tx.Table("seat_types").Joins("JOIN seat_pools ON seat_pools.seat_type_key = seat_types.key").
		Where("seat_pools.org_id = ?", orgID).Select("seat_types.*").Find(&types).Error
	if err != nil {
		return nil, err
	}
	out := make(map[string]SeatType, len(types))
	for _, t := range types {
		out[t.Key] = t
	}
	return out, nil
}

// lossOf says what moving from one seat type to another loses.
func lossOf(types map[string]SeatType, from, to string) Loss {
	if from == "" {
		return LossNone
	}
	if to == "" {
		return LossAccess
	}
	f, t := types[from], types[to]
	switch {
	case f.ClaudeCode && !t.ClaudeCode:
		return LossClaudeCode
	case f.HigherLimits && !t.HigherLimits:
		return LossHigherLimits
	}
	return LossNone
}

// RemoveMember takes a member out of the organization (R-SEAT-6, R-INV-3):
// their seat becomes available, every session of theirs ends at once, the
// allocation and the bill do not change. The Primary Owner cannot be removed,
// and nobody removes someone above their own role.
func RemoveMember(ctx context.Context, db *gorm.DB, actor Actor, membershipID int64) (string, error) {
	if err := actor.Check(ManageMembers); err != nil {
		return "", err
	}
	var name string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockedMember(tx, actor, membershipID)
		if err != nil {
			return err
		}
		name = m.User.Name
		if m.Role == RolePrimaryOwner {
			return Invalidf("", "members.remove.primary_owner", nil)
		}
		if m.ID == actor.MembershipID {
			return Invalidf("", "members.remove.self", nil)
		}
		if m.Role.Rank() > actor.Role.Rank() {
			return &Forbidden{Permission: GrantOwner, Need: RoleOwner}
		}
		res := tx.Where("id = ? AND org_id = ?", m.ID, actor.Org.ID).Delete(&Membership{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound // removed meanwhile
		}
		if m.SeatTypeKey != nil {
			if err := releaseSeat(tx, actor.Org.ID, *m.SeatTypeKey); err != nil {
				return err
			}
		}
		if err := RevokeSessions(tx, m.UserID); err != nil {
			return err
		}
		return Audit(tx, actor.Org.ID, &actor.UserID, "member.removed", "membership", m.ID,
			map[string]any{"member": m.User.Email, "role": m.Role, "seat_type": m.SeatTypeKey}, nil)
	})
	return name, err
}

// ChangeRole makes a member Member, Admin or Owner (SPEC §2). Primary
// ownership moves only by TransferOwnership.
func ChangeRole(ctx context.Context, db *gorm.DB, actor Actor, membershipID int64, from, to Role) error {
	switch to {
	case RoleMember, RoleAdmin:
		if err := actor.Check(GrantAdmin); err != nil {
			return err
		}
	case RoleOwner:
		if err := actor.Check(GrantOwner); err != nil {
			return err
		}
	default:
		return Invalidf("role", "members.role.unknown", nil)
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockedMember(tx, actor, membershipID)
		if err != nil {
			return err
		}
		if m.Role == RolePrimaryOwner {
			return Invalidf("role", "members.role.primary_owner", nil)
		}
		if m.Role != from {
			return &Stale{Name: m.User.Name}
		}
		if m.Role == to {
			return nil
		}
		res := tx.Model(&Membership{}).Where("id = ? AND role = ?", m.ID, from).Update("role", to)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &Stale{Name: m.User.Name}
		}
		return Audit(tx, actor.Org.ID, &actor.UserID, "member.role_changed", "membership", m.ID,
			map[string]any{"member": m.User.Email, "role": from}, map[string]any{"member": m.User.Email, "role": to})
	})
}

// TransferPrimaryOwnership makes another member the Primary Owner; the current one
// becomes an Owner (R-PERM-1). Only the Primary Owner may do it.
func TransferPrimaryOwnership(ctx context.Context, db *gorm.DB, actor Actor, membershipID int64) error {
	if err := actor.Check(TransferOwnership); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockedMember(tx, actor, membershipID)
		if err != nil {
			return err
		}
		if m.ID == actor.MembershipID {
			return nil
		}
		if m.Status != StatusActive {
			return Invalidf("", "members.transfer.not_active", nil)
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
		return Audit(tx, actor.Org.ID, &actor.UserID, "organization.ownership_transferred", "membership", m.ID,
			map[string]any{"primary_owner": actor.Email}, map[string]any{"primary_owner": m.User.Email})
	})
}
