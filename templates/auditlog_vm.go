package templates

import (
	"context"
	"time"
)

// AuditLog is Organization settings › Audit log: the filters, one page of
// events newest first, and the links to the pages around it.
type AuditLog struct {
	BaseURL   string   // the page without query
	Kinds     []string // the kind-of-change filter's choices
	Kind      string
	Actor     string
	Member    string
	From, To  string // YYYY-MM-DD as typed
	Error     string // translated message for a bad filter
	Rows      []AuditRow
	NewestURL string // "" on the newest page
	NewerURL  string
	OlderURL  string
	ExportURL string // the CSV of the filtered log
}

// AuditRow is one event in words.
type AuditRow struct {
	ID         int64
	At         time.Time
	ActorKind  string // translated: a person, a SCIM token, single sign-on, Seatdesk
	Actor      string
	ActorURL   string // the log filtered by this actor
	What       string // translated action
	Subject    string // on whom or what
	SubjectURL string // the log filtered by this member, when it is one
	Changes    []AuditChange
	Invoice    string // the invoice of the purchase in the same change
	InvoiceURL string // "" when the viewer cannot open invoices
}

// AuditChange is one field, before → after, in words.
type AuditChange struct {
	Field  string
	Before string
	After  string
}

// SeatHistory is a member's seat history: how they came to hold their seat.
type SeatHistory struct {
	Name, Email string
	Status      string
	SeatType    string // "" when Unassigned
	Source      string
	Since       time.Time
	Rows        []AuditRow // oldest first
	AuditURL    string     // the audit log filtered by this member
	BackURL     string
}

// LedgerRow is one change of purchased seats on Billing.
type LedgerRow struct {
	At           time.Time
	SeatType     string
	Subscription bool // a term's seats, else seats added
	Change       int
	Purchased    int
	Invoice      string
	InvoiceURL   string
	AmountMinor  int64
	By           string
}

// dateTime is a date in the locale's words and the time of day in UTC.
func dateTime(ctx context.Context, t time.Time) string {
	return date(ctx, t) + " " + t.UTC().Format("15:04") + " UTC"
}
