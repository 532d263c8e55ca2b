package models

import (
	"context"
	"database/sql"
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

// MemberSort is an order of the members table: a key, descending when it
// starts with "-". Every order ends with the membership id, so that pages
// never overlap or skip a member.
type MemberSort string

const (
	SortAdded     MemberSort = "added" // oldest first: the default
	SortAddedDesc MemberSort = "-added"
	SortName      MemberSort = "name"
	SortNameDesc  MemberSort = "-name"
	SortSeat      MemberSort = "seat" // Unassigned first, then by seat type
	SortSeatDesc  MemberSort = "-seat"
)

// MemberSorts lists every order of the members table, the default first.
var MemberSorts = []MemberSort{SortAdded, SortAddedDesc, SortName, SortNameDesc, SortSeat, SortSeatDesc}

// walkUsersFrom is the number of matching members from which SQLite reads
// users in name order for the order by name, rather than sorting them.
const walkUsersFrom = 1000

// MemberFilter is what the members table is asked to show.
type MemberFilter struct {
	Query    string // words, each of which must appear in the name or the email
	SeatType string // "" for all, a seat type key, or SeatFilterUnassigned
	Status   string // "" for all, or a MemberStatus
	Sort     string // "" for SortAdded, or a MemberSort
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

// ListMembers returns one page of the actor's organization's members,
// matching the filter, in its order (oldest first by default).
func ListMembers(ctx context.Context, db *gorm.DB, actor Actor, allocs []Allocation, f MemberFilter) (MemberPage, error) {
	q, f, err := memberQueryFor(db, actor, allocs, f)
	if err != nil {
		return MemberPage{}, err
	}
	page := MemberPage{Filter: f}
	if err := q.count(ctx, db, &page.Total); err != nil {
		return MemberPage{}, fmt.Errorf("count members: %w", err)
	}
	page.Pages = int((page.Total + MembersPageSize - 1) / MembersPageSize)
	if f.Page > page.Pages && page.Pages > 0 {
		f.Page = page.Pages // past the end: show the last page
		page.Filter = f
	}
	offset := int64(f.Page-1) * MembersPageSize
	if offset >= page.Total {
		return page, nil
	}
	err = q.rows(ctx, db, offset, MembersPageSize, page.Total, func(r MemberRow) error {
		page.Rows = append(page.Rows, r)
		return nil
	})
	if err != nil {
		return MemberPage{}, fmt.Errorf("list members: %w", err)
	}
	return page, nil
}

// EachMember calls fn for every member matching the filter (its page is
// ignored), in the filter's order, reading the rows as they come: for
// exports, whose memory does not grow with the organization.
func EachMember(ctx context.Context, db *gorm.DB, actor Actor, allocs []Allocation, f MemberFilter, fn func(MemberRow) error) error {
	q, _, err := memberQueryFor(db, actor, allocs, f)
	if err != nil {
		return err
	}
	return q.rows(ctx, db, 0, -1, 0, fn)
}

// memberQueryFor checks the filter and builds its statements.
func memberQueryFor(db *gorm.DB, actor Actor, allocs []Allocation, f MemberFilter) (memberQuery, MemberFilter, error) {
	if err := actor.Check(ViewOrganization); err != nil {
		return memberQuery{}, f, err
	}
	f.Query = strings.TrimSpace(f.Query)
	if len([]rune(f.Query)) > maxSearchLen {
		return memberQuery{}, f, Invalidf("q", "members.filter.query_too_long", map[string]any{"Max": maxSearchLen})
	}
	if f.SeatType != "" && f.SeatType != SeatFilterUnassigned && FindAllocation(allocs, f.SeatType) == nil {
		return memberQuery{}, f, Invalidf("seat", "members.filter.unknown_seat_type", nil)
	}
	if f.Status != "" && !validStatus(f.Status) {
		return memberQuery{}, f, Invalidf("status", "members.filter.unknown_status", nil)
	}
	if f.Sort == "" {
		f.Sort = string(SortAdded)
	}
	if !validSort(f.Sort) {
		return memberQuery{}, f, Invalidf("sort", "members.sort.unknown", nil)
	}
	if f.Page < 1 {
		f.Page = 1
	}
	return buildMemberQuery(db.Dialector.Name() == "postgres", actor.Org.ID, f), f, nil
}

// memberQuery is the SQL of one filter and order of the members table.
//
// Filters and orders by membership columns count and page on memberships
// alone (index-only: (org_id, created_at, id), (org_id, seat_type_key, id),
// (org_id, status)) and join users for the rows shown. A search matches each
// word on its own: every word must appear in the name or the email. On
// PostgreSQL each word is two LIKE conditions that the trigram GIN indexes
// on lower(name) and email answer, planned with the words' values (a
// generic plan cannot know a search is narrow and walks the whole
// organization); on SQLite the words of three letters or more are one
// MATCH on the FTS5 trigram table users_search, kept in step with users by
// triggers, and shorter words are LIKE conditions on the users found.
type memberQuery struct {
	pg       bool
	where    string // conditions on memberships (and users when joinUser)
	args     []any
	joinUser bool   // the conditions read users
	order    string // ORDER BY terms, ascending form
	reverse  string // the same terms, each direction reversed
	byUser   bool   // the order reads users
	// memberArgs is how many arguments the conditions on memberships take
	// (a search's come after).
	memberArgs int
	custom     bool // PostgreSQL: plan with the values (no cached generic plan)
}

func buildMemberQuery(pg bool, orgID int64, f MemberFilter) memberQuery {
	q := memberQuery{pg: pg}
	conds := []string{"memberships.org_id = ?"}
	q.args = append(q.args, orgID)
	switch f.SeatType {
	case "":
	case SeatFilterUnassigned:
		conds = append(conds, "memberships.seat_type_key IS NULL")
	default:
		conds = append(conds, "memberships.seat_type_key = ?")
		q.args = append(q.args, f.SeatType)
	}
	if f.Status != "" {
		conds = append(conds, "memberships.status = ?")
		q.args = append(q.args, f.Status)
	}
	q.memberArgs = len(q.args)
	var match []string
	for _, w := range SearchWords(f.Query) {
		if !pg && len([]rune(w)) >= 3 {
			match = append(match, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
			continue
		}
		like := "%" + escapeLike(w) + "%"
		name := "lower(users.name)"
		if !pg {
			name = "users.name" // SQLite's LIKE ignores ASCII case
		}
		conds = append(conds, "("+name+` LIKE ? ESCAPE '\' OR users.email LIKE ? ESCAPE '\')`)
		q.args = append(q.args, like, like)
		q.joinUser, q.custom = true, pg
	}
	if len(match) > 0 {
		conds = append(conds, "memberships.user_id IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)")
		q.args = append(q.args, strings.Join(match, " AND "))
	}
	q.where = strings.Join(conds, " AND ")
	desc := strings.HasPrefix(f.Sort, "-")
	asc, dsc := "ASC", "DESC"
	if desc {
		asc, dsc = dsc, asc
	}
	switch MemberSort(strings.TrimPrefix(f.Sort, "-")) {
	case SortName:
		q.byUser = true
		q.order = "users.name " + asc + ", memberships.id " + asc
		q.reverse = "users.name " + dsc + ", memberships.id " + dsc
	case SortSeat:
		// Unassigned first: SQLite sorts NULL first ascending, last
		// descending; PostgreSQL is told so, as its index is built.
		nulls := func(dir string) string {
			if !pg {
				return dir
			}
			if dir == "ASC" {
				return "ASC NULLS FIRST"
			}
			return "DESC NULLS LAST"
		}
		q.order = "memberships.seat_type_key " + nulls(asc) + ", memberships.id " + asc
		q.reverse = "memberships.seat_type_key " + nulls(dsc) + ", memberships.id " + dsc
	default:
		q.order = "memberships.created_at " + asc + ", memberships.id " + asc
		q.reverse = "memberships.created_at " + dsc + ", memberships.id " + dsc
	}
	return q
}

func (q memberQuery) from() string {
	if q.joinUser {
		return "memberships JOIN users ON users.id = memberships.user_id"
	}
	return "memberships"
}

func (q memberQuery) count(ctx context.Context, db *gorm.DB, n *int64) error {
	rows, err := q.query(ctx, db, "SELECT count(*) FROM "+q.from()+" WHERE "+q.where, q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(n); err != nil {
		return err
	}
	return rows.Close()
}

// rows reads limit rows from offset (all with limit < 0), in order, and
// calls fn for each. With total known, a page past the middle is read from
// the other end (the same rows, reversed in the statement and put back in
// order), so that the last page costs what the first does.
func (q memberQuery) rows(ctx context.Context, db *gorm.DB, offset, limit, total int64, fn func(MemberRow) error) error {
	order, args := q.order, append([]any{}, q.args...)
	page := ""
	back := false
	if limit >= 0 {
		if total > 0 && offset > total/2 {
			back = true
			end := min(offset+limit, total)
			offset, limit = total-end, end-offset
			order = q.reverse
		}
		page = " LIMIT ? OFFSET ?"
	}
	var stmt string
	switch {
	case q.byUser && !q.pg && !q.joinUser && len(q.args) == q.memberArgs && total > walkUsersFrom:
		// By name in a large organization, SQLite reads users in name
		// order and keeps its members (it would sort them all otherwise);
		// PostgreSQL finds that plan itself.
		stmt = "SELECT " + memberRowColumns + " FROM users CROSS JOIN memberships ON memberships.user_id = users.id AND " +
			q.where + " ORDER BY " + order + page
	case q.joinUser || q.byUser || limit < 0:
		stmt = "SELECT " + memberRowColumns + " FROM memberships JOIN users ON users.id = memberships.user_id WHERE " +
			q.where + " ORDER BY " + order + page
	default:
		// Page on memberships alone, then join users for the page's rows.
		stmt = "SELECT " + memberRowColumns + " FROM memberships JOIN users ON users.id = memberships.user_id " +
			"WHERE memberships.id IN (SELECT memberships.id FROM memberships WHERE " + q.where + " ORDER BY " + order + page +
			") ORDER BY " + order
	}
	if limit >= 0 {
		args = append(args, limit, offset)
	}
	rows, err := q.query(ctx, db, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var buf []MemberRow
	for rows.Next() {
		var (
			r       MemberRow
			created hotTime
			seat    sql.NullString
			waiting sql.NullString
		)
		if err := rows.Scan(&r.ID, &r.Name, &r.Email, &r.Role, &seat, &r.Status, &r.Source, &r.SeatSource, &waiting, &created); err != nil {
			return err
		}
		if seat.Valid {
			r.SeatTypeKey = &seat.String
		}
		if waiting.Valid {
			r.WaitingFor = &waiting.String
		}
		r.CreatedAt = created.T
		if back {
			buf = append(buf, r)
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for i := len(buf) - 1; i >= 0; i-- {
		if err := fn(buf[i]); err != nil {
			return err
		}
	}
	return rows.Close()
}

// query runs a read through database/sql, with ? placeholders.
func (q memberQuery) query(ctx context.Context, db *gorm.DB, stmt string, args ...any) (*sql.Rows, error) {
	if q.custom {
		args = append([]any{pgPlanWithValues}, args...)
	}
	return hotQuery(db.WithContext(ctx), stmt, args...)
}

// SearchWords splits a search into its lower-cased words, each once.
func SearchWords(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.Fields(strings.ToLower(s)) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

func validStatus(s string) bool {
	for _, st := range Statuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

func validSort(s string) bool {
	for _, v := range MemberSorts {
		if string(v) == s {
			return true
		}
	}
	return false
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
