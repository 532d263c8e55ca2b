package models

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The audit log (R-AUDIT-1): every event of an organization, newest first,
// filtered by kind of change, actor, member and date range, read a page at a
// time by keyset (created_at, id) over indexes that start with the
// organization and the filtered column, so that a page costs the same at
// 1,000,000 events as at 100.

// AuditPageSize is how many events a page of the audit log shows.
const AuditPageSize = 50

// Kinds of change, the audit log's first filter; every action belongs to one.
const (
	KindSeats        = "seats"        // seat types given, changed, taken away; waiting members admitted
	KindMembers      = "members"      // members joining, provisioned, updated, suspended, removed
	KindRoles        = "roles"        // roles and primary ownership
	KindInvitations  = "invitations"  // sent, resent, revoked, expired
	KindBilling      = "billing"      // seats bought, reductions, cancellation, extra usage
	KindProvisioning = "provisioning" // SCIM tokens, groups, single sign-on
	KindOrganization = "organization" // the organization itself
	KindOther        = "unclassified"
)

// AuditKinds lists the kinds of change in the order the filter offers them.
var AuditKinds = []string{KindSeats, KindMembers, KindRoles, KindInvitations, KindBilling, KindProvisioning, KindOrganization}

var actionKinds = map[string]string{
	"member.seat_changed":                KindSeats,
	"member.admitted":                    KindSeats,
	"member.provisioned":                 KindMembers,
	"member.updated":                     KindMembers,
	"member.removed":                     KindMembers,
	"invitation.accepted":                KindMembers,
	"member.role_changed":                KindRoles,
	"organization.ownership_transferred": KindRoles,
	"invitation.sent":                    KindInvitations,
	"invitation.resent":                  KindInvitations,
	"invitation.revoked":                 KindInvitations,
	"invitation.expired":                 KindInvitations,
	"seats.purchased":                    KindBilling,
	"seats.reduction_scheduled":          KindBilling,
	"seats.reduction_cancelled":          KindBilling,
	"plan.cancelled":                     KindBilling,
	"plan.resumed":                       KindBilling,
	"plan.extra_usage_changed":           KindBilling,
	"scim_token.created":                 KindProvisioning,
	"scim_token.revoked":                 KindProvisioning,
	"group.created":                      KindProvisioning,
	"group.updated":                      KindProvisioning,
	"group.deleted":                      KindProvisioning,
	"sso.saved":                          KindProvisioning,
	"organization.created":               KindOrganization,
}

// AuditKindOf is the kind of change of an action; an action nobody has
// classified yet is "other" (and a test lists every action the code writes).
func AuditKindOf(action string) string {
	if k, ok := actionKinds[action]; ok {
		return k
	}
	if strings.HasPrefix(action, "plan.") || strings.HasPrefix(action, "seats.") {
		return KindBilling
	}
	return KindOther
}

// AuditFilter is what the audit log is filtered by; zero values filter nothing.
type AuditFilter struct {
	Kind   string    // one of AuditKinds
	Actor  string    // the actor's name as the log shows it: email, token name or job
	Member string    // the email of the person the change is about
	From   time.Time // first day included (UTC midnight); zero: no bound
	To     time.Time // last day included (UTC midnight); zero: no bound
}

// ParseAuditFilter reads the filter from form values; bad input is *Invalid.
func ParseAuditFilter(kind, actor, member, from, to string) (AuditFilter, error) {
	f := AuditFilter{Kind: strings.TrimSpace(kind), Actor: strings.TrimSpace(actor), Member: NormalizeEmail(member)}
	if f.Kind != "" && !containsString(AuditKinds, f.Kind) && f.Kind != KindOther {
		return f, Invalidf("kind", "audit.filter.kind_unknown", nil)
	}
	if len(f.Actor) > 320 || len(f.Member) > 320 {
		return f, Invalidf("actor", "audit.filter.too_long", nil)
	}
	if strings.Contains(f.Actor, "@") {
		f.Actor = NormalizeEmail(f.Actor)
	}
	var err error
	if f.From, err = parseDay(from, "from"); err != nil {
		return f, err
	}
	if f.To, err = parseDay(to, "to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return f, Invalidf("to", "audit.filter.range", nil)
	}
	return f, nil
}

func parseDay(s, field string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil || d.Year() < 2000 || d.Year() > 9999 {
		return time.Time{}, Invalidf(field, "audit.filter.date", map[string]any{"Value": s})
	}
	return d, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// AuditCursor is a position in the log: the (created_at, id) of an event.
type AuditCursor struct {
	At time.Time
	ID int64
}

// String encodes the cursor for a URL.
func (c AuditCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.At.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(c.ID, 10)))
}

// ParseAuditCursor decodes a cursor from a URL; "" is the newest page.
func ParseAuditCursor(s string) (*AuditCursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	bad := Invalidf("", "audit.cursor.invalid", nil)
	if err != nil {
		return nil, bad
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return nil, bad
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err != nil || err2 != nil || n < 1 {
		return nil, bad
	}
	return &AuditCursor{At: t.UTC(), ID: n}, nil
}

// AuditEntry is one event as the log shows it.
type AuditEntry struct {
	AuditEvent
	MemberEmail string // the person the change is about, as their email is now
	MemberName  string
}

// AuditPage is one page of the log.
type AuditPage struct {
	Entries []AuditEntry
	Older   *AuditCursor // the next page towards older events, nil at the end
	Newer   *AuditCursor // the previous page, nil on the newest page
}

// auditQuery is the filtered log of the actor's organization.
func auditQuery(ctx context.Context, db *gorm.DB, actor Actor, f AuditFilter) (*gorm.DB, bool, error) {
	q := db.WithContext(ctx).Table("audit_events").
		Select("audit_events.*, users.email AS member_email, users.name AS member_name").
		Joins("LEFT JOIN users ON users.id = audit_events.member_user_id").
		Where("audit_events.org_id = ?", actor.Org.ID)
	if f.Kind != "" {
		q = q.Where("audit_events.kind = ?", f.Kind)
	}
	if f.Actor != "" {
		q = q.Where("audit_events.actor_name = ?", f.Actor)
	}
	if f.Member != "" {
		var ids []int64
		if err := db.WithContext(ctx).Table("users").Where("email = ?", f.Member).Limit(1).Pluck("id", &ids).Error; err != nil {
			return nil, false, err
		}
		if len(ids) == 0 {
			return nil, false, nil // nobody has this email: no event is about them
		}
		q = q.Where("audit_events.member_user_id = ?", ids[0])
	}
	if !f.From.IsZero() {
		q = q.Where("audit_events.created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		q = q.Where("audit_events.created_at < ?", f.To.AddDate(0, 0, 1))
	}
	return q, true, nil
}

// AuditLog reads one page of the actor's organization's log: the newest
// events matching f before the cursor (older), or after it (newer).
func AuditLog(ctx context.Context, db *gorm.DB, actor Actor, f AuditFilter, before, after *AuditCursor) (AuditPage, error) {
	if err := actor.Check(ViewAudit); err != nil {
		return AuditPage{}, err
	}
	q, ok, err := auditQuery(ctx, db, actor, f)
	if err != nil || !ok {
		return AuditPage{}, err
	}
	var rows []AuditEntry
	switch {
	case after != nil:
		err = q.Where("(audit_events.created_at, audit_events.id) > (?, ?)", after.At, after.ID).
			Order("audit_events.created_at ASC, audit_events.id ASC").Limit(AuditPageSize + 1).Scan(&rows).Error
		if err != nil {
			return AuditPage{}, fmt.Errorf("audit log: %w", err)
		}
		more := len(rows) > AuditPageSize
		if more {
			rows = rows[:AuditPageSize]
		}
		for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
			rows[i], rows[j] = rows[j], rows[i]
		}
		page := AuditPage{Entries: rows}
		if len(rows) > 0 {
			last := rows[len(rows)-1]
			page.Older = &AuditCursor{At: last.CreatedAt, ID: last.ID}
			if more {
				page.Newer = &AuditCursor{At: rows[0].CreatedAt, ID: rows[0].ID}
			}
		}
		return page, nil
	case before != nil:
		q = q.Where("(audit_events.created_at, audit_events.id) < (?, ?)", before.At, before.ID)
	}
	err = q.Order("audit_events.created_at DESC, audit_events.id DESC").Limit(AuditPageSize + 1).Scan(&rows).Error
	if err != nil {
		return AuditPage{}, fmt.Errorf("audit log: %w", err)
	}
	page := AuditPage{}
	if len(rows) > AuditPageSize {
		rows = rows[:AuditPageSize]
		last := rows[len(rows)-1]
		page.Older = &AuditCursor{At: last.CreatedAt, ID: last.ID}
	}
	page.Entries = rows
	if before != nil && len(rows) > 0 {
		page.Newer = &AuditCursor{At: rows[0].CreatedAt, ID: rows[0].ID}
	}
	return page, nil
}

// auditExportBatch is how many events the export reads at a time.
const auditExportBatch = 1000

// EachAuditEvent calls fn for every event matching f, newest first, reading
// them in batches by keyset: memory does not grow with the number of events,
// and no statement stays open while fn writes.
func EachAuditEvent(ctx context.Context, db *gorm.DB, actor Actor, f AuditFilter, fn func(AuditEntry) error) error {
	if err := actor.Check(ViewAudit); err != nil {
		return err
	}
	var cursor *AuditCursor
	for {
		q, ok, err := auditQuery(ctx, db, actor, f)
		if err != nil || !ok {
			return err
		}
		if cursor != nil {
			q = q.Where("(audit_events.created_at, audit_events.id) < (?, ?)", cursor.At, cursor.ID)
		}
		var rows []AuditEntry
		if err := q.Order("audit_events.created_at DESC, audit_events.id DESC").Limit(auditExportBatch).Scan(&rows).Error; err != nil {
			return fmt.Errorf("audit export: %w", err)
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < auditExportBatch {
			return nil
		}
		last := rows[len(rows)-1]
		cursor = &AuditCursor{At: last.CreatedAt, ID: last.ID}
	}
}

// SeatHistory is how a member came to hold their seat: every event about
// them in the organization, oldest first, each with the purchase it came
// with (the invoice that paid for the seat), if any.
type SeatHistory struct {
	Member  MemberRow
	Events  []AuditEntry
	Invoice map[int64]string // event id → the invoice number of the purchase in the same change
}

// MemberSeatHistory reads a member's seat history.
func MemberSeatHistory(ctx context.Context, db *gorm.DB, actor Actor, membershipID int64) (SeatHistory, error) {
	if err := actor.Check(ViewAudit); err != nil {
		return SeatHistory{}, err
	}
	m, err := MemberByID(ctx, db, actor, membershipID)
	if err != nil {
		return SeatHistory{}, err
	}
	var userID int64
	if err := db.WithContext(ctx).Table("memberships").Where("id = ?", m.ID).Pluck("user_id", &userID).Error; err != nil {
		return SeatHistory{}, err
	}
	h := SeatHistory{Member: m, Invoice: map[int64]string{}}
	err = db.WithContext(ctx).Table("audit_events").
		Select("audit_events.*, users.email AS member_email, users.name AS member_name").
		Joins("LEFT JOIN users ON users.id = audit_events.member_user_id").
		Where("audit_events.org_id = ? AND audit_events.member_user_id = ?", actor.Org.ID, userID).
		Order("audit_events.created_at ASC, audit_events.id ASC").Limit(1000).Scan(&h.Events).Error
	if err != nil {
		return SeatHistory{}, fmt.Errorf("seat history: %w", err)
	}
	var changes []int64
	for _, e := range h.Events {
		if e.ChangeID != nil {
			changes = append(changes, *e.ChangeID)
		}
	}
	if len(changes) > 0 {
		var buys []AuditEvent
		err := db.WithContext(ctx).Where("org_id = ? AND id IN ? AND action = ?", actor.Org.ID, changes, "seats.purchased").Find(&buys).Error
		if err != nil {
			return SeatHistory{}, err
		}
		numbers := map[int64]string{}
		for _, b := range buys {
			numbers[b.ID] = InvoiceOf(b)
		}
		for _, e := range h.Events {
			if e.ChangeID != nil && numbers[*e.ChangeID] != "" {
				h.Invoice[e.ID] = numbers[*e.ChangeID]
			}
		}
	}
	return h, nil
}

// InvoiceOf is the invoice number a purchase event names, or "".
func InvoiceOf(e AuditEvent) string {
	var after struct {
		Invoice string `json:"invoice"`
	}
	if err := jsonUnmarshal(e.After, &after); err != nil {
		return ""
	}
	return after.Invoice
}

// LedgerEntry is one change of purchased seats: a term's subscription or
// seats added during it, with its invoice.
type LedgerEntry struct {
	At          time.Time
	SeatTypeKey string
	Kind        InvoiceLineKind
	Change      int // seats added (a subscription: the term's seats)
	Purchased   int // the seat type's purchased seats after the change
	Invoice     string
	AmountMinor int64
	Currency    string
	By          string // who bought them; "" for a term's subscription
}

// SeatLedger lists every change of the organization's purchased seats, oldest
// first, from its invoices: a subscription line sets a seat type's seats for
// a term, a purchase line adds to them.
func SeatLedger(ctx context.Context, db *gorm.DB, actor Actor) ([]LedgerEntry, error) {
	if err := actor.Check(ViewBilling); err != nil {
		return nil, err
	}
	var rows []struct {
		IssuedAt       time.Time
		Number         string
		Currency       string
		InvoiceID      int64
		Kind           InvoiceLineKind
		SeatTypeKey    string
		Quantity       int
		AmountMinor    int64
		UnitPriceMinor int64
		BoughtBy       *string
	}
	err := db.WithContext(ctx).Table("invoice_lines").
		Select(`invoices.issued_at, invoices.number, invoices.currency, invoices.id AS invoice_id, invoice_lines.kind,
  invoice_lines.seat_type_key, invoice_lines.quantity, invoice_lines.amount_minor, invoice_lines.unit_price_minor,
  (SELECT a.actor_name FROM audit_events a WHERE a.org_id = invoices.org_id AND a.action = 'seats.purchased'
     AND a.subject_type = 'seat_pool' AND a.subject_id = invoices.id ORDER BY a.id LIMIT 1) AS bought_by`).
		Joins("JOIN invoices ON invoices.id = invoice_lines.invoice_id").
		Where("invoices.org_id = ?", actor.Org.ID).
		Order("invoices.issued_at ASC, invoices.id ASC, invoice_lines.id ASC").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("seat ledger: %w", err)
	}
	held := map[string]int{}
	out := make([]LedgerEntry, 0, len(rows))
	for _, r := range rows {
		if r.Kind == LineSubscription {
			held[r.SeatTypeKey] = r.Quantity
		} else {
			held[r.SeatTypeKey] += r.Quantity
		}
		e := LedgerEntry{At: r.IssuedAt, SeatTypeKey: r.SeatTypeKey, Kind: r.Kind, Change: r.Quantity,
			Purchased: held[r.SeatTypeKey], Invoice: r.Number, AmountMinor: r.AmountMinor, Currency: r.Currency}
		if r.BoughtBy != nil {
			e.By = *r.BoughtBy
		}
		out = append(out, e)
	}
	return out, nil
}

var errNoJSON = errors.New("empty JSON")

func jsonUnmarshal(s string, v any) error {
	if s == "" || s == "null" {
		return errNoJSON
	}
	return json.Unmarshal([]byte(s), v)
}
