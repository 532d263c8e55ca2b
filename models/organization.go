package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// MembersPageSize is how many members one page of the members table shows.
const MembersPageSize = 50

// maxSearchLen bounds a search string.
const maxSearchLen = 200

// SeatFilterUnassigned filters members without a seat.
const SeatFilterUnassigned = "unassigned"

// MemberFilter is what the members table is asked to show.
type MemberFilter struct {
	Query    string // part of a name or email
	SeatType string // "" for all, a seat type key, or SeatFilterUnassigned
	Status   string // "" for all, or a MemberStatus
	Page     int    // 1-based
}

// MemberRow is one row of the members table.
type MemberRow struct {
	ID          int64
	Name        string
	Email       string
	Role        Role
	SeatTypeKey *string
	Status      MemberStatus
	Source      MemberSource
	SeatSource  SeatSource
	WaitingFor  *string
	CreatedAt   time.Time
}

const memberRowColumns = `memberships.id, users.name, users.email, memberships.role, memberships.seat_type_key, memberships.status,
  memberships.source, memberships.seat_source, memberships.waiting_for, memberships.created_at`

// MemberPage is one page of members and how many match in all.
type MemberPage struct {
	Filter MemberFilter
	Rows   []MemberRow
	Total  int64
	Pages  int
}

// ListMembers returns one page of the actor's organization's members, oldest
// first, matching the filter.
func ListMembers(ctx context.Context, db *gorm.DB, actor Actor, allocs []Allocation, f MemberFilter) (MemberPage, error) {
	if err := actor.Check(ViewOrganization); err != nil {
		return MemberPage{}, err
	}
	f.Query = strings.TrimSpace(f.Query)
	if len([]rune(f.Query)) > maxSearchLen {
		return MemberPage{}, Invalidf("q", "members.filter.query_too_long", map[string]any{"Max": maxSearchLen})
	}
	if f.SeatType != "" && f.SeatType != SeatFilterUnassigned && FindAllocation(allocs, f.SeatType) == nil {
		return MemberPage{}, Invalidf("seat", "members.filter.unknown_seat_type", nil)
	}
	if f.Status != "" && !validStatus(f.Status) {
		return MemberPage{}, Invalidf("status", "members.filter.unknown_status", nil)
	}
	if f.Page < 1 {
		f.Page = 1
	}
	// Only a search needs the users table; filters and paging work on
	// memberships alone (index-only), and the page's 50 rows are joined last.
	q := db.WithContext(ctx).Table("memberships").Where("memberships.org_id = ?", actor.Org.ID)
	if f.Query != "" {
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		q = q.Joins("JOIN users ON users.id = memberships.user_id").
			Where(`(lower(users.name) LIKE ? ESCAPE '\' OR users.email LIKE ? ESCAPE '\')`, like, like)
	}
	switch f.SeatType {
	case "":
	case SeatFilterUnassigned:
		q = q.Where("memberships.seat_type_key IS NULL")
	default:
		q = q.Where("memberships.seat_type_key = ?", f.SeatType)
	}
	if f.Status != "" {
		q = q.Where("memberships.status = ?", f.Status)
	}
	page := MemberPage{Filter: f}
	if err := q.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
		return MemberPage{}, fmt.Errorf("count members: %w", err)
	}
	page.Pages = int((page.Total + MembersPageSize - 1) / MembersPageSize)
	if f.Page > page.Pages && page.Pages > 0 {
		f.Page = page.Pages // past the end: show the last page
		page.Filter = f
	}
	ids := q.Session(&gorm.Session{}).Select("memberships.id").Order("memberships.id").
		Limit(MembersPageSize).Offset((f.Page - 1) * MembersPageSize)
	err := db.WithContext(ctx).Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
		Select(memberRowColumns).
		Where("memberships.id IN (?)", ids).Order("memberships.id").Scan(&page.Rows).Error
	if err != nil {
		return MemberPage{}, fmt.Errorf("list members: %w", err)
	}
	return page, nil
}

func validStatus(s string) bool {
	for _, st := range Statuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
