package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The access check (R-ACCESS-1): the product's services ask whether a user
// may use chat, Claude Code and Cowork in an organization. A feature is true
// only for an active member of an organization whose plan has not ended,
// holding a seat type that includes it. Every answer is read from the
// database when asked: nothing is cached, so a removal, Unassigned or a
// suspension that has committed is answered "no" from the next request on.

// MaxAccessBatch bounds the emails of one batch access check.
const MaxAccessBatch = 1000

// AccessStatus is where a user stands in an organization, for the access API.
type AccessStatus string

const (
	AccessActive     AccessStatus = "active"     // an active member holding a seat
	AccessWaiting    AccessStatus = "waiting"    // provisioned, waiting for a seat (pending)
	AccessUnassigned AccessStatus = "unassigned" // an active member without a seat
	AccessSuspended  AccessStatus = "suspended"  // deactivated by the identity provider
	AccessNotMember  AccessStatus = "not_member" // unknown user, or not a member of this organization
)

// Access is the answer for one email.
type Access struct {
	Email      string
	Status     AccessStatus
	SeatType   string // "" unless the member holds a seat
	Chat       bool
	ClaudeCode bool
	Cowork     bool
}

// AccessAnswer is the answer for one organization.
type AccessAnswer struct {
	Org        string
	PlanActive bool // false once the plan has ended: no feature for anyone
	Results    []Access
}

// accessPlanEnded is PlanEnded as the access statement can tell it: a plan
// cancelled at the end of its term ends when that end passes, even in the
// minute before the renewal job records it.
func accessPlanEnded(org Organization, now time.Time) bool {
	return org.CancelAtTermEnd && !now.Before(org.TermEnd)
}

// AccessQuery is one access check: an organization's slug and the emails
// asked about, as the caller wrote them.
type AccessQuery struct {
	Org    string
	Emails []string
}

// Validate checks the query and returns the emails normalized (lower-cased),
// in the order asked. Bad input is *Invalid.
func (q AccessQuery) Validate() ([]string, error) {
	if strings.TrimSpace(q.Org) == "" {
		return nil, Invalidf("org", "access.org.required", nil)
	}
	if len(q.Emails) == 0 {
		return nil, Invalidf("emails", "access.emails.required", nil)
	}
	if len(q.Emails) > MaxAccessBatch {
		return nil, Invalidf("emails", "access.emails.too_many", map[string]any{"Max": MaxAccessBatch})
	}
	out := make([]string, len(q.Emails))
	for i, e := range q.Emails {
		email, err := ValidateEmail(e)
		if err != nil {
			if strings.TrimSpace(e) == "" {
				return nil, Invalidf("email", "access.emails.required", nil)
			}
			return nil, err
		}
		out[i] = email
	}
	return out, nil
}

// accessRow is one row of the access statement.
type accessRow struct {
	OrgID           int64
	CancelAtTermEnd bool
	TermEnd         time.Time
	Email           *string
	Status          *MemberStatus
	SeatTypeKey     *string
	Chat            *bool
	ClaudeCode      *bool
	Cowork          *bool
}

// AccessSQL is THE statement of an access check, in one round trip: the
// organization by slug, the users by email, their memberships there and the
// seat types they hold. The bench runs it directly, next to the API.
const AccessSQL = `SELECT o.id AS org_id, o.cancel_at_term_end, o.term_end, u.email, m.status, m.seat_type_key,
  st.chat, st.claude_code, st.cowork
FROM organizations o
LEFT JOIN users u ON u.email IN ?
LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = u.id
LEFT JOIN seat_types st ON st.key = m.seat_type_key
WHERE o.slug = ?`

// CheckAccess answers an access check. An unknown organization is ErrNotFound.
func CheckAccess(ctx context.Context, db *gorm.DB, clock Clock, q AccessQuery) (AccessAnswer, error) {
	emails, err := q.Validate()
	if err != nil {
		return AccessAnswer{}, err
	}
	rows, err := accessRows(ctx, db, q.Org, emails)
	if err != nil {
		return AccessAnswer{}, fmt.Errorf("access check: %w", err)
	}
	if len(rows) == 0 {
		return AccessAnswer{}, ErrNotFound
	}
	org := Organization{CancelAtTermEnd: rows[0].CancelAtTermEnd, TermEnd: rows[0].TermEnd}
	out := AccessAnswer{Org: q.Org, PlanActive: !accessPlanEnded(org, clock.Now()), Results: make([]Access, len(emails))}
	found := make(map[string]accessRow, len(rows))
	for _, r := range rows {
		if r.Email != nil && r.Status != nil {
			found[*r.Email] = r
		}
	}
	for i, email := range emails {
		out.Results[i] = accessOf(email, found[email], out.PlanActive)
	}
	return out, nil
}

// accessOf turns a member's row (zero: not a member) into an answer.
func accessOf(email string, r accessRow, planActive bool) Access {
	a := Access{Email: email, Status: AccessNotMember}
	if r.Status == nil {
		return a
	}
	switch *r.Status {
	case StatusPending:
		a.Status = AccessWaiting
		return a
	case StatusSuspended:
		a.Status = AccessSuspended
		return a
	case StatusActive:
	default:
		return a
	}
	if r.SeatTypeKey == nil {
		a.Status = AccessUnassigned
		return a
	}
	a.Status = AccessActive
	a.SeatType = *r.SeatTypeKey
	if planActive {
		a.Chat = r.Chat != nil && *r.Chat
		a.ClaudeCode = r.ClaudeCode != nil && *r.ClaudeCode
		a.Cowork = r.Cowork != nil && *r.Cowork
	}
	return a
}

// accessRows runs AccessSQL with one placeholder per email.
func accessRows(ctx context.Context, db *gorm.DB, org string, emails []string) ([]accessRow, error) {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(emails)), ", ")
	args := make([]any, 0, len(emails)+1)
	for _, e := range emails {
		args = append(args, e)
	}
	args = append(args, org)
	rows, err := hotQuery(db.WithContext(ctx), strings.Replace(AccessSQL, "IN ?", "IN ("+marks+")", 1), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []accessRow
	for rows.Next() {
		var r accessRow
		var end hotTime
		var email, status, seat sql.NullString
		var chat, code, cowork sql.NullBool
		if err := rows.Scan(&r.OrgID, &r.CancelAtTermEnd, &end, &email, &status, &seat, &chat, &code, &cowork); err != nil {
			return nil, err
		}
		r.TermEnd = end.T
		if email.Valid {
			r.Email = &email.String
		}
		if status.Valid {
			s := MemberStatus(status.String)
			r.Status = &s
		}
		if seat.Valid {
			r.SeatTypeKey = &seat.String
		}
		if chat.Valid {
			r.Chat, r.ClaudeCode, r.Cowork = &chat.Bool, &code.Bool, &cowork.Bool
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
