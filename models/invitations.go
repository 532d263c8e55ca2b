package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"gorm.io/gorm"
)

// InviteTTL is how long an invitation link works.
const InviteTTL = 7 * 24 * time.Hour

// MinPasswordLength is the shortest password a new account may have.
const MinPasswordLength = 12

// Mail is one email to send, composed in the inviter's language by the caller.
type Mail struct {
	To      string
	Subject string
	Body    string
}

// Composer writes the invitation email for a link token.
type Composer func(inv Invitation, token string) Mail

// InviteInput is the invite form.
type InviteInput struct {
	Email    string
	Role     Role
	SeatType string // "" = Unassigned
	Lang     string
}

// InviteResult is a sent (or re-sent) invitation and its queued email.
type InviteResult struct {
	Invitation Invitation
	Token      string
	Mail       OutboxMessage
}

// ValidateEmail checks one bare address ("name@example.com") and returns it
// lower-cased; anything else is *Invalid.
func ValidateEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Invalidf("email", "invite.email.required", nil)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") {
		return "", Invalidf("email", "invite.email.malformed", map[string]any{"Email": s})
	}
	return NormalizeEmail(s), nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newToken() (string, error) {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// Invite invites someone (R-INV-2): a pending invitation of a seat type holds
// a seat of that type; with none free the answer is *NoSeat (an Owner may
// then BuySeatAndInvite). The email is kept in the outbox in the same
// transaction.
func Invite(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, in InviteInput, compose Composer) (InviteResult, error) {
	if err := checkInvite(actor, in); err != nil {
		return InviteResult{}, err
	}
	var out InviteResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = inviteTx(tx, clock, actor, in, compose)
		return err
	})
	return out, err
}

// BuySeatAndInvite buys one seat of the invitation's type with a reviewed
// quote and sends the invitation, in one transaction, charging once.
func BuySeatAndInvite(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, quote string, in InviteInput, compose Composer) (InviteResult, Purchase, error) {
	if err := checkInvite(actor, in); err != nil {
		return InviteResult{}, Purchase{}, err
	}
	var out InviteResult
	p, err := PurchaseSeats(ctx, db, clock, actor, quote, in.SeatType, 1, PurposeInvite(in.Email), func(tx *gorm.DB) error {
		var err error
		out, err = inviteTx(tx, clock, actor, in, compose)
		return err
	})
	return out, p, err
}

func checkInvite(actor Actor, in InviteInput) error {
	if err := actor.Check(ManageMembers); err != nil {
		return err
	}
	switch in.Role {
	case RoleMember:
	case RoleAdmin, RoleOwner: // making someone Admin or Owner needs that right (SPEC §2)
		if err := actor.Check(map[Role]Permission{RoleAdmin: GrantAdmin, RoleOwner: GrantOwner}[in.Role]); err != nil {
			return err
		}
	default:
		return Invalidf("role", "members.role.unknown", nil)
	}
	return nil
}

func inviteTx(tx *gorm.DB, clock Clock, actor Actor, in InviteInput, compose Composer) (InviteResult, error) {
	email, err := ValidateEmail(in.Email)
	if err != nil {
		return InviteResult{}, err
	}
	org, err := lockOrg(tx, actor.Org.ID)
	if err != nil {
		return InviteResult{}, err
	}
	now := clock.Now().UTC()
	if err := expireTx(tx, org, now); err != nil {
		return InviteResult{}, err
	}
	var n int64
	err = tx.Model(&Membership{}).Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.org_id = ? AND users.email = ?", org.ID, email).Count(&n).Error
	if err != nil {
		return InviteResult{}, err
	}
	if n > 0 {
		return InviteResult{}, Invalidf("email", "invite.email.member", map[string]any{"Email": email})
	}
	if err := tx.Model(&Invitation{}).Where("org_id = ? AND email = ? AND status = ?", org.ID, email, InvitePending).Count(&n).Error; err != nil {
		return InviteResult{}, err
	}
	if n > 0 {
		return InviteResult{}, Invalidf("email", "invite.email.pending", map[string]any{"Email": email})
	}
	var seat *string
	if in.SeatType != "" {
		allocs, err := allocations(tx, org.ID)
		if err != nil {
			return InviteResult{}, err
		}
		if FindAllocation(allocs, in.SeatType) == nil {
			return InviteResult{}, Invalidf("seat_type", "members.seat.unknown_type", nil)
		}
		if err := takeSeat(tx, org.ID, in.SeatType); err != nil {
			return InviteResult{}, err
		}
		seat = &in.SeatType
	}
	token, err := newToken()
	if err != nil {
		return InviteResult{}, err
	}
	inv := Invitation{OrgID: org.ID, Email: email, Role: in.Role, SeatTypeKey: seat, TokenHash: hashToken(token),
		InvitedBy: actor.UserID, Lang: in.Lang, Status: InvitePending, ExpiresAt: now.Add(InviteTTL)}
	if err := tx.Create(&inv).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return InviteResult{}, Invalidf("email", "invite.email.pending", map[string]any{"Email": email})
		}
		return InviteResult{}, err
	}
	msg, err := queueMail(tx, org.ID, compose(inv, token))
	if err != nil {
		return InviteResult{}, err
	}
	err = Audit(tx, actor, "invitation.sent", "invitation", inv.ID, nil,
		map[string]any{"email": email, "role": in.Role, "seat_type": seat, "expires_at": inv.ExpiresAt})
	return InviteResult{Invitation: inv, Token: token, Mail: msg}, err
}

func queueMail(tx *gorm.DB, orgID int64, m Mail) (OutboxMessage, error) {
	msg := OutboxMessage{OrgID: &orgID, ToAddr: m.To, Subject: m.Subject, Body: m.Body}
	if err := tx.Create(&msg).Error; err != nil {
		return OutboxMessage{}, fmt.Errorf("queue mail: %w", err)
	}
	return msg, nil
}

// ResendInvitation sends a pending invitation again with a new link (the old
// one stops working) valid for another seven days.
func ResendInvitation(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, id int64, compose Composer) (InviteResult, error) {
	if err := actor.Check(ManageMembers); err != nil {
		return InviteResult{}, err
	}
	var out InviteResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inv, err := pendingInvitation(tx, clock, actor, id)
		if err != nil {
			return err
		}
		if inv.Role == RoleOwner {
			if err := actor.Check(GrantOwner); err != nil {
				return err
			}
		}
		token, err := newToken()
		if err != nil {
			return err
		}
		inv.TokenHash = hashToken(token)
		inv.ExpiresAt = clock.Now().UTC().Add(InviteTTL)
		if err := tx.Model(&inv).Select("token_hash", "expires_at").Updates(&inv).Error; err != nil {
			return err
		}
		msg, err := queueMail(tx, inv.OrgID, compose(inv, token))
		if err != nil {
			return err
		}
		out = InviteResult{Invitation: inv, Token: token, Mail: msg}
		return Audit(tx, actor, "invitation.resent", "invitation", inv.ID, nil,
			map[string]any{"email": inv.Email, "expires_at": inv.ExpiresAt})
	})
	return out, err
}

// RevokeInvitation cancels a pending invitation; its seat becomes free.
func RevokeInvitation(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, id int64) (Invitation, error) {
	if err := actor.Check(ManageMembers); err != nil {
		return Invitation{}, err
	}
	var inv Invitation
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if inv, err = pendingInvitation(tx, clock, actor, id); err != nil {
			return err
		}
		if err := closeInvitation(tx, inv, InviteRevoked); err != nil {
			return err
		}
		return Audit(tx, actor, "invitation.revoked", "invitation", inv.ID,
			map[string]any{"email": inv.Email, "status": InvitePending}, map[string]any{"email": inv.Email, "status": InviteRevoked})
	})
	return inv, err
}

// pendingInvitation locks the organization, expires what is due and loads a
// pending invitation of the actor's organization; anything else is ErrNotFound.
func pendingInvitation(tx *gorm.DB, clock Clock, actor Actor, id int64) (Invitation, error) {
	org, err := lockOrg(tx, actor.Org.ID)
	if err != nil {
		return Invitation{}, err
	}
	if err := expireTx(tx, org, clock.Now().UTC()); err != nil {
		return Invitation{}, err
	}
	var inv Invitation
	err = tx.Where("id = ? AND org_id = ? AND status = ?", id, actor.Org.ID, InvitePending).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Invitation{}, ErrNotFound
	}
	return inv, err
}

// closeInvitation ends a pending invitation and frees its seat.
func closeInvitation(tx *gorm.DB, inv Invitation, status InvitationStatus) error {
	res := tx.Model(&Invitation{}).Where("id = ? AND status = ?", inv.ID, InvitePending).Update("status", status)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return ErrNotFound
	}
	if inv.SeatTypeKey != nil {
		return releaseSeat(tx, inv.OrgID, *inv.SeatTypeKey)
	}
	return nil
}

// expireTx closes the organization's invitations past their date.
func expireTx(tx *gorm.DB, org Organization, now time.Time) error {
	var due []Invitation
	if err := tx.Where("org_id = ? AND status = ? AND expires_at <= ?", org.ID, InvitePending, now).Find(&due).Error; err != nil {
		return err
	}
	system := SystemActor(org, "invitation expiry")
	for _, inv := range due {
		if err := closeInvitation(tx, inv, InviteExpired); err != nil {
			return err
		}
		if err := Audit(tx, system, "invitation.expired", "invitation", inv.ID,
			map[string]any{"email": inv.Email, "status": InvitePending}, map[string]any{"email": inv.Email, "status": InviteExpired}); err != nil {
			return err
		}
	}
	return nil
}

// ExpireInvitations frees the seats of the invitations past their date, in
// the given organizations or, with none given, in all of them; the server
// runs it periodically and before showing an organization. Several instances
// may run it at once: each organization is handled under its lock.
func ExpireInvitations(ctx context.Context, db *gorm.DB, clock Clock, only ...int64) error {
	now := clock.Now().UTC()
	var orgIDs []int64
	q := db.WithContext(ctx).Model(&Invitation{}).Where("status = ? AND expires_at <= ?", InvitePending, now)
	if len(only) > 0 {
		q = q.Where("org_id IN ?", only)
	}
	err := q.Distinct("org_id").Pluck("org_id", &orgIDs).Error
	if err != nil {
		return err
	}
	for _, id := range orgIDs {
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			org, err := lockOrg(tx, id)
			if err != nil {
				return err
			}
			return expireTx(tx, org, now)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// InvitationRow is one pending invitation, as listed.
type InvitationRow struct {
	ID          int64
	Email       string
	Role        Role
	SeatTypeKey *string
	InviterName string
	ExpiresAt   time.Time
}

// PendingInvitations lists the organization's pending invitations, newest first.
func PendingInvitations(ctx context.Context, db *gorm.DB, clock Clock, actor Actor) ([]InvitationRow, error) {
	if err := actor.Check(ViewOrganization); err != nil {
		return nil, err
	}
	var rows []InvitationRow
	err := db.WithContext(ctx).Table("invitations").
		Select("invitations.id, invitations.email, invitations.role, invitations.seat_type_key, users.name AS inviter_name, invitations.expires_at").
		Joins("LEFT JOIN users ON users.id = invitations.invited_by").
		Where("invitations.org_id = ? AND invitations.status = ? AND invitations.expires_at > ?", actor.Org.ID, InvitePending, clock.Now().UTC()).
		Order("invitations.id DESC").Limit(500).Scan(&rows).Error
	return rows, err
}

// InvitationState is what the invitation link shows.
type InvitationState struct {
	Invitation Invitation
	OrgName    string
	Status     InvitationStatus // expired when past its date
	HasAccount bool             // the address already has a Seatdesk login
}

// LookupInvitation finds the invitation of a link token; an unknown token is ErrNotFound.
func LookupInvitation(ctx context.Context, db *gorm.DB, clock Clock, token string) (InvitationState, error) {
	var inv Invitation
	err := db.WithContext(ctx).Where("token_hash = ?", hashToken(token)).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return InvitationState{}, ErrNotFound
	}
	if err != nil {
		return InvitationState{}, err
	}
	st := InvitationState{Invitation: inv, Status: inv.Status}
	if inv.Status == InvitePending && !clock.Now().Before(inv.ExpiresAt) {
		st.Status = InviteExpired
	}
	var org Organization
	if err := db.WithContext(ctx).Take(&org, inv.OrgID).Error; err != nil {
		return InvitationState{}, err
	}
	st.OrgName = org.Name
	var n int64
	if err := db.WithContext(ctx).Model(&User{}).Where("email = ?", inv.Email).Count(&n).Error; err != nil {
		return InvitationState{}, err
	}
	st.HasAccount = n > 0
	return st, nil
}

// ErrInvitationClosed is an expired, revoked or used link.
var ErrInvitationClosed = errors.New("invitation closed")

// AcceptInvitation turns a pending invitation into a membership (R-INV-2):
// a new user is created with name and password, or an existing user proves
// their password; the reserved seat becomes an assigned one. Single use.
// The password is checked (under the sign-in throttle) or hashed before the
// transaction, through the hashing pool.
func AcceptInvitation(ctx context.Context, db *gorm.DB, clock Clock, h *Hasher, token, name, password, clientAddr string) (User, Organization, error) {
	proof, err := proveAcceptance(ctx, db, clock, h, token, name, password, clientAddr)
	if err != nil {
		return User{}, Organization{}, err
	}
	var user User
	var org Organization
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var inv Invitation
		err := tx.Where("token_hash = ?", hashToken(token)).Take(&inv).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if org, err = lockOrg(tx, inv.OrgID); err != nil {
			return err
		}
		now := clock.Now().UTC()
		if err := expireTx(tx, org, now); err != nil {
			return err
		}
		if err := tx.Take(&inv, inv.ID).Error; err != nil {
			return err
		}
		if inv.Status != InvitePending {
			return ErrInvitationClosed
		}
		err = tx.Where("email = ?", inv.Email).Take(&user).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			if proof.hash == "" {
				return ErrInvitationClosed // it was not open when the proof was made
			}
			user = User{Email: inv.Email, Name: strings.TrimSpace(name), PasswordHash: proof.hash}
			if err := tx.Create(&user).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if proof.userID != user.ID { // the account appeared after the proof: sign in with it
				return Invalidf("password", "invite.accept.wrong_password", nil)
			}
		}
		res := tx.Model(&Invitation{}).Where("id = ? AND status = ?", inv.ID, InvitePending).
			Updates(map[string]any{"status": InviteAccepted, "accepted_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrInvitationClosed
		}
		var n int64
		if err := tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", inv.OrgID, user.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 { // joined meanwhile by another way: the reserved seat goes back
			if inv.SeatTypeKey != nil {
				if err := releaseSeat(tx, inv.OrgID, *inv.SeatTypeKey); err != nil {
					return err
				}
			}
			return nil
		}
		m := Membership{OrgID: inv.OrgID, UserID: user.ID, Role: inv.Role, SeatTypeKey: inv.SeatTypeKey,
			Status: StatusActive, Source: SourceInvitation}
		if err := tx.Create(&m).Error; err != nil {
			return err
		}
		if err := tx.Where("org_id = ? AND user_id = ?", inv.OrgID, user.ID).Delete(&MemberRemoval{}).Error; err != nil {
			return err
		}
		if err := linkInvitationAudit(tx, inv.OrgID, inv.ID, user.ID); err != nil {
			return err
		}
		return Audit(tx, selfActor(org, user), "invitation.accepted", "membership", m.ID,
			map[string]any{"invitation": inv.ID}, map[string]any{"member": user.Email, "role": inv.Role, "seat_type": inv.SeatTypeKey})
	})
	return user, org, err
}

// MarkSent records the outcome of delivering an outbox message.
func MarkSent(ctx context.Context, db *gorm.DB, clock Clock, id int64, sendErr error) error {
	updates := map[string]any{"attempts": gorm.Expr("attempts + 1")}
	if sendErr == nil {
		updates["sent_at"] = clock.Now().UTC()
		updates["last_error"] = ""
	} else {
		updates["last_error"] = sendErr.Error()
	}
	return db.WithContext(ctx).Model(&OutboxMessage{}).Where("id = ?", id).Updates(updates).Error
}
