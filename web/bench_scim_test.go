package web

// SCIM at scale (`make bench`, PostgreSQL): GET /Users?filter=userName eq "…"
// among 100,000 members of acme, pages of 100 from anywhere in them, and
// 10,000 SCIM creates into an
// organization with 5,000 free seats (5,000 seated, then 5,000 waiting),
// each at 16 concurrent clients through the whole handler stack in-process,
// next to the same SQL statements sent directly through database/sql by 16
// goroutines. Benchmarks measure and print; they assert behaviour only.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
)

const (
	scimBenchClients = 16
	scimBenchLookups = 3_200
	scimBenchCreates = 10_000
	scimBenchFree    = 5_000
)

// concurrently runs n calls of fn over the given clients, timing each call.
func concurrently(clients, n int, fn func(i int) error) ([]time.Duration, time.Duration, error) {
	durations := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				if err := fn(i); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				durations[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		return nil, 0, err
	}
	slices.Sort(durations)
	return durations, wall, nil
}

type scimBenchRow struct {
	name        string
	n           int
	median, p95 time.Duration
	perSecond   float64
	queries     float64
}

func scimRow(name string, d []time.Duration, wall time.Duration, queries int64) scimBenchRow {
	return scimBenchRow{name: name, n: len(d), median: percentile(d, 50), p95: percentile(d, 95),
		perSecond: float64(len(d)) / wall.Seconds(), queries: float64(queries) / float64(len(d))}
}

func BenchmarkSCIM(b *testing.B) {
	benchNeedsPostgres(b, "SCIM")
	env := newBenchEnv(b, "postgres")
	db := env.h.db
	sqlDB, err := db.DB()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	handler := env.h.srv.Config.Handler
	acmeToken := scimToken(b, db, benchOrg, "bench")
	var rows []scimBenchRow
	var emails []string
	if err := db.Table("users").Where("password_hash = ?", "bulk-no-login").Order("id").Limit(scimBenchLookups).
		Pluck("email", &emails).Error; err != nil || len(emails) < scimBenchLookups {
		b.Fatalf("emails: %d %v", len(emails), err)
	}
	acme, _ := models.OrgBySlug(ctx, db, benchOrg)
	var queries atomic.Int64

	// 1. GET /Users?filter=userName eq "…" through HTTP, and its statements
	// directly: the token, the organization, the count, the page, its groups.
	lookup := func(i int) error {
		req := httptest.NewRequest(http.MethodGet, "/scim/v2/Users?filter="+url.QueryEscape(`userName eq "`+strings.ToUpper(emails[i])+`"`), nil)
		req.Header.Set("Authorization", "Bearer "+acmeToken)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"totalResults":1`) {
			return fmt.Errorf("lookup %s: %d %.200s", emails[i], rec.Code, rec.Body.String())
		}
		return nil
	}
	direct := func(i int) error {
		email := emails[i]
		var id, orgID, n int64
		var name, hash string
		if err := sqlDB.QueryRowContext(ctx, `SELECT id, org_id, name FROM scim_tokens WHERE token_hash = $1 LIMIT 1`, "x"+email).Scan(&id, &orgID, &name); err != nil && err != sql.ErrNoRows {
			return err
		}
		if err := sqlDB.QueryRowContext(ctx, `SELECT id, slug FROM organizations WHERE id = $1 LIMIT 1`, acme.ID).Scan(&id, &hash); err != nil {
			return err
		}
		if err := sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM memberships JOIN users ON users.id = memberships.user_id
WHERE memberships.org_id = $1 AND (users.email = $2)`, acme.ID, email).Scan(&n); err != nil || n != 1 {
			return fmt.Errorf("count %s: %d %v", email, n, err)
		}
		r, err := sqlDB.QueryContext(ctx, `SELECT memberships.id, COALESCE(memberships.scim_user_name, users.email) AS user_name, users.email,
  users.name, users.given_name, users.family_name, memberships.external_id, memberships.status, memberships.seat_type_key,
  memberships.waiting_for, memberships.created_at, memberships.updated_at
FROM memberships JOIN users ON users.id = memberships.user_id WHERE memberships.org_id = $1 AND (users.email = $2)
ORDER BY memberships.id ASC LIMIT 100`, acme.ID, email)
		if err != nil {
			return err
		}
		var mid int64
		for r.Next() {
			var s1, s2, s3, s4, s5, s6 string
			var ns1, ns2, ns3 sql.NullString
			var t1, t2 time.Time
			if err := r.Scan(&mid, &s1, &s2, &s3, &s4, &s5, &ns1, &s6, &ns2, &ns3, &t1, &t2); err != nil {
				r.Close()
				return err
			}
		}
		r.Close()
		g, err := sqlDB.QueryContext(ctx, `SELECT group_members.membership_id, groups.id, groups.display_name FROM group_members
JOIN groups ON groups.id = group_members.group_id WHERE group_members.membership_id IN ($1) ORDER BY groups.id`, mid)
		if err != nil {
			return err
		}
		g.Close()
		queries.Add(5)
		return nil
	}
	for _, w := range []struct {
		name string
		fn   func(int) error
	}{{"lookup http", lookup}, {"lookup sql", direct}} {
		if _, _, err := concurrently(scimBenchClients, 200, w.fn); err != nil { // warm-up
			b.Fatal(err)
		}
		env.counter.Reset()
		queries.Store(0)
		d, wall, err := concurrently(scimBenchClients, scimBenchLookups, w.fn)
		if err != nil {
			b.Fatal(err)
		}
		q := env.counter.Count() + queries.Load()
		rows = append(rows, scimRow(w.name, d, wall, q))
	}

	// Paging through all 100,000 members, 100 at a time, from anywhere.
	page := func(i int) error {
		start := 1 + (i*7919)%int(env.members)
		req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/scim/v2/Users?startIndex=%d&count=100", start), nil)
		req.Header.Set("Authorization", "Bearer "+acmeToken)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), fmt.Sprintf(`"startIndex":%d`, start)) {
			return fmt.Errorf("page at %d: %d %.200s", start, rec.Code, rec.Body.String())
		}
		return nil
	}
	env.counter.Reset()
	d, wall, err := concurrently(scimBenchClients, 400, page)
	if err != nil {
		b.Fatal(err)
	}
	rows = append(rows, scimRow("page http", d, wall, env.counter.Count()))

	// 2. Creates: two organizations like acme with 5,000 free seats each,
	// one for HTTP, one for the same statements sent directly.
	orgs := map[string]models.Organization{}
	for _, slug := range []string{"scim-http", "scim-sql"} {
		err := db.Exec(`INSERT INTO organizations (name, slug, plan_model, sales_assisted, term_start, term_end, currency,
  extra_usage, cancel_at_term_end, created_at, updated_at)
SELECT name, ?, plan_model, sales_assisted, term_start, term_end, currency, false, false, created_at, updated_at FROM organizations WHERE slug = ?`,
			slug, benchOrg).Error
		if err != nil {
			b.Fatal(err)
		}
		org, _ := models.OrgBySlug(ctx, db, slug)
		if err := db.Exec(`INSERT INTO seat_pools (org_id, seat_type_key, purchased, assigned, price_minor, created_at, updated_at)
VALUES (?, 'enterprise', ?, 0, 6000, now(), now())`, org.ID, scimBenchFree).Error; err != nil {
			b.Fatal(err)
		}
		orgs[slug] = org
	}
	createToken := scimToken(b, db, "scim-http", "bench")
	create := func(i int) error {
		body := newUserBody(fmt.Sprintf("new%05d@scim-http.example", i), "New", fmt.Sprint(i))
		req := httptest.NewRequest(http.MethodPost, "/scim/v2/Users", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+createToken)
		req.Header.Set("Content-Type", "application/scim+json")
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			return fmt.Errorf("create %d: %d %.300s", i, rec.Code, rec.Body.String())
		}
		return nil
	}
	sqlOrg := orgs["scim-sql"]
	createDirect := func(i int) error {
		return sqlCreate(ctx, sqlDB, sqlOrg.ID, fmt.Sprintf("new%05d@scim-sql.example", i), &queries)
	}
	for _, w := range []struct {
		name string
		fn   func(int) error
	}{{"create http", create}, {"create sql", createDirect}} {
		env.counter.Reset()
		queries.Store(0)
		d, wall, err := concurrently(scimBenchClients, scimBenchCreates, w.fn)
		if err != nil {
			b.Fatal(err)
		}
		rows = append(rows, scimRow(w.name, d, wall, env.counter.Count()+queries.Load()))
	}
	for _, slug := range []string{"scim-http", "scim-sql"} {
		org := orgs[slug]
		seated := countRows(b, db, "SELECT count(*) FROM memberships WHERE org_id = ? AND status = 'active'", org.ID)
		waiting := countRows(b, db, "SELECT count(*) FROM memberships WHERE org_id = ? AND status = 'pending'", org.ID)
		if seated != scimBenchFree || waiting != scimBenchCreates-scimBenchFree {
			b.Fatalf("%s: %d seated, %d waiting", slug, seated, waiting)
		}
	}
	fmt.Printf("\nSCIM, postgres: %d members in acme; %d clients at once\n", env.members, scimBenchClients)
	fmt.Printf("%-14s %6s %10s %10s %9s %12s\n", "variant", "n", "median ms", "p95 ms", "per s", "queries/req")
	for _, r := range rows {
		fmt.Printf("%-14s %6d %10.2f %10.2f %9.1f %12.1f\n", r.name, r.n, ms(r.median), ms(r.p95), r.perSecond, r.queries)
	}
	fmt.Printf("HTTP / direct: lookup throughput x%.2f, median x%.2f; create throughput x%.2f, median x%.2f\n",
		rows[0].perSecond/rows[1].perSecond, ms(rows[0].median)/ms(rows[1].median),
		rows[3].perSecond/rows[4].perSecond, ms(rows[3].median)/ms(rows[4].median))
}

func countRows(b *testing.B, db *gorm.DB, q string, args ...any) int64 {
	var n int64
	if err := db.Raw(q, args...).Scan(&n).Error; err != nil {
		b.Fatal(err)
	}
	return n
}

// sqlCreate sends the statements of models.Provisioner.Provision for a new
// person, in one transaction: the organization's lock, the user looked up
// and created, the membership, the allocation, the seat taken (or the place
// in line), the audit event.
func sqlCreate(ctx context.Context, db *sql.DB, orgID int64, email string, queries *atomic.Int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	now := time.Now().UTC()
	var id, userID, membershipID int64
	var slug string
	if err := tx.QueryRowContext(ctx, `SELECT id, slug FROM organizations WHERE id = $1 LIMIT 1 FOR UPDATE`, orgID).Scan(&id, &slug); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = $1 LIMIT 1`, email).Scan(&id); err != sql.ErrNoRows {
		return fmt.Errorf("user %s exists: %v", email, err)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, given_name, family_name, lang, password_hash, created_at, updated_at)
VALUES ($1, $2, $3, $4, '', '', $5, $5) RETURNING id`, email, "New Person", "New", "Person", now).Scan(&userID); err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO memberships (org_id, user_id, role, status, source, created_at, updated_at)
VALUES ($1, $2, 'member', 'suspended', 'scim', $3, $3) RETURNING id`, orgID, userID, now).Scan(&membershipID); err != nil {
		return err
	}
	r, err := tx.QueryContext(ctx, `SELECT seat_pools.id, seat_pools.purchased, seat_pools.assigned,
  (SELECT COUNT(*) FROM invitations WHERE invitations.org_id = seat_pools.org_id AND invitations.status = 'pending'
    AND invitations.seat_type_key = seat_pools.seat_type_key) AS reserved
FROM seat_pools JOIN seat_types ON seat_types.key = seat_pools.seat_type_key WHERE seat_pools.org_id = $1 ORDER BY seat_types.rank`, orgID)
	if err != nil {
		return err
	}
	var purchased, assigned, reserved int
	for r.Next() {
		if err := r.Scan(&id, &purchased, &assigned, &reserved); err != nil {
			r.Close()
			return err
		}
	}
	r.Close()
	n := 6
	if assigned < purchased {
		if _, err := tx.ExecContext(ctx, `UPDATE seat_pools SET assigned = assigned + 1, updated_at = $1
WHERE org_id = $2 AND seat_type_key = 'enterprise' AND assigned < purchased`, now, orgID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE memberships SET seat_type_key = 'enterprise', status = 'active', waiting_for = NULL,
  waiting_since = NULL, updated_at = $1 WHERE id = $2`, now, membershipID); err != nil {
			return err
		}
		n += 2
	} else {
		if _, err := tx.ExecContext(ctx, `UPDATE memberships SET seat_type_key = NULL, status = 'pending', waiting_for = 'enterprise',
  waiting_since = $1, updated_at = $1 WHERE id = $2`, now, membershipID); err != nil {
			return err
		}
		n++
	}
	after, _ := json.Marshal(map[string]any{"member": email, "status": "active"})
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_events (org_id, actor_kind, actor_token_id, actor_name, action, subject_type,
  subject_id, before, after, created_at) VALUES ($1, 'scim', 1, 'bench', 'member.provisioned', 'membership', $2, 'null', $3, $4)`,
		orgID, membershipID, string(after), now); err != nil {
		return err
	}
	queries.Add(int64(n))
	return tx.Commit()
}
