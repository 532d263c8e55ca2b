// Package models holds Seatdesk's GORM models and the domain operations on
// them. It imports neither net/http nor templ nor web/.
package models

import "time"

// PlanModel is one of the three plan models of SPEC §3.
type PlanModel string

const (
	PlanEnterprise PlanModel = "enterprise"  // usage-based Enterprise, one seat type
	PlanLegacyChat PlanModel = "legacy_chat" // legacy usage-based: Chat, Chat + Claude Code
	PlanLegacySeat PlanModel = "legacy_seat" // legacy seat-based: Standard, Premium
)

// Role is a member's role in an organization (SPEC §2).
type Role string

const (
	RolePrimaryOwner Role = "primary_owner"
	RoleOwner        Role = "owner"
	RoleAdmin        Role = "admin"
	RoleMember       Role = "member"
)

// Roles lists every role, highest first.
var Roles = []Role{RolePrimaryOwner, RoleOwner, RoleAdmin, RoleMember}

// MemberStatus is the state of a membership.
type MemberStatus string

const (
	StatusActive    MemberStatus = "active"    // in the organization (with or without a seat)
	StatusPending   MemberStatus = "pending"   // provisioned, waiting for a free seat (R-PROV-3)
	StatusSuspended MemberStatus = "suspended" // deactivated by the identity provider (R-PROV-2)
)

// Statuses lists every member status.
var Statuses = []MemberStatus{StatusActive, StatusPending, StatusSuspended}

// SeatSource says who chose a member's seat type (R-PROV-4).
type SeatSource string

const (
	SeatByMapping SeatSource = "mapping" // an identity-provider group mapping
	SeatByDefault SeatSource = "default" // provisioning's default order (R-PROV-3)
	SeatByPerson  SeatSource = "person"  // an Admin or Owner chose it
)

// MemberSource says how a member joined.
type MemberSource string

const (
	SourceSignup     MemberSource = "signup"     // created the organization
	SourceInvitation MemberSource = "invitation" // accepted an invitation
	SourceJIT        MemberSource = "jit"        // single sign-on, first login
	SourceSCIM       MemberSource = "scim"       // provisioned through SCIM
)

// Organization is a customer company with one Enterprise plan.
type Organization struct {
	ID                 int64     `gorm:"primaryKey"`
	Name               string    `gorm:"size:200;not null"`
	Slug               string    `gorm:"size:64;not null;uniqueIndex"`
	PlanModel          PlanModel `gorm:"size:32;not null"`
	SalesAssisted      bool      `gorm:"not null;default:false"`
	TermStart          time.Time `gorm:"not null"` // UTC midnight, first day of the term
	TermEnd            time.Time `gorm:"not null"` // UTC midnight, first day after the term
	Currency           string    `gorm:"size:3;not null"`
	ExtraUsage         bool      `gorm:"not null;default:false"`
	ExtraUsageCapMinor *int64
	CancelAtTermEnd    bool `gorm:"not null;default:false"`
	// EndedAt is when a plan cancelled for the end of its term ended
	// (R-LIFE-2): members have no access, nothing is deleted.
	EndedAt *time.Time
	// WaitlistNotifiedAt is when the Owners were last told that people wait
	// for a seat (at most once an hour).
	WaitlistNotifiedAt *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// SeatType is one row of the seat-type catalogue (SPEC §3).
type SeatType struct {
	Key          string    `gorm:"primaryKey;size:32"`
	PlanModel    PlanModel `gorm:"size:32;not null;index"`
	Rank         int       `gorm:"not null"` // low → high within the plan model
	Chat         bool      `gorm:"not null"` // Claude on web, desktop and mobile
	ClaudeCode   bool      `gorm:"not null"`
	Cowork       bool      `gorm:"not null"`
	HigherLimits bool      `gorm:"not null"`
}

// SeatPool is an organization's allocation of one seat type.
type SeatPool struct {
	ID          int64  `gorm:"primaryKey"`
	OrgID       int64  `gorm:"not null;uniqueIndex:idx_seat_pools_org_type,priority:1"`
	SeatTypeKey string `gorm:"size:32;not null;uniqueIndex:idx_seat_pools_org_type,priority:2"`
	Purchased   int    `gorm:"not null"`
	Assigned    int    `gorm:"not null"`
	PriceMinor  int64  `gorm:"not null"` // per seat per month, billed annually
	// RenewalQuantity is a reduction scheduled for the next renewal (R-SEAT-5).
	RenewalQuantity *int
	SeatType        SeatType `gorm:"foreignKey:SeatTypeKey;references:Key"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// YearlyMinor is what the pool costs per year.
func (p SeatPool) YearlyMinor() int64 { return int64(p.Purchased) * p.PriceMinor * 12 }

// Available is the number of seats of this type nobody holds.
func (p SeatPool) Available() int { return p.Purchased - p.Assigned }

// User is a person who can sign in. Email is stored lower-cased, which makes
// its uniqueness case-insensitive.
type User struct {
	ID           int64  `gorm:"primaryKey"`
	Email        string `gorm:"size:320;not null;uniqueIndex"`
	Name         string `gorm:"size:200;not null"`
	GivenName    string `gorm:"size:200;not null;default:''"` // as the identity provider gave it, else ""
	FamilyName   string `gorm:"size:200;not null;default:''"`
	Lang         string `gorm:"size:8;not null;default:''"` // the interface language last used, for emails
	PasswordHash string `gorm:"size:255;not null"`          // "" for people who sign in only through single sign-on
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Membership places a user in an organization with a role and, unless
// Unassigned, a seat type.
type Membership struct {
	ID          int64        `gorm:"primaryKey"`
	OrgID       int64        `gorm:"not null;uniqueIndex:idx_memberships_org_user,priority:1;index:idx_memberships_org_seat,priority:1;index:idx_memberships_org_status,priority:1"`
	UserID      int64        `gorm:"not null;uniqueIndex:idx_memberships_org_user,priority:2;index"`
	Role        Role         `gorm:"size:16;not null"`
	SeatTypeKey *string      `gorm:"size:32;index:idx_memberships_org_seat,priority:2"` // nil = Unassigned
	Status      MemberStatus `gorm:"size:16;not null;index:idx_memberships_org_status,priority:2"`
	Source      MemberSource `gorm:"size:16;not null"`
	// ExternalID is the identity provider's id for the member (SCIM externalId).
	ExternalID *string `gorm:"size:255"`
	// SCIMUserName is the userName as the identity provider wrote it (the
	// email, in its case); nil shows the email.
	SCIMUserName *string `gorm:"size:320"`
	// WaitingFor is the seat type a waiting member waits for; nil while
	// waiting means the first free seat of any type (legacy plans, no mapping).
	WaitingFor *string `gorm:"size:32"`
	// WaitingSince orders the wait-list (R-PROV-3): set while waiting for a
	// seat, or, holding one, for the type a group mapping gives.
	WaitingSince *time.Time `gorm:"index:idx_memberships_waiting"`
	// SeatSource says where the seat came from: a group mapping, the
	// default order, or a person ("" before provisioning knew).
	SeatSource SeatSource `gorm:"size:16;not null;default:''"`
	User       User
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// InvitationStatus is the state of an invitation.
type InvitationStatus string

const (
	InvitePending  InvitationStatus = "pending"
	InviteAccepted InvitationStatus = "accepted"
	InviteRevoked  InvitationStatus = "revoked"
	InviteExpired  InvitationStatus = "expired"
)

// Invitation asks someone to join an organization; while pending it holds a
// seat of its type (R-INV-2). Only the token's hash is stored.
type Invitation struct {
	ID          int64            `gorm:"primaryKey"`
	OrgID       int64            `gorm:"not null;index:idx_invitations_org_status,priority:1"`
	Email       string           `gorm:"size:320;not null"`
	Role        Role             `gorm:"size:16;not null"`
	SeatTypeKey *string          `gorm:"size:32"` // nil = Unassigned
	TokenHash   string           `gorm:"size:64;not null;uniqueIndex"`
	InvitedBy   int64            `gorm:"not null"`
	Lang        string           `gorm:"size:8;not null"` // the inviter's language, for the email
	Status      InvitationStatus `gorm:"size:16;not null;index:idx_invitations_org_status,priority:2"`
	ExpiresAt   time.Time        `gorm:"not null;index"`
	AcceptedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// OutboxMessage is an email, kept whether or not it could be delivered.
type OutboxMessage struct {
	ID        int64  `gorm:"primaryKey"`
	OrgID     *int64 `gorm:"index"`
	ToAddr    string `gorm:"size:320;not null"`
	Subject   string `gorm:"size:300;not null"`
	Body      string `gorm:"type:text;not null"`
	SentAt    *time.Time
	Attempts  int    `gorm:"not null;default:0"`
	LastError string `gorm:"type:text;not null;default:''"`
	CreatedAt time.Time
}

// Invoice is a charge recorded for an organization.
type Invoice struct {
	ID         int64     `gorm:"primaryKey"`
	OrgID      int64     `gorm:"not null;index:idx_invoices_org_issued,priority:1"`
	Number     string    `gorm:"size:32;not null;uniqueIndex"`
	IssuedAt   time.Time `gorm:"not null;index:idx_invoices_org_issued,priority:2"`
	Currency   string    `gorm:"size:3;not null"`
	TotalMinor int64     `gorm:"not null"`
	Lines      []InvoiceLine
	CreatedAt  time.Time
}

// SeatQuote is a reviewed purchase: Upgrade charges exactly its amount, once.
type SeatQuote struct {
	ID          int64     `gorm:"primaryKey"`
	Token       string    `gorm:"size:64;not null;uniqueIndex"`
	OrgID       int64     `gorm:"not null;index"`
	SeatTypeKey string    `gorm:"size:32;not null"`
	Quantity    int       `gorm:"not null"`
	PriceMinor  int64     `gorm:"not null"`
	AmountMinor int64     `gorm:"not null"`
	QuotedOn    time.Time `gorm:"not null"` // the UTC day the amount is valid for
	CreatedBy   int64     `gorm:"not null"`
	// Purpose is the change the quote was made for (see Purpose).
	Purpose   string `gorm:"size:400;not null;default:''"`
	InvoiceID *int64 // set once the quote is charged
	CreatedAt time.Time
}

// InvoiceLineKind says what a line charges for.
type InvoiceLineKind string

const (
	LineSubscription InvoiceLineKind = "subscription"  // a full term's seats
	LineSeatPurchase InvoiceLineKind = "seat_purchase" // seats added during a term, prorated
)

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	ID             int64           `gorm:"primaryKey"`
	InvoiceID      int64           `gorm:"not null;index"`
	Kind           InvoiceLineKind `gorm:"size:32;not null"`
	SeatTypeKey    string          `gorm:"size:32;not null"`
	Quantity       int             `gorm:"not null"`
	UnitPriceMinor int64           `gorm:"not null"` // per seat per month
	AmountMinor    int64           `gorm:"not null"`
	PeriodStart    time.Time       `gorm:"not null"`
	PeriodEnd      time.Time       `gorm:"not null"`
}

// AuditEvent records who changed what, before and after (R-AUDIT-1).
type AuditEvent struct {
	ID           int64     `gorm:"primaryKey;index:idx_audit_org_created,priority:3;index:idx_audit_org_kind,priority:4;index:idx_audit_org_actor,priority:4;index:idx_audit_org_member,priority:4"`
	OrgID        int64     `gorm:"not null;index:idx_audit_org_created,priority:1;index:idx_audit_org_kind,priority:1;index:idx_audit_org_actor,priority:1;index:idx_audit_org_member,priority:1"`
	ActorKind    ActorKind `gorm:"size:16;not null"`
	ActorUserID  *int64    // a person, or who signed in through single sign-on
	ActorTokenID *int64    // a SCIM token
	ActorName    string    `gorm:"size:320;not null;index:idx_audit_org_actor,priority:2"` // email, token name or system job, as it was then
	Action       string    `gorm:"size:64;not null"`
	// Kind groups actions for the audit log's filter (auditlog.go).
	Kind        string `gorm:"size:32;not null;default:'';index:idx_audit_org_kind,priority:2"`
	SubjectType string `gorm:"size:32;not null"`
	SubjectID   int64  `gorm:"not null"`
	// MemberUserID is the person the change is about (a member, or whom an
	// invitation is for once they have a login), for the member filter and
	// the seat history; nil for changes about no one in particular.
	MemberUserID *int64 `gorm:"index:idx_audit_org_member,priority:2"`
	// ChangeID is the first event written in the same transaction, when this
	// one is not it: a seat given with the purchase that paid for it.
	ChangeID  *int64
	Before    string    `gorm:"type:text;not null"` // JSON
	After     string    `gorm:"type:text;not null"` // JSON
	CreatedAt time.Time `gorm:"not null;index:idx_audit_org_created,priority:2;index:idx_audit_org_kind,priority:3;index:idx_audit_org_actor,priority:3;index:idx_audit_org_member,priority:3"`
}

// Session is a login session; UserID lets every session of a user be revoked at once.
type Session struct {
	ID        string    `gorm:"primaryKey;size:64"`
	UserID    *int64    `gorm:"index"`
	Data      string    `gorm:"type:text;not null"`
	ExpiresAt time.Time `gorm:"not null;index"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Setting is a key/value pair owned by the installation (the session key).
type Setting struct {
	Name  string `gorm:"primaryKey;size:64"`
	Value string `gorm:"type:text;not null"`
}

// LoginFailure is one failed sign-in (or one still being checked: the row is
// written before the hash, see beginAttempt), counted for rate limiting per
// account and per client address; kept in the database so that every
// instance agrees.
type LoginFailure struct {
	ID        int64     `gorm:"primaryKey"`
	Scope     string    `gorm:"size:400;not null;index:idx_login_failures_scope_at,priority:1"`
	CreatedAt time.Time `gorm:"not null;index:idx_login_failures_scope_at,priority:2"`
}

// SCIMToken lets an identity provider provision one organization's members
// (R-PROV-2). Only the token's SHA-256 is stored.
type SCIMToken struct {
	ID         int64  `gorm:"primaryKey"`
	OrgID      int64  `gorm:"not null;uniqueIndex:idx_scim_tokens_org_name,priority:1"`
	Name       string `gorm:"size:100;not null;uniqueIndex:idx_scim_tokens_org_name,priority:2"`
	TokenHash  string `gorm:"size:64;not null;uniqueIndex"`
	CreatedBy  string `gorm:"size:320;not null"` // who created it: a person's email, or "operator"
	LastUsedAt *time.Time
	CreatedAt  time.Time
}

// Group is an identity-provider group pushed by SCIM.
type Group struct {
	ID          int64   `gorm:"primaryKey"`
	OrgID       int64   `gorm:"not null;uniqueIndex:idx_groups_org_name,priority:1"`
	DisplayName string  `gorm:"size:200;not null;uniqueIndex:idx_groups_org_name,priority:2"`
	ExternalID  *string `gorm:"size:255"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// GroupMapping maps an identity-provider group to a seat type (nil =
// Unassigned); the lowest Position matching one of a person's groups wins
// (R-PROV-4).
type GroupMapping struct {
	ID          int64   `gorm:"primaryKey"`
	OrgID       int64   `gorm:"not null;index:idx_group_mappings_org_position,priority:1"`
	Position    int     `gorm:"not null;index:idx_group_mappings_org_position,priority:2"`
	GroupName   string  `gorm:"size:200;not null"`
	SeatTypeKey *string `gorm:"size:32"`
	CreatedAt   time.Time
}

// GroupMember places a member in a group.
type GroupMember struct {
	GroupID      int64 `gorm:"primaryKey"`
	MembershipID int64 `gorm:"primaryKey;index"`
}

// All lists every model, for the schema test.
func All() []any {
	return []any{&Organization{}, &SeatType{}, &SeatPool{}, &User{}, &Membership{},
		&SeatQuote{}, &Invitation{}, &OutboxMessage{}, &Invoice{}, &InvoiceLine{}, &AuditEvent{}, &Session{}, &Setting{}, &LoginFailure{},
		&SCIMToken{}, &Group{}, &GroupMember{}, &SSOConfig{}, &SSODomain{}, &SSOIdentity{}, &SSOLogin{}, &MemberRemoval{},
		&Term{}, &RenewalReminder{}, &APIToken{}}
}
