package models

import (
	"context"
	"errors"
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

// Actor is a signed-in user acting inside one organization.
type Actor struct {
	UserID       int64
	Name         string
	Email        string
	MembershipID int64
	Role         Role
	SeatTypeKey  *string // nil = Unassigned
	Org          Organization
}

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
	var m Membership
	err := db.WithContext(ctx).Joins("JOIN organizations ON organizations.id = memberships.org_id").
		Where("organizations.slug = ? AND memberships.user_id = ? AND memberships.status = ?", slug, user.ID, StatusActive).
		Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Actor{}, ErrNotFound
	}
	if err != nil {
		return Actor{}, fmt.Errorf("find membership: %w", err)
	}
	var org Organization
	if err := db.WithContext(ctx).Take(&org, m.OrgID).Error; err != nil {
		return Actor{}, fmt.Errorf("load organization: %w", err)
	}
	return Actor{UserID: user.ID, Name: user.Name, Email: user.Email, MembershipID: m.ID, Role: m.Role, SeatTypeKey: m.SeatTypeKey, Org: org}, nil
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
