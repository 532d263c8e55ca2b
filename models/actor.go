package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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
	return memberActor(user, row.Organization, row.MemberID, row.MemberRole, row.MemberSeat, row.MemberStatus)
}

// memberActor is a user acting through their membership (id 0: none).
func memberActor(user User, org Organization, id int64, role Role, seat *string, status MemberStatus) (Actor, error) {
	if id == 0 {
		return Actor{}, ErrNotFound
	}
	if status != StatusActive {
		return Actor{}, &NotActive{Status: status, OrgName: org.Name}
	}
	if PlanEnded(org) && role != RoleOwner && role != RolePrimaryOwner {
		return Actor{}, &NotActive{Status: StatusPlanEnded, OrgName: org.Name} // Owners still see Billing
	}
	return Actor{Kind: ActorPerson, UserID: user.ID, Name: user.Name, Email: user.Email, MembershipID: id,
		Role: role, SeatTypeKey: seat, Org: org}, nil
}

// SessionActor is the caller of a request in an organization, read in one
// statement (every page and change sends it): the session's user, nil when
// the session is unknown, expired or revoked, and the user's membership of
// the organization with this slug, as ActorFor resolves it.
func SessionActor(ctx context.Context, db *gorm.DB, sessionID string, now time.Time, slug string) (*User, Actor, error) {
	var u User
	var member sql.NullInt64
	var role, seat, status sql.NullString
	var created, updated hotTime
	var org orgScan
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.GivenName, &u.FamilyName, &u.Lang, &u.PasswordHash, &created,
		&updated, &member, &role, &seat, &status}, org.dest()...)
	err := hotRow(db.WithContext(ctx), `SELECT users.id, users.email, users.name, users.given_name, users.family_name,
  users.lang, users.password_hash, users.created_at, users.updated_at,
  memberships.id, memberships.role, memberships.seat_type_key, memberships.status, `+orgColumns+`
FROM sessions JOIN users ON users.id = sessions.user_id
LEFT JOIN organizations ON organizations.slug = ?
LEFT JOIN memberships ON memberships.org_id = organizations.id AND memberships.user_id = users.id
WHERE sessions.id = ? AND sessions.expires_at > ?`, slug, sessionID, now).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, Actor{}, nil
	}
	if err != nil {
		return nil, Actor{}, fmt.Errorf("load session: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = created.T, updated.T
	o, _ := org.org()
	actor, err := memberActor(u, o, member.Int64, Role(role.String), nullString(seat), MemberStatus(status.String))
	return &u, actor, err
}

// OrgCount is how many organizations the user is an active member of.
func OrgCount(ctx context.Context, db *gorm.DB, userID int64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Membership{}).Where("user_id = ? AND status = ?", userID, StatusActive).Count(&n).Error
	return n, err
}

// Contact is an Owner or Admin a member can turn to.
type Contact struct {
	Name, Email string
	Role        Role
}

// maxContacts bounds the people a member's page names.
const maxContacts = 10

// Contacts are the people who manage the actor's organization (R-PERM-1),
// for a member's page: the Primary Owner, then Owners, then Admins, by name;
// at most ten.
func Contacts(ctx context.Context, db *gorm.DB, actor Actor) ([]Contact, error) {
	var out []Contact
	err := db.WithContext(ctx).Table("memberships").Select("users.name, users.email, memberships.role").
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.org_id = ? AND memberships.status = ? AND memberships.role IN ?", actor.Org.ID, StatusActive,
			[]Role{RolePrimaryOwner, RoleOwner, RoleAdmin}).
		Order(clause.Expr{SQL: "CASE memberships.role WHEN ? THEN 0 WHEN ? THEN 1 ELSE 2 END, users.name, users.id",
			Vars: []any{RolePrimaryOwner, RoleOwner}}).
		Limit(maxContacts).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	return out, nil
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
