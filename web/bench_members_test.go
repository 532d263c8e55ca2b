package web

// The members page's direct SQL (`make bench`): for each variant of
// BenchmarkMembersPage, the statements a DBA would write for what the
// variant's members table shows (its count and its page of 50), written by
// hand from the shape, not by the application's code; and the statements
// of the rest of the answer (the session and its user, the actor, the seat
// pools; for a whole page also the invitations, the wait-list, the SCIM
// tokens, the group mappings and single sign-on), as the application sends
// them. All go through database/sql on the same connection pool, with no
// GORM and no HTTP. The benchmark times blocks of requests and then as many
// direct runs, in turns, so that the machine's other load weighs on both
// alike, and prints the ratios: request / all its statements, and request
// / the members table's two.

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// benchShape is what a variant's members table shows.
type benchShape struct {
	words  []string // each must appear in the name or the email
	seat   string   // "unassigned" or a seat type key
	status string
	sort   string // "" = added
	last   bool   // the last page
}

var benchShapes = map[string]benchShape{
	"a-first-page":      {},
	"b-search":          {words: []string{"bianch"}},
	"b-search-narrow":   {words: []string{"giulia", "bianchi"}},
	"c-seat-unassigned": {seat: "unassigned"},
	"c-status-pending":  {status: "pending"},
	"d-sort-added-desc": {sort: "-added"},
	"d-sort-name":       {sort: "name"},
	"d-sort-name-desc":  {sort: "-name"},
	"d-sort-seat":       {sort: "seat"},
	"d-sort-seat-desc":  {sort: "-seat"},
	"x-last-page":       {last: true},
	"x-fragment-search": {words: []string{"bianch"}},
}

const benchMemberCols = `m.id, u.name, u.email, m.role, m.seat_type_key, m.status, m.source, m.seat_source, m.waiting_for, m.created_at`

// order is the ORDER BY of the shape, reversed or not.
func (s benchShape) order(pg, reversed bool) string {
	key := strings.TrimPrefix(s.sort, "-")
	desc := strings.HasPrefix(s.sort, "-") != reversed
	dir := map[bool]string{false: "ASC", true: "DESC"}[desc]
	switch key {
	case "name":
		return "u.name " + dir + ", m.id " + dir
	case "seat":
		nulls := ""
		if pg { // Unassigned first, as the index is built
			nulls = map[bool]string{false: " NULLS FIRST", true: " NULLS LAST"}[desc]
		}
		return "m.seat_type_key " + dir + nulls + ", m.id " + dir
	}
	return "m.created_at " + dir + ", m.id " + dir
}

// statements are the count and the page of the shape, with ? placeholders;
// the page's statement needs the count's total for the last page.
func (s benchShape) statements(pg bool, orgID, total int64) (count string, countArgs []any, page string, pageArgs []any) {
	where := []string{"m.org_id = ?"}
	args := []any{orgID}
	switch s.seat {
	case "":
	case "unassigned":
		where = append(where, "m.seat_type_key IS NULL")
	default:
		where = append(where, "m.seat_type_key = ?")
		args = append(args, s.seat)
	}
	if s.status != "" {
		where = append(where, "m.status = ?")
		args = append(args, s.status)
	}
	users := false
	if len(s.words) > 0 {
		if pg { // the trigram GIN indexes on lower(name) and email
			for _, w := range s.words {
				where = append(where, "(lower(u.name) LIKE ? OR u.email LIKE ?)")
				args = append(args, "%"+w+"%", "%"+w+"%")
			}
			users = true
		} else { // the FTS5 trigram table
			phrases := make([]string, len(s.words))
			for i, w := range s.words {
				phrases[i] = `"` + w + `"`
			}
			where = append(where, "m.user_id IN (SELECT rowid FROM users_search WHERE users_search MATCH ?)")
			args = append(args, strings.Join(phrases, " AND "))
		}
	}
	cond := strings.Join(where, " AND ")
	from := "memberships m"
	if users {
		from += " JOIN users u ON u.id = m.user_id"
	}
	count = "SELECT count(*) FROM " + from + " WHERE " + cond
	// The last page is read from the end: the rows it shows, newest first,
	// put back in order.
	limit, offset, reversed := int64(dbaPageSize), int64(0), false
	if s.last {
		offset = (total - 1) / dbaPageSize * dbaPageSize
		limit, reversed = total-offset, true
		offset = 0
	}
	pageArgs = append(append([]any{}, args...), limit, offset)
	inner := s.order(pg, reversed)
	if !pg && len(s.words) == 0 && strings.TrimPrefix(s.sort, "-") == "name" {
		// SQLite: users in name order, keeping acme's members (rather than
		// sorting 100,000 rows).
		page = "SELECT " + benchMemberCols + " FROM users u CROSS JOIN memberships m ON m.user_id = u.id AND " + cond +
			" ORDER BY " + inner + " LIMIT ? OFFSET ?"
	} else if len(s.words) > 0 || strings.TrimPrefix(s.sort, "-") == "name" {
		page = "SELECT " + benchMemberCols + " FROM memberships m JOIN users u ON u.id = m.user_id WHERE " + cond +
			" ORDER BY " + inner + " LIMIT ? OFFSET ?"
	} else { // page on memberships alone (index-only), then join the 50 rows
		page = "SELECT " + benchMemberCols + " FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.id IN (SELECT m.id FROM " +
			"memberships m WHERE " + cond + " ORDER BY " + inner + " LIMIT ? OFFSET ?) ORDER BY " + s.order(pg, false)
	}
	return count, args, page, pageArgs
}

const dbaPageSize = 50 // models.MembersPageSize, spelled out

// direct runs the variant's count and page through database/sql and
// returns the total and the rows read.
func (e *benchEnv) direct(ctx context.Context, v benchVariant) (int64, int, error) {
	s, ok := benchShapes[v.name]
	if !ok {
		return 0, 0, fmt.Errorf("variant %s has no direct SQL: add its shape to benchShapes", v.name)
	}
	pg := e.kind == "postgres"
	run := func(q string, args []any) (*sql.Rows, error) {
		if pg {
			q = dollarPlaceholders(q)
			if len(s.words) > 0 { // planned with the patterns: a generic plan cannot tell a narrow search
				args = append([]any{pgx.QueryExecModeExec}, args...)
			}
		}
		return e.sql.QueryContext(ctx, q, args...)
	}
	countQ, countArgs, _, _ := s.statements(pg, e.orgID, 0)
	rows, err := run(countQ, countArgs)
	if err != nil {
		return 0, 0, err
	}
	var total int64
	for rows.Next() {
		if err := rows.Scan(&total); err != nil {
			rows.Close()
			return 0, 0, err
		}
	}
	if err := rows.Close(); err != nil {
		return 0, 0, err
	}
	if total == 0 {
		return 0, 0, nil
	}
	_, _, pageQ, pageArgs := s.statements(pg, e.orgID, total)
	if rows, err = run(pageQ, pageArgs); err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			id                                    int64
			name, email, role, status, src, seatS string
			seat, waiting                         sql.NullString
			created                               any
		)
		if err := rows.Scan(&id, &name, &email, &role, &seat, &status, &src, &seatS, &waiting, &created); err != nil {
			return 0, 0, err
		}
		n++
	}
	return total, n, rows.Err()
}

func dollarPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// timeDirect times one direct run: the members table's statements, and all
// of the answer's; it checks that they read what the page showed.
func (e *benchEnv) timeDirect(b *testing.B, v benchVariant) (list, all time.Duration) {
	ctx := context.Background()
	start := time.Now()
	if err := e.restOfPage(ctx, v, true); err != nil {
		b.Fatalf("%s %s direct SQL, before the table: %v", e.kind, v.name, err)
	}
	t0 := time.Now()
	total, rows, err := e.direct(ctx, v)
	list = time.Since(t0)
	if err != nil {
		b.Fatalf("%s %s direct SQL: %v", e.kind, v.name, err)
	}
	if err := e.restOfPage(ctx, v, false); err != nil {
		b.Fatalf("%s %s direct SQL, after the table: %v", e.kind, v.name, err)
	}
	all = time.Since(start)
	if rows == 0 {
		b.Fatalf("%s %s direct SQL: no rows (%d matching)", e.kind, v.name, total)
	}
	e.directTotal[v.name] = total
	return list, all
}

// restOfPage sends the statements of the answer before its members table
// (before) or after it, as the application sends them (GORM's log): the
// fragment has only the session, the actor and the seat pools.
func (e *benchEnv) restOfPage(ctx context.Context, v benchVariant, before bool) error {
	type stmt struct {
		q    string
		args []any
	}
	var stmts []stmt
	switch {
	case before:
		stmts = []stmt{
			{`SELECT users.* FROM users JOIN sessions ON sessions.user_id = users.id WHERE sessions.id = ? AND sessions.expires_at > ? LIMIT 1`,
				[]any{e.sessionID, testNow}},
			{`SELECT organizations.*, memberships.id AS member_id, memberships.role AS member_role, memberships.seat_type_key AS member_seat,
  memberships.status AS member_status FROM memberships JOIN organizations ON organizations.id = memberships.org_id
WHERE organizations.slug = ? AND memberships.user_id = ? LIMIT 1`, []any{benchOrg, e.adminID}},
		}
		if !v.htmx {
			stmts = append(stmts, stmt{`SELECT DISTINCT org_id FROM invitations WHERE (status = ? AND expires_at <= ?) AND org_id IN (?)`,
				[]any{"pending", testNow, e.orgID}})
		}
		stmts = append(stmts, stmt{`SELECT seat_pools.*, seat_types.plan_model, seat_types.rank, seat_types.chat, seat_types.claude_code,
  seat_types.cowork, seat_types.higher_limits,
  (SELECT COUNT(*) FROM invitations WHERE invitations.org_id = seat_pools.org_id AND invitations.status = ?
    AND invitations.seat_type_key = seat_pools.seat_type_key) AS reserved
FROM seat_pools JOIN seat_types ON seat_types.key = seat_pools.seat_type_key WHERE seat_pools.org_id = ? ORDER BY seat_types.rank`,
			[]any{"pending", e.orgID}})
	case !v.htmx:
		stmts = []stmt{
			{`SELECT invitations.id, invitations.email, invitations.role, invitations.seat_type_key, users.name AS inviter_name,
  invitations.expires_at FROM invitations LEFT JOIN users ON users.id = invitations.invited_by
WHERE invitations.org_id = ? AND invitations.status = ? AND invitations.expires_at > ? ORDER BY invitations.id DESC LIMIT 500`,
				[]any{e.orgID, "pending", testNow}},
			{`SELECT waiting_for, COUNT(*) AS n FROM memberships WHERE org_id = ? AND status = ? GROUP BY waiting_for`,
				[]any{e.orgID, "pending"}},
			{`SELECT memberships.id, users.name, users.email, memberships.source, memberships.waiting_for, memberships.waiting_since
FROM memberships JOIN users ON users.id = memberships.user_id WHERE memberships.org_id = ? AND memberships.status = ?
ORDER BY memberships.waiting_since, memberships.id LIMIT 200`, []any{e.orgID, "pending"}},
			{`SELECT * FROM scim_tokens WHERE org_id = ? ORDER BY id DESC`, []any{e.orgID}},
			{`SELECT * FROM group_mappings WHERE org_id = ? ORDER BY position, id`, []any{e.orgID}},
			{`SELECT * FROM sso_configs WHERE org_id = ? LIMIT 1`, []any{e.orgID}},
		}
	}
	for _, s := range stmts {
		q := s.q
		if e.kind == "postgres" {
			q = dollarPlaceholders(q)
		}
		rows, err := e.sql.QueryContext(ctx, q, s.args...)
		if err != nil {
			return err
		}
		cols, err := rows.Columns()
		if err != nil {
			rows.Close()
			return err
		}
		dest := make([]any, len(cols))
		for i := range dest {
			dest[i] = new(sql.RawBytes)
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}
