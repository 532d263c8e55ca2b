package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Clock tells the time; injected so that proration, expiry and renewal can be
// tested at any date.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// ActorKind says who is behind a change: a person signed in, the company's
// identity provider (a SCIM token, or single sign-on), or Seatdesk itself
// (renewal, sweeps, operator commands).
type ActorKind string

const (
	ActorPerson ActorKind = "person"
	ActorSCIM   ActorKind = "scim"
	ActorSSO    ActorKind = "sso"
	ActorSystem ActorKind = "system"
)

// Actor is whoever acts inside one organization. Every operation takes one,
// checks its permissions the same way whatever its kind (policy.go), and
// names it in the audit event it writes.
type Actor struct {
	Kind         ActorKind
	UserID       int64 // a person, or the person signing in through single sign-on; else 0
	Name         string
	Email        string
	MembershipID int64 // a person's membership; else 0
	Role         Role  // a person's role; other kinds have no role
	SeatTypeKey  *string
	TokenID      int64 // the SCIM token; else 0
	Org          Organization
}

// SystemActor is Seatdesk itself acting in an organization; what names the
// job ("renewal", "invitation expiry", "operator").
func SystemActor(org Organization, what string) Actor {
	return Actor{Kind: ActorSystem, Name: what, Org: org}
}

// TokenActor is the identity provider acting through a SCIM token.
func TokenActor(org Organization, tokenID int64, tokenName string) Actor {
	return Actor{Kind: ActorSCIM, TokenID: tokenID, Name: tokenName, Org: org}
}

// SSOActor is a person signing in through single sign-on, provisioned by it.
func SSOActor(org Organization, user User) Actor {
	return Actor{Kind: ActorSSO, UserID: user.ID, Name: user.Name, Email: user.Email, Org: org}
}

// selfActor is a person acting on their own behalf outside any role (accepting
// an invitation).
func selfActor(org Organization, user User) Actor {
	return Actor{Kind: ActorPerson, UserID: user.ID, Name: user.Name, Email: user.Email, Org: org}
}

// NotActive is a member who may not act in the organization yet or any
// more: waiting for a seat, or suspended by the identity provider.
type NotActive struct {
	Status  MemberStatus
	OrgName string
}

func (e *NotActive) Error() string { return "membership is " + string(e.Status) }

// OrgChoice is one organization a user belongs to, for the organization picker.
type OrgChoice struct {
	Slug string
	Name string
	Role Role
}

// ActorFor resolves the user's membership in the organization with this slug.
// A user who is not a member gets ErrNotFound: nobody learns which
// organizations exist (R-PERM-3).
func ActorFor(ctx context.Context, db *gorm.DB, user User, slug string) (Actor, error) {
	var row struct {
		Organization `gorm:"embedded"`
		MemberID     int64
		MemberRole   Role
		MemberSeat   *string
		MemberStatus MemberStatus
	}
	err := db.WithContext(ctx).Table("memberships").
		Select("organizations.*, memberships.id AS member_id, memberships.role AS member_role, memberships.seat_type_key AS member_seat, memberships.status AS member_status").
		Joins("JOIN organizations ON organizations.id = memberships.org_id").
		Where("organizations.slug = ? AND memberships.user_id = ?", slug, user.ID).
		Limit(1).Scan(&row).Error
	if err != nil {
		return Actor{}, fmt.Errorf("find membership: %w", err)
	}
	if row.MemberID == 0 {
		return Actor{}, ErrNotFound
	}
	if row.MemberStatus != StatusActive {
		return Actor{}, &NotActive{Status: row.MemberStatus, OrgName: row.Name}
	}
	if PlanEnded(row.Organization) && row.MemberRole != RoleOwner && row.MemberRole != RolePrimaryOwner {
		return Actor{}, &NotActive{Status: StatusPlanEnded, OrgName: row.Name} // Owners still see Billing
	}
	return Actor{Kind: ActorPerson, UserID: user.ID, Name: user.Name, Email: user.Email, MembershipID: row.MemberID,
		Role: row.MemberRole, SeatTypeKey: row.MemberSeat, Org: row.Organization}, nil
}

// OrgsOf lists the organizations where the user is an active member, by name.
func OrgsOf(ctx context.Context, db *gorm.DB, userID int64) ([]OrgChoice, error) {
	var out []OrgChoice
	err := db.WithContext(ctx).Table("memberships").
		Select("organizations.slug AS slug, organizations.name AS name, memberships.role AS role").
		Joins("JOIN organizations ON organizations.id = memberships.org_id").
		Where("memberships.user_id = ? AND memberships.status = ?", userID, StatusActive).
		Order("organizations.name").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	return out, nil
}
