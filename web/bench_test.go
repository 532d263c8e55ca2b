package web

// The members page at 100,000 members (`make bench`). Setup runs once per
// database kind: a fresh migrated database, the demo data, then 100,000 more
// members in acme inserted set-based, the seat pools brought in line, then
// VACUUM ANALYZE (PostgreSQL) or ANALYZE (SQLite).
// Each variant is then requested in-process through the whole handler stack
// (middleware, session, guard, handler, templ rendering into a recorder; no
// network), timed one request at a time, with the SQL statements counted by
// models.QueryCounter. Benchmarks measure and print; they assert behaviour
// only (status 200, rows shown), never a time.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

const (
	benchMembers = 100_000
	benchBlock   = 10 // requests timed, then as many direct SQL runs, in turns
	benchWarmup  = 20 // untimed requests before a variant is measured (5 on SQLite, whose searches are slow)
	benchOrg     = "acme"
	benchAdmin   = "admin@acme.example"
)

// benchVariant is one request of the members page.
type benchVariant struct {
	name, path string
	htmx       bool
	lastPage   bool // path gets ?page=<last page>
}

const benchPath = "/orgs/" + benchOrg + "/settings/organization"

var benchVariants = []benchVariant{
	{name: "a-first-page", path: benchPath},
	{name: "b-search", path: benchPath + "?q=bianch"},                 // one last name in 61: ~1,640 matches
	{name: "b-search-narrow", path: benchPath + "?q=giulia+bianchi"},  // one full name: ~35 matches
	{name: "c-seat-unassigned", path: benchPath + "?seat=unassigned"}, // 30 %
	{name: "c-status-pending", path: benchPath + "?status=pending"},   // 10 %
	{name: "x-last-page", path: benchPath, lastPage: true},            // deepest OFFSET
	{name: "x-fragment-search", path: benchPath + "/members?q=bianch", htmx: true},
	{name: "d-sort-added-desc", path: benchPath + "?sort=-added"},
	{name: "d-sort-name", path: benchPath + "?sort=name"},
	{name: "d-sort-name-desc", path: benchPath + "?sort=-name"},
	{name: "d-sort-seat", path: benchPath + "?sort=seat"},
	{name: "d-sort-seat-desc", path: benchPath + "?sort=-seat"},
}

// benchResult is one variant's figures.
type benchResult struct {
	n           int
	median, p95 time.Duration
	queries     float64
	total, rows int // members matching, rows shown
	bytes       int
	cpu         time.Duration // CPU per request, Seatdesk and PostgreSQL; 0 if unknown
	// The variant's direct SQL (bench_members_test.go), timed in turns with
	// the requests.
	sqlMedian, sqlP95 time.Duration
	listMedian        time.Duration // the members table's two statements alone
}

// benchEnv is one database kind set up with 100,000 members.
type benchEnv struct {
	kind     string
	h        *harness
	counter  *models.QueryCounter
	cookies  []*http.Cookie
	members  int64 // in acme, demo members included
	lastPage int
	setup    time.Duration
	warmup   int
	warm     map[string]bool
	results  map[string]benchResult
	// For the direct SQL: the pool under GORM, acme's id, and the total
	// each variant's direct count found.
	sql         *sql.DB
	orgID       int64
	adminID     int64
	sessionID   string
	directTotal map[string]int64
}

// BenchmarkMembersPage reports median and p95 server time and SQL statements
// per request of the members page, on PostgreSQL and SQLite at 100,000 members.
func BenchmarkMembersPage(b *testing.B) {
	benchNeedsPostgres(b, "members-page")
	for _, kind := range []string{"postgres", "sqlite"} {
		b.Run(kind, func(b *testing.B) {
			env := newBenchEnv(b, kind)
			for _, v := range benchVariants {
				b.Run(v.name, func(b *testing.B) { env.run(b, v) })
			}
			env.print()
		})
	}
}

// benchNeedsPostgres skips the benchmark without TEST_DATABASE_URL (fails it
// when SEATDESK_REQUIRE_POSTGRES is set).
func benchNeedsPostgres(b *testing.B, what string) {
	b.Helper()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		if modeltest.RequirePostgres() {
			b.Fatal("SEATDESK_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
		}
		b.Skip("TEST_DATABASE_URL is not set: the " + what + " benchmark needs PostgreSQL " +
			"(e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable make bench)")
	}
}

func newBenchEnv(b *testing.B, kind string) *benchEnv {
	b.Helper()
	start := time.Now()
	db := modeltest.Open(b, kind)
	counter := &models.QueryCounter{}
	if err := db.Use(counter); err != nil {
		b.Fatalf("register query counter: %v", err)
	}
	h := newHarness(b, db)
	seedBenchMembers(b, db, kind)
	c := h.login(benchAdmin)
	u, _ := url.Parse(h.srv.URL)
	env := &benchEnv{kind: kind, h: h, counter: counter, cookies: c.http.Jar.Cookies(u),
		warmup: benchWarmup, warm: map[string]bool{}, results: map[string]benchResult{}}
	if kind == "sqlite" {
		env.warmup = 5
	}
	if err := db.Table("memberships").Joins("JOIN organizations ON organizations.id = memberships.org_id").
		Where("organizations.slug = ?", benchOrg).Count(&env.members).Error; err != nil {
		b.Fatal(err)
	}
	env.lastPage = int((env.members + models.MembersPageSize - 1) / models.MembersPageSize)
	env.directTotal = map[string]int64{}
	var err error
	if env.sql, err = db.DB(); err != nil {
		b.Fatal(err)
	}
	if err := db.Table("organizations").Where("slug = ?", benchOrg).Select("id").Scan(&env.orgID).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Table("users").Where("email = ?", benchAdmin).Select("id").Scan(&env.adminID).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Table("sessions").Where("user_id = ?", env.adminID).Order("created_at DESC").Limit(1).
		Select("id").Scan(&env.sessionID).Error; err != nil || env.sessionID == "" {
		b.Fatalf("the admin's session: %v", err)
	}
	env.setup = time.Since(start)
	return env
}

// request builds one GET of the variant, signed in as the acme admin.
func (e *benchEnv) request(v benchVariant) *http.Request {
	path := v.path
	if v.lastPage {
		path += "?page=" + strconv.Itoa(e.lastPage)
	}
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept-Language", "en")
	if v.htmx {
		req.Header.Set("HX-Request", "true")
	}
	for _, c := range e.cookies {
		req.AddCookie(c)
	}
	return req
}

var totalPattern = regexp.MustCompile(`of ([0-9,]+) members?`)

// check fails the benchmark unless the response is a page of members.
func (e *benchEnv) check(b *testing.B, v benchVariant, rec *httptest.ResponseRecorder) (total, rows int) {
	b.Helper()
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s: status %d: %.300s", e.kind, v.name, rec.Code, body)
	}
	rows = strings.Count(body, `data-testid="member-row"`)
	m := totalPattern.FindStringSubmatch(body)
	if rows == 0 || m == nil {
		b.Fatalf("%s %s: no members shown: %.300s", e.kind, v.name, body)
	}
	total, _ = strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	return total, rows
}

// run times b.N requests of one variant after a warm-up.
func (e *benchEnv) run(b *testing.B, v benchVariant) {
	handler := e.h.srv.Config.Handler
	serve := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, e.request(v))
		return rec
	}
	if !e.warm[v.name] {
		for range e.warmup {
			e.check(b, v, serve())
			e.timeDirect(b, v)
		}
		e.warm[v.name] = true
	}
	durations := make([]time.Duration, 0, b.N)
	direct := make([]time.Duration, 0, b.N)
	list := make([]time.Duration, 0, b.N)
	var last *httptest.ResponseRecorder
	// Blocks of benchBlock requests, then as many direct runs: load drift
	// weighs on both alike; CPU is read around the requests only (reading
	// it is a statement on PostgreSQL, not counted).
	var cpu time.Duration
	cpuKnown := true
	var queries int64
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(benchBlock, b.N-done)
		cpu0 := e.cpuTime()
		e.counter.Reset()
		for range n {
			req := e.request(v)
			rec := httptest.NewRecorder()
			start := time.Now()
			handler.ServeHTTP(rec, req)
			durations = append(durations, time.Since(start))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s %s: status %d", e.kind, v.name, rec.Code)
			}
			last = rec
		}
		queries += e.counter.Count()
		cpu1 := e.cpuTime()
		cpu += cpu1 - cpu0
		cpuKnown = cpuKnown && cpu0 > 0
		b.StopTimer()
		for range n {
			l, a := e.timeDirect(b, v)
			list, direct = append(list, l), append(direct, a)
		}
		b.StartTimer()
		done += n
	}
	b.StopTimer()
	total, rows := e.check(b, v, last)
	if int64(total) != e.directTotal[v.name] {
		b.Fatalf("%s %s: the page shows %d members, its direct SQL counts %d", e.kind, v.name, total, e.directTotal[v.name])
	}
	slices.Sort(durations)
	slices.Sort(direct)
	slices.Sort(list)
	r := benchResult{n: b.N, median: percentile(durations, 50), p95: percentile(durations, 95),
		queries: float64(queries) / float64(b.N), total: total, rows: rows, bytes: last.Body.Len(),
		sqlMedian: percentile(direct, 50), sqlP95: percentile(direct, 95), listMedian: percentile(list, 50)}
	if cpuKnown {
		r.cpu = cpu / time.Duration(b.N)
	}
	if prev, ok := e.results[v.name]; !ok || r.n >= prev.n {
		e.results[v.name] = r
	}
	b.ReportMetric(ms(r.median), "ms-median")
	b.ReportMetric(ms(r.p95), "ms-p95")
	b.ReportMetric(r.queries, "queries/req")
	b.ReportMetric(ms(r.sqlMedian), "sql-ms-median")
	b.ReportMetric(ms(r.median)/ms(r.sqlMedian), "http/sql-median")
	b.ReportMetric(ms(r.listMedian), "list-sql-ms-median")
	if r.cpu > 0 {
		b.ReportMetric(ms(r.cpu), "cpu-ms/req")
	}
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(i, 0)]
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// print writes the variant table of one database kind to stdout.
func (e *benchEnv) print() {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nMembers page, %s: %d members in %s, setup %.1fs; in-process server time per request "+
		"after %d warm-up requests; load average %s\n", e.kind, e.members, benchOrg, e.setup.Seconds(), e.warmup, loadAverage())
	fmt.Fprintf(&sb, "%-20s %5s %10s %10s %11s %10s %9s %5s %6s %10s %10s %7s %11s %7s  %s\n",
		"variant", "n", "median ms", "p95 ms", "queries/req", "CPU ms/req", "matching", "rows", "KB",
		"SQL med ms", "SQL p95 ms", "x SQL", "list med ms", "x list", "request")
	for _, v := range benchVariants {
		r, ok := e.results[v.name]
		if !ok {
			continue
		}
		path := e.request(v).URL.RequestURI()
		cpu := "-"
		if r.cpu > 0 {
			cpu = fmt.Sprintf("%.2f", ms(r.cpu))
		}
		fmt.Fprintf(&sb, "%-20s %5d %10.2f %10.2f %11.1f %10s %9d %5d %6.1f %10.2f %10.2f %7.2f %11.2f %7.2f  %s\n",
			v.name, r.n, ms(r.median), ms(r.p95), r.queries, cpu, r.total, r.rows, float64(r.bytes)/1024,
			ms(r.sqlMedian), ms(r.sqlP95), ms(r.median)/ms(r.sqlMedian), ms(r.listMedian), ms(r.median)/ms(r.listMedian), path)
	}
	fmt.Fprintln(&sb, "SQL: every statement of the answer through database/sql: the members table's count and page as a DBA"+
		" would write them for the variant, and the rest of the page's statements as the application sends them"+
		" (bench_members_test.go), timed in turns with the requests; x SQL: median request / median SQL; list: the"+
		" members table's two statements alone; x list: median request / median list")
	fmt.Fprintln(&sb, "CPU ms/req: user+system time of this process and of the PostgreSQL backends of its database (not of"+
		" parallel query workers, which exit unseen); less sensitive than wall-clock time to the machine's other load")
	fmt.Print(sb.String())
}

// cpuTime is the CPU time used so far by this process and, on PostgreSQL, by
// the backends of the benchmark's database (parallel query workers are missed:
// they exit between two readings), read from /proc (Linux, server on this
// machine); 0 when unknown.
func (e *benchEnv) cpuTime() time.Duration {
	pids := []string{"self"}
	if e.kind == "postgres" {
		var backends []string
		if err := e.h.db.Raw("SELECT pid::text FROM pg_stat_activity WHERE datname = current_database()").
			Scan(&backends).Error; err != nil {
			return 0
		}
		pids = append(pids, backends...)
	}
	var ticks int64
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			if pid == "self" {
				return 0
			}
			continue // a backend that has exited
		}
		// Fields after the parenthesised command: state is field 3, utime 14, stime 15.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 13 {
			return 0
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += utime + stime
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// loadAverage is the 1, 5 and 15-minute load average (Linux), for judging noise.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// Names of the bulk members: 47 first names × 61 last names (both prime to 20,
// so that first names, last names, seats and statuses mix), ASCII for emails.
var benchFirst = [][2]string{
	{"Giulia", "giulia"}, {"Luca", "luca"}, {"Sofia", "sofia"}, {"Marco", "marco"}, {"Camille", "camille"},
	{"Louis", "louis"}, {"Emma", "emma"}, {"Hugo", "hugo"}, {"Alice", "alice"}, {"Paolo", "paolo"},
	{"Chiara", "chiara"}, {"Jules", "jules"}, {"Léa", "lea"}, {"Matteo", "matteo"}, {"Sarah", "sarah"},
	{"Noah", "noah"}, {"Elena", "elena"}, {"Lucas", "lucas"}, {"Anna", "anna"}, {"Tom", "tom"},
	{"Marta", "marta"}, {"Inès", "ines"}, {"Davide", "davide"}, {"Zoé", "zoe"}, {"Francesca", "francesca"},
	{"Lorenzo", "lorenzo"}, {"Chloé", "chloe"}, {"Gabriel", "gabriel"}, {"Manon", "manon"}, {"Arthur", "arthur"},
	{"Aurora", "aurora"}, {"Leonardo", "leonardo"}, {"Louise", "louise"}, {"Raphaël", "raphael"},
	{"Beatrice", "beatrice"}, {"Théo", "theo"}, {"Valentina", "valentina"}, {"Nathan", "nathan"},
	{"Juliette", "juliette"}, {"Alessandro", "alessandro"}, {"Clara", "clara"}, {"Mathis", "mathis"},
	{"Federica", "federica"}, {"Antoine", "antoine"}, {"Ginevra", "ginevra"}, {"Maxime", "maxime"},
	{"Éloïse", "eloise"},
}

var benchLast = [][2]string{
	{"Rossi", "rossi"}, {"Bianchi", "bianchi"}, {"Martin", "martin"}, {"Bernard", "bernard"}, {"Ferrari", "ferrari"},
	{"Dubois", "dubois"}, {"Russo", "russo"}, {"Moreau", "moreau"}, {"Romano", "romano"}, {"Laurent", "laurent"},
	{"Colombo", "colombo"}, {"Lefèvre", "lefevre"}, {"Ricci", "ricci"}, {"Garnier", "garnier"}, {"Marino", "marino"},
	{"Fontaine", "fontaine"}, {"Greco", "greco"}, {"Chevalier", "chevalier"}, {"Bruno", "bruno"},
	{"Lambert", "lambert"}, {"Gallo", "gallo"}, {"Roux", "roux"}, {"Conti", "conti"}, {"Faure", "faure"},
	{"Esposito", "esposito"}, {"Thomas", "thomas"}, {"Costa", "costa"}, {"Petit", "petit"},
	{"Giordano", "giordano"}, {"Robert", "robert"}, {"Mancini", "mancini"}, {"Richard", "richard"},
	{"Rizzo", "rizzo"}, {"Durand", "durand"}, {"Lombardi", "lombardi"}, {"Leroy", "leroy"},
	{"Moretti", "moretti"}, {"Simon", "simon"}, {"Barbieri", "barbieri"}, {"Michel", "michel"},
	{"Fontana", "fontana"}, {"Lefebvre", "lefebvre"}, {"Santoro", "santoro"}, {"Mercier", "mercier"},
	{"Mariani", "mariani"}, {"Blanc", "blanc"}, {"Rinaldi", "rinaldi"}, {"Guérin", "guerin"},
	{"Caruso", "caruso"}, {"Boyer", "boyer"}, {"Ferrara", "ferrara"}, {"Girard", "girard"},
	{"Galli", "galli"}, {"André", "andre"}, {"Martini", "martini"}, {"Bonnet", "bonnet"},
	{"Leone", "leone"}, {"François", "francois"}, {"Longo", "longo"}, {"Dupont", "dupont"},
	{"Gentile", "gentile"},
}

// namesCTE is a VALUES table (i, name, ascii) of names.
func namesCTE(table string, names [][2]string) string {
	rows := make([]string, len(names))
	for i, n := range names {
		rows[i] = fmt.Sprintf("(%d, '%s', '%s')", i, strings.ReplaceAll(n[0], "'", "''"), n[1])
	}
	return table + "(i, name, ascii) AS (VALUES " + strings.Join(rows, ", ") + ")"
}

// seedBenchMembers adds benchMembers users and memberships to acme with
// set-based SQL, in one transaction, then fixes the seat pool counters and
// runs ANALYZE. Mix (by g mod 20): 70 % active with an Enterprise seat, 15 %
// active Unassigned, 10 % pending (waiting for a seat), 5 % suspended; about
// one in 1,000 is an admin; sources SCIM 60 %, JIT 20 %, invitation 20 %.
func seedBenchMembers(b testing.TB, db *gorm.DB, kind string) {
	b.Helper()
	seq := fmt.Sprintf("seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < %d)", benchMembers)
	if kind == "postgres" {
		seq = fmt.Sprintf("seq(g) AS (SELECT generate_series(1, %d))", benchMembers)
	}
	nf, nl := len(benchFirst), len(benchLast)
	now := testNow.Add(-30 * 24 * time.Hour)
	err := db.Transaction(func(tx *gorm.DB) error {
		var org models.Organization
		if err := tx.Where("slug = ?", benchOrg).Take(&org).Error; err != nil {
			return fmt.Errorf("find %s: %w", benchOrg, err)
		}
		var maxUser int64
		if err := tx.Table("users").Select("COALESCE(MAX(id), 0)").Scan(&maxUser).Error; err != nil {
			return err
		}
		users := "WITH RECURSIVE " + seq + ", " + namesCTE("f", benchFirst) + ", " + namesCTE("l", benchLast) + `
INSERT INTO users (email, name, password_hash, created_at, updated_at)
SELECT f.ascii || '.' || l.ascii || '.' || seq.g || '@` + benchOrg + `.example', f.name || ' ' || l.name, 'bulk-no-login', ?, ?
FROM seq JOIN f ON f.i = seq.g % ` + strconv.Itoa(nf) + ` JOIN l ON l.i = (seq.g / ` + strconv.Itoa(nf) + `) % ` + strconv.Itoa(nl) + `
ORDER BY seq.g`
		if res := tx.Exec(users, now, now); res.Error != nil || res.RowsAffected != benchMembers {
			return fmt.Errorf("insert users: %d rows: %w", res.RowsAffected, res.Error)
		}
		members := `INSERT INTO memberships (org_id, user_id, role, seat_type_key, status, source, created_at, updated_at)
SELECT ?, u.id,
  CASE WHEN u.g % 997 = 0 THEN 'admin' ELSE 'member' END,
  CASE WHEN u.g % 20 < 14 THEN 'enterprise' END,
  CASE WHEN u.g % 20 < 17 THEN 'active' WHEN u.g % 20 < 19 THEN 'pending' ELSE 'suspended' END,
  CASE WHEN (u.g / 20) % 5 < 3 THEN 'scim' WHEN (u.g / 20) % 5 = 3 THEN 'jit' ELSE 'invitation' END,
  ?, ?
FROM (SELECT id, id - ? AS g FROM users WHERE id > ?) u
ORDER BY u.id`
		if res := tx.Exec(members, org.ID, now, now, maxUser, maxUser); res.Error != nil || res.RowsAffected != benchMembers {
			return fmt.Errorf("insert memberships: %d rows: %w", res.RowsAffected, res.Error)
		}
		// assigned = members holding the type; purchased keeps 250 seats free.
		err := tx.Exec(`UPDATE seat_pools SET assigned = (SELECT COUNT(*) FROM memberships m
  WHERE m.org_id = seat_pools.org_id AND m.seat_type_key = seat_pools.seat_type_key), updated_at = ?
WHERE org_id = ?`, now, org.ID).Error
		if err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE seat_pools SET purchased = assigned + 250 WHERE org_id = ? AND purchased < assigned + 250`, org.ID).Error; err != nil {
			return err
		}
		var bad int64
		err = tx.Table("seat_pools").Where("org_id = ?", org.ID).Where(`assigned > purchased OR assigned <> (SELECT COUNT(*)
  FROM memberships m WHERE m.org_id = seat_pools.org_id AND m.seat_type_key = seat_pools.seat_type_key)`).Count(&bad).Error
		if err != nil {
			return err
		}
		var unpooled int64
		err = tx.Table("memberships").Where("org_id = ? AND seat_type_key IS NOT NULL", org.ID).
			Where("NOT EXISTS (SELECT 1 FROM seat_pools p WHERE p.org_id = memberships.org_id AND p.seat_type_key = memberships.seat_type_key)").
			Count(&unpooled).Error
		if err != nil {
			return err
		}
		if bad != 0 || unpooled != 0 {
			return fmt.Errorf("seat pool invariant broken: %d pools, %d members without a pool", bad, unpooled)
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed %d members (%s): %v", benchMembers, kind, err)
	}
	// Steady state, as after autovacuum: fresh statistics, the visibility map
	// set (index-only scans) and the GIN pending lists of the trigram indexes
	// merged (searches scan a pending list linearly).
	analyze := "ANALYZE"
	if kind == "postgres" {
		analyze = "VACUUM ANALYZE"
	}
	if err := db.Exec(analyze).Error; err != nil {
		b.Fatalf("%s: %v", analyze, err)
	}
}

// The seat-type change under 16 concurrent clients (`make bench`): the htmx
// POST …/members/{id}/seat on the same 100,000-member acme, timed per request
// in-process (ServeHTTP from 16 goroutines, no network), against the same
// transaction sent directly (database/sql, 16 goroutines). Every change of an
// organization takes its row lock (FOR UPDATE) first, so changes in one
// organization run one at a time by design: the 1-org rows measure that
// bound; the 16-org rows spread the clients over 16 organizations, one each,
// to show what the lock costs. The ways of changing (http, gorm, sql-tx,
// sql-request) take turns in rounds, so that the machine's other load, which
// drifts, weighs on each alike and the ratios stay fair. The database is
// seeded as for the members page (newBenchEnv), in a `go test` run of its own.

const (
	seatClients    = 16
	seatPerClient  = 64    // members each client moves in turn, its own: requests never collide
	seatWarmup     = 8     // untimed changes per client before a way is measured
	seatRounds     = 4     // turns of each way, b.N changes in all
	seatOrgMembers = 2_000 // members of each of the 15 extra organizations
	seatKey        = "enterprise"
)

// seatPath is how a variant changes a seat.
type seatPath int

const (
	seatHTTP       seatPath = iota // POST through the whole handler stack
	seatGORM                       // models.ChangeSeat: the transaction through GORM, no HTTP
	seatSQL                        // the transaction's statements through database/sql
	seatSQLRequest                 // every statement the HTTP request sends, through database/sql
)

// seatPaths are the ways measured, in the order of a round; unit is what
// their throughput counts.
var seatPaths = []struct {
	path       seatPath
	name, unit string
}{
	{seatHTTP, "http", "req/s"},
	{seatGORM, "gorm", "tx/s"},
	{seatSQL, "sql-tx", "tx/s"},
	{seatSQLRequest, "sql-request", "tx/s"},
}

// seatSpreads are the sub-benchmarks: all clients in acme, or one
// organization each.
var seatSpreads = []struct {
	name   string
	spread bool
}{{"1org", false}, {"16orgs", true}}

// seatVariant is one way on one spread: a row of the table.
type seatVariant struct {
	name   string
	path   seatPath
	spread bool // client i works in organization i; else all 16 in acme
}

func seatVariantOf(pathIndex, spreadIndex int) seatVariant {
	p, sp := seatPaths[pathIndex], seatSpreads[spreadIndex]
	return seatVariant{name: p.name + "-" + sp.name, path: p.path, spread: sp.spread}
}

// seatTarget is one member a client moves, Enterprise ↔ Unassigned.
type seatTarget struct {
	id, userID int64
	email      string
	seat       string // as it is now: seatKey or ""
}

// seatOrg is where a client works: the organization, the acme admin's actor
// there, and the client's own members.
type seatOrg struct {
	actor   models.Actor
	targets []*seatTarget
	next    int
}

func (o *seatOrg) pick() *seatTarget {
	t := o.targets[o.next%len(o.targets)]
	o.next++
	return t
}

type seatClient struct {
	one, spread *seatOrg // in acme; in the client's own organization (acme for client 0)
}

type seatResult struct {
	n           int
	median, p95 time.Duration
	perSecond   float64
	queries     float64
	cpu         time.Duration
	failed      map[string]int // answers other than a change done, by status
	rounds      []float64      // throughput of each round
}

type seatEnv struct {
	*benchEnv
	sql       *sql.DB
	sessionID string
	clients   []*seatClient
	changes   atomic.Int64 // changes done, warm-up included
	queries   atomic.Int64 // statements sent through database/sql
	results   map[string]seatResult
	orgSetup  time.Duration
	load0     string // load average when the measures begin
}

// BenchmarkSeatChange reports median and p95 server time, throughput and SQL
// statements per seat change at 16 concurrent clients on PostgreSQL, through
// HTTP and directly, and their ratio.
func BenchmarkSeatChange(b *testing.B) {
	benchNeedsPostgres(b, "seat-change")
	env := newSeatEnv(b)
	audits0 := env.seatAudits(b)
	for i, sp := range seatSpreads {
		b.Run(sp.name, func(b *testing.B) { env.run(b, i) })
	}
	env.print()
	// Behaviour only: every change done is recorded once, every member is
	// where its client left it, and the seat counters hold (R-SEAT-1).
	if got, want := env.seatAudits(b)-audits0, env.changes.Load(); got != want {
		b.Errorf("%d seat changes audited, %d done", got, want)
	}
	for _, c := range env.clients {
		for _, o := range []*seatOrg{c.one, c.spread} {
			for _, t := range o.targets {
				if now := env.seatOf(b, t.id); now != t.seat {
					b.Errorf("member %d: seat %q, its client left it %q", t.id, now, t.seat)
				}
			}
		}
	}
	modeltest.CheckSeatInvariant(b, env.h.db)
}

func newSeatEnv(b *testing.B) *seatEnv {
	b.Helper()
	e := &seatEnv{benchEnv: newBenchEnv(b, "postgres"), results: map[string]seatResult{}}
	start := time.Now()
	db := e.h.db
	var err error
	if e.sql, err = db.DB(); err != nil {
		b.Fatal(err)
	}
	now := testNow.Add(-30 * 24 * time.Hour)
	// 15 more organizations like acme, each with the acme admin and 2,000 of
	// the bulk users as members (70 % Enterprise), 250 seats free.
	err = db.Transaction(func(tx *gorm.DB) error {
		steps := []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO organizations (name, slug, plan_model, sales_assisted, term_start, term_end, currency,
  extra_usage, extra_usage_cap_minor, cancel_at_term_end, created_at, updated_at)
SELECT name || ' ' || g, 'bench-' || lpad(g::text, 2, '0'), plan_model, sales_assisted, term_start, term_end, currency,
  extra_usage, extra_usage_cap_minor, cancel_at_term_end, ?, ?
FROM organizations, generate_series(2, ?) g WHERE slug = ?`, []any{now, now, seatClients, benchOrg}},
			{`INSERT INTO seat_pools (org_id, seat_type_key, purchased, assigned, price_minor, created_at, updated_at)
SELECT o.id, p.seat_type_key, 0, 0, p.price_minor, ?, ?
FROM seat_pools p JOIN organizations a ON a.id = p.org_id AND a.slug = ? CROSS JOIN organizations o WHERE o.slug LIKE 'bench-%'`,
				[]any{now, now, benchOrg}},
			{`INSERT INTO memberships (org_id, user_id, role, seat_type_key, status, source, created_at, updated_at)
SELECT o.id, u.id, 'admin', NULL, 'active', 'invitation', ?, ?
FROM organizations o, users u WHERE o.slug LIKE 'bench-%' AND u.email = ?`, []any{now, now, benchAdmin}},
			{`WITH o AS (SELECT id, row_number() OVER (ORDER BY id) AS k FROM organizations WHERE slug LIKE 'bench-%'),
  u AS (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM users WHERE password_hash = 'bulk-no-login')
INSERT INTO memberships (org_id, user_id, role, seat_type_key, status, source, created_at, updated_at)
SELECT o.id, u.id, 'member', CASE WHEN u.rn % 10 < 7 THEN ? END, 'active', 'scim', ?, ?
FROM o JOIN u ON (u.rn - 1) / ? = o.k - 1 ORDER BY u.id`, []any{seatKey, now, now, seatOrgMembers}},
			{`UPDATE seat_pools SET assigned = (SELECT COUNT(*) FROM memberships m
  WHERE m.org_id = seat_pools.org_id AND m.seat_type_key = seat_pools.seat_type_key), updated_at = ?
WHERE org_id IN (SELECT id FROM organizations WHERE slug LIKE 'bench-%')`, []any{now}},
			{`UPDATE seat_pools SET purchased = assigned + 250
WHERE org_id IN (SELECT id FROM organizations WHERE slug LIKE 'bench-%')`, nil},
		}
		for _, s := range steps {
			if err := tx.Exec(s.sql, s.args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed %d organizations: %v", seatClients-1, err)
	}
	if err := db.Exec("VACUUM ANALYZE").Error; err != nil {
		b.Fatalf("VACUUM ANALYZE: %v", err)
	}
	var admin models.User
	if err := db.Take(&admin, "email = ?", benchAdmin).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Table("sessions").Select("id").Where("user_id = ?", admin.ID).Order("created_at DESC").
		Limit(1).Scan(&e.sessionID).Error; err != nil || e.sessionID == "" {
		b.Fatalf("the admin's session: %q %v", e.sessionID, err)
	}
	// Each client's members: bulk members with an Enterprise seat, spread
	// over the table, none shared.
	orgTargets := func(slug string, n int) []*seatTarget {
		var rows []struct {
			ID, UserID int64
			Email      string
		}
		err := db.Raw(`SELECT m.id, m.user_id, u.email FROM memberships m
  JOIN organizations o ON o.id = m.org_id JOIN users u ON u.id = m.user_id
WHERE o.slug = ? AND m.role = 'member' AND m.seat_type_key = ? AND u.password_hash = 'bulk-no-login' AND m.id % 7 = 0
ORDER BY m.id LIMIT ?`, slug, seatKey, n).Scan(&rows).Error
		if err != nil || len(rows) < n {
			b.Fatalf("members to move in %s: %d of %d: %v", slug, len(rows), n, err)
		}
		out := make([]*seatTarget, n)
		for i, r := range rows {
			out[i] = &seatTarget{id: r.ID, userID: r.UserID, email: r.Email, seat: seatKey}
		}
		return out
	}
	actorIn := func(slug string) models.Actor {
		a, err := models.ActorFor(context.Background(), db, admin, slug)
		if err != nil {
			b.Fatalf("the admin in %s: %v", slug, err)
		}
		return a
	}
	acme := orgTargets(benchOrg, seatClients*seatPerClient)
	acmeActor := actorIn(benchOrg)
	for i := range seatClients {
		c := &seatClient{one: &seatOrg{actor: acmeActor}}
		for j := range seatPerClient {
			c.one.targets = append(c.one.targets, acme[j*seatClients+i])
		}
		c.spread = c.one
		if i > 0 {
			slug := fmt.Sprintf("bench-%02d", i+1)
			c.spread = &seatOrg{actor: actorIn(slug), targets: orgTargets(slug, seatPerClient)}
		}
		e.clients = append(e.clients, c)
	}
	e.orgSetup = time.Since(start)
	e.load0 = loadAverage()
	return e
}

// run times b.N changes of each way on one spread, the ways taking turns in
// seatRounds rounds, after a warm-up.
func (e *seatEnv) run(b *testing.B, spread int) {
	variants := make([]seatVariant, len(seatPaths))
	for i := range seatPaths {
		variants[i] = seatVariantOf(i, spread)
		if !e.warm[variants[i].name] {
			if _, _, fails, err := e.batch(variants[i], seatClients*seatWarmup); err != nil || len(fails) > 0 {
				b.Fatalf("%s warm-up: %v %v", variants[i].name, fails, err)
			}
			e.warm[variants[i].name] = true
		}
	}
	type sum struct {
		durations []time.Duration
		wall, cpu time.Duration
		queries   int64
		failed    map[string]int
		rounds    []float64
	}
	sums := make([]sum, len(variants))
	rounds := min(seatRounds, b.N)
	b.ResetTimer()
	for r := range rounds {
		n := b.N / rounds
		if r < b.N%rounds {
			n++
		}
		for i, v := range variants {
			cpu0 := e.cpuTime()
			e.counter.Reset()
			e.queries.Store(0)
			durations, wall, fails, err := e.batch(v, n)
			queries := e.counter.Count() + e.queries.Load()
			if err != nil {
				b.Fatalf("%s: %v", v.name, err)
			}
			if cpu0 > 0 {
				sums[i].cpu += e.cpuTime() - cpu0
			}
			sums[i].durations = append(sums[i].durations, durations...)
			sums[i].wall += wall
			sums[i].queries += queries
			sums[i].rounds = append(sums[i].rounds, float64(n)/wall.Seconds())
			for status, k := range fails {
				if sums[i].failed == nil {
					sums[i].failed = map[string]int{}
				}
				sums[i].failed[status] += k
			}
		}
	}
	b.StopTimer()
	var failed int
	for i, v := range variants {
		s := sums[i]
		slices.Sort(s.durations)
		r := seatResult{n: b.N, median: percentile(s.durations, 50), p95: percentile(s.durations, 95),
			perSecond: float64(b.N) / s.wall.Seconds(), queries: float64(s.queries) / float64(b.N),
			cpu: s.cpu / time.Duration(b.N), failed: s.failed, rounds: s.rounds}
		if prev, ok := e.results[v.name]; !ok || r.n >= prev.n {
			e.results[v.name] = r
		}
		for _, k := range s.failed {
			failed += k
		}
	}
	// The figures of HTTP and of the transaction sent directly, with their
	// ratio; the other two ways are in the table.
	h, d := e.results[variants[0].name], e.results[variants[2].name]
	b.ReportMetric(ms(h.median), "http-ms-median")
	b.ReportMetric(ms(h.p95), "http-ms-p95")
	b.ReportMetric(h.perSecond, "http-req/s")
	b.ReportMetric(h.queries, "http-queries/req")
	b.ReportMetric(ms(d.median), "sql-ms-median")
	b.ReportMetric(ms(d.p95), "sql-ms-p95")
	b.ReportMetric(d.perSecond, "sql-tx/s")
	b.ReportMetric(ms(h.median)/ms(d.median), "http/sql-median")
	b.ReportMetric(h.perSecond/d.perSecond, "http/sql-throughput")
	if h.cpu > 0 {
		b.ReportMetric(ms(h.cpu), "http-cpu-ms/req")
		b.ReportMetric(ms(d.cpu), "sql-cpu-ms/tx")
	}
	b.ReportMetric(float64(failed), "not-done")
}

// batch makes n changes from the 16 clients at once (each takes the next
// change until n are made) and returns the time of each, the wall-clock time
// of the whole, the answers that were not a change done (by status) and the
// first unexpected error (a server error, an SQL error, a wrong body).
func (e *seatEnv) batch(v seatVariant, n int) ([]time.Duration, time.Duration, map[string]int, error) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		all      = make([]time.Duration, 0, n)
		fails    = map[string]int{}
		firstErr error
	)
	start := time.Now()
	for _, c := range e.clients {
		o := c.one
		if v.spread {
			o = c.spread
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			durations := make([]time.Duration, 0, n/seatClients+1)
			for next.Add(1) <= int64(n) {
				t := o.pick()
				to := seatKey
				if t.seat == seatKey {
					to = ""
				}
				d, status, err := e.change(v, o, t, to)
				durations = append(durations, d)
				if err == nil && status == "" {
					t.seat = to
					e.changes.Add(1)
					continue
				}
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if status != "" {
					fails[status]++
				}
				mu.Unlock()
				t.seat = e.seatOf(nil, t.id) // back in step with the database
			}
			mu.Lock()
			all = append(all, durations...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, time.Since(start), fails, firstErr
}

// errSeatStale is a direct change whose membership was not where expected.
var errSeatStale = errors.New("stale")

// change moves t to the seat type to (Unassigned if "") and returns the time
// it took and, unless the change was done, why not (an HTTP status, "stale").
func (e *seatEnv) change(v seatVariant, o *seatOrg, t *seatTarget, to string) (time.Duration, string, error) {
	ctx := context.Background()
	switch v.path {
	case seatHTTP:
		form := url.Values{"from": {t.seat}, "to": {to}, "confirm": {"1"}}
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/orgs/%s/settings/organization/members/%d/seat",
			o.actor.Org.Slug, t.id), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		req.Header.Set("Accept-Language", "en")
		for _, c := range e.cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		start := time.Now()
		e.h.srv.Config.Handler.ServeHTTP(rec, req)
		d := time.Since(start)
		body := rec.Body.String()
		switch {
		case rec.Code >= 500:
			return d, strconv.Itoa(rec.Code), fmt.Errorf("member %d: status %d: %.300s", t.id, rec.Code, body)
		case rec.Code != http.StatusOK:
			return d, strconv.Itoa(rec.Code), nil
		case !strings.Contains(body, fmt.Sprintf(`id="member-%d"`, t.id)) || !strings.Contains(body, `data-testid="seat-summary-`+seatKey+`"`):
			return d, "", fmt.Errorf("member %d: no row and seat summary in the answer: %.300s", t.id, body)
		}
		return d, "", nil
	case seatGORM:
		start := time.Now()
		_, err := models.ChangeSeat(ctx, e.h.db, o.actor, models.SeatChange{MembershipID: t.id, From: t.seat, To: to, Confirmed: true})
		d := time.Since(start)
		var stale *models.Stale
		if errors.As(err, &stale) {
			return d, "stale", nil
		}
		return d, "", err
	}
	start := time.Now()
	err := e.sqlChange(ctx, v.path == seatSQLRequest, o.actor, t, to)
	d := time.Since(start)
	if errors.Is(err, errSeatStale) {
		return d, "stale", nil
	}
	return d, "", err
}

// sqlChange sends, through database/sql, the statements models.ChangeSeat
// sends for a move between Enterprise and Unassigned (copied from GORM's log;
// print warns when their numbers part), in one transaction; with request,
// also those of the rest of the HTTP request: the session, the user and the
// actor before. The answer is built from what the transaction read.
func (e *seatEnv) sqlChange(ctx context.Context, request bool, actor models.Actor, t *seatTarget, to string) error {
	now := time.Now().UTC()
	queryRow := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}, dest []any, query string, args ...any) error {
		e.queries.Add(1)
		return q.QueryRowContext(ctx, query, args...).Scan(dest...)
	}
	var (
		id, n, userID, orgID               int64
		s1, s2, s3, s4, s5, s6, s7, s8, s9 string
		ns1                                sql.NullString
		ni1                                sql.NullInt64
		s10                                string
		b1, b2, b3, b4                     bool
		t1, t2, t3, t4, t5                 time.Time
	)
	var nt2, nt3 sql.NullTime
	org := []any{&id, &s1, &s2, &s3, &b1, &t1, &t2, &s4, &b2, &ni1, &b3, &t3, &t4, &nt2, &nt3}
	if request {
		var s11, s12, s13 string
		var mid sql.NullInt64
		var mrole, mstatus sql.NullString
		var porg []any
		for range org {
			porg = append(porg, new(any))
		}
		if err := queryRow(e.sql, append([]any{&id, &s1, &s2, &s10, &s11, &s12, &s13, &t1, &t2, &mid, &mrole, &ns1, &mstatus}, porg...),
			`SELECT users.id, users.email, users.name, users.given_name, users.family_name,
  users.lang, users.password_hash, users.created_at, users.updated_at,
  memberships.id, memberships.role, memberships.seat_type_key, memberships.status, organizations.id, organizations.name,
  organizations.slug, organizations.plan_model, organizations.sales_assisted, organizations.term_start, organizations.term_end,
  organizations.currency, organizations.extra_usage, organizations.extra_usage_cap_minor, organizations.cancel_at_term_end,
  organizations.created_at, organizations.updated_at, organizations.ended_at, organizations.waitlist_notified_at
FROM sessions JOIN users ON users.id = sessions.user_id
LEFT JOIN organizations ON organizations.slug = $1
LEFT JOIN memberships ON memberships.org_id = organizations.id AND memberships.user_id = users.id
WHERE sessions.id = $2 AND sessions.expires_at > $3`, actor.Org.Slug, e.sessionID, testNow); err != nil {
			return fmt.Errorf("session, user and actor: %w", err)
		}
		if !mid.Valid || mstatus.String != "active" {
			return fmt.Errorf("the admin in %s: no active membership", actor.Org.Slug)
		}
	}
	tx, err := e.sql.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := queryRow(tx, org, `SELECT id, name, slug, plan_model, sales_assisted, term_start, term_end, currency, extra_usage,
  extra_usage_cap_minor, cancel_at_term_end, created_at, updated_at, ended_at, waitlist_notified_at FROM organizations WHERE id = $1 FOR UPDATE`,
		actor.Org.ID); err != nil {
		return fmt.Errorf("lock organization: %w", err)
	}
	var ns2, ns3, ns4 sql.NullString
	if err := queryRow(tx, []any{&id, &orgID, &userID, &s1, &ns1, &s2, &s3, &ns2, &ns3, &ns4, &nt2, &s4, &t1, &t2,
		&s6, &s5, &s7, &s8, &s9, &s10, &t3, &t4},
		`SELECT memberships.id, memberships.org_id, memberships.user_id, memberships.role, memberships.seat_type_key,
  memberships.status, memberships.source, memberships.external_id, memberships.scim_user_name, memberships.waiting_for,
  memberships.waiting_since, memberships.seat_source, memberships.created_at, memberships.updated_at,
  users.email, users.name, users.given_name, users.family_name, users.lang, users.password_hash, users.created_at,
  users.updated_at
FROM memberships JOIN users ON users.id = memberships.user_id WHERE memberships.id = $1 AND memberships.org_id = $2`,
		t.id, actor.Org.ID); err != nil {
		return fmt.Errorf("membership: %w", err)
	}
	if ns1.String != t.seat {
		return errSeatStale
	}
	e.queries.Add(1)
	rows, err := tx.QueryContext(ctx, `SELECT seat_pools.id, seat_pools.org_id, seat_pools.seat_type_key, seat_pools.purchased,
  seat_pools.assigned, seat_pools.price_minor, seat_pools.renewal_quantity, seat_pools.created_at, seat_pools.updated_at,
  seat_types.plan_model, seat_types.rank, seat_types.chat, seat_types.claude_code, seat_types.cowork, seat_types.higher_limits,
  (SELECT COUNT(*) FROM invitations WHERE invitations.org_id = seat_pools.org_id AND invitations.status = $1
    AND invitations.seat_type_key = seat_pools.seat_type_key) AS reserved
FROM seat_pools JOIN seat_types ON seat_types.key = seat_pools.seat_type_key
WHERE seat_pools.org_id = $2 ORDER BY seat_types.rank`, string(models.InvitePending), actor.Org.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p1, p2, p3, p4 int64
		if err := rows.Scan(&id, &orgID, &s8, &p1, &p2, &p3, &ni1, &t5, &t5, &s9, &n, &b1, &b2, &b3, &b4, &p4); err != nil {
			_ = rows.Close()
			return err
		}
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	exec := func(query string, args ...any) (int64, error) {
		e.queries.Add(1)
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	const place = `UPDATE memberships SET seat_type_key = $1, status = $2, waiting_for = NULL, waiting_since = NULL, seat_source = $3,
  updated_at = $4 WHERE id = $5 AND org_id = $6 AND `
	var moved int64
	if t.seat == "" {
		moved, err = exec(place+"seat_type_key IS NULL", to, "active", "person", now, t.id, actor.Org.ID)
	} else {
		moved, err = exec(place+"seat_type_key = $7", nullable(to), "active", "person", now, t.id, actor.Org.ID, t.seat)
	}
	if err != nil {
		return err
	}
	if moved != 1 {
		return errSeatStale
	}
	var pool int64
	if to != "" {
		pool, err = exec(`UPDATE seat_pools SET assigned = assigned + 1, updated_at = $1
WHERE org_id = $2 AND seat_type_key = $3 AND assigned < purchased`, now, actor.Org.ID, to)
	} else {
		pool, err = exec(`UPDATE seat_pools SET assigned = assigned - 1, updated_at = $1
WHERE org_id = $2 AND seat_type_key = $3 AND assigned > 0`, now, actor.Org.ID, t.seat)
	}
	if err != nil || pool != 1 {
		return fmt.Errorf("seat pool: %d rows: %v", pool, err)
	}
	before, _ := json.Marshal(map[string]any{"member": s6, "seat_type": nullable(t.seat), "status": s2})
	after, _ := json.Marshal(map[string]any{"member": s6, "seat_type": nullable(to), "status": "active"})
	if err := queryRow(tx, []any{&id}, `INSERT INTO audit_events (org_id, actor_kind, actor_user_id, actor_token_id, actor_name, action, kind,
  subject_type, subject_id, member_user_id, change_id, before, after, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, (SELECT user_id FROM memberships WHERE id = $10), $11, $12, $13, $14) RETURNING id`,
		actor.Org.ID, string(models.ActorPerson), actor.UserID, nil, actor.Email, "member.seat_changed", models.AuditKindOf("member.seat_changed"),
		"membership", t.id, t.id, nil, string(before), string(after), now); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return tx.Commit()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// seatOf is a member's seat type now ("" = Unassigned); with b nil, errors
// read as "".
func (e *seatEnv) seatOf(b *testing.B, id int64) string {
	var seat sql.NullString
	if err := e.sql.QueryRow("SELECT seat_type_key FROM memberships WHERE id = $1", id).Scan(&seat); err != nil && b != nil {
		b.Fatalf("member %d: %v", id, err)
	}
	return seat.String
}

func (e *seatEnv) seatAudits(b *testing.B) int64 {
	var n int64
	if err := e.sql.QueryRow("SELECT COUNT(*) FROM audit_events WHERE action = 'member.seat_changed'").Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// print writes the seat-change table to stdout.
func (e *seatEnv) print() {
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nSeat change Enterprise <-> Unassigned, postgres: %d members in %s, %d clients at once, each moving its own %d members; "+
		"setup %.1fs + %.1fs; load average %s before, %s after\n", e.members, benchOrg, seatClients, seatPerClient,
		e.setup.Seconds(), e.orgSetup.Seconds(), e.load0, loadAverage())
	fmt.Fprintf(&sb, "%-19s %5s %10s %10s %8s %-19s %11s %10s %8s\n",
		"variant", "n", "median ms", "p95 ms", "per s", "per s by round", "queries/req", "CPU ms/req", "not done")
	for si := range seatSpreads {
		for pi := range seatPaths {
			v := seatVariantOf(pi, si)
			r, ok := e.results[v.name]
			if !ok {
				continue
			}
			cpu := "-"
			if r.cpu > 0 {
				cpu = fmt.Sprintf("%.2f", ms(r.cpu))
			}
			failed := "0"
			if len(r.failed) > 0 {
				failed = fmt.Sprint(r.failed)
			}
			rounds := make([]string, len(r.rounds))
			for i, x := range r.rounds {
				rounds[i] = strconv.Itoa(int(x + 0.5))
			}
			fmt.Fprintf(&sb, "%-19s %5d %10.2f %10.2f %8.1f %-19s %11.1f %10s %8s\n",
				v.name, r.n, ms(r.median), ms(r.p95), r.perSecond, strings.Join(rounds, " "), r.queries, cpu, failed)
		}
	}
	for si := range seatSpreads {
		// sqlChange copies models.ChangeSeat's statements by hand: say when they part.
		g, okG := e.results[seatVariantOf(1, si).name]
		d, okD := e.results[seatVariantOf(2, si).name]
		if okG && okD && g.queries != d.queries {
			fmt.Fprintf(&sb, "WARNING: models.ChangeSeat sends %.1f statements, sql-tx %.1f: bring sqlChange in line with it\n",
				g.queries, d.queries)
		}
	}
	for si, sp := range seatSpreads {
		h, okH := e.results[seatVariantOf(0, si).name]
		d, okD := e.results[seatVariantOf(2, si).name]
		all, okA := e.results[seatVariantOf(3, si).name]
		if !okH || !okD || !okA {
			continue
		}
		where := "1 organization (acme)"
		if sp.spread {
			where = fmt.Sprintf("%d organizations", seatClients)
		}
		fmt.Fprintf(&sb, "HTTP / direct, %s: the transaction: median x%.2f, p95 x%.2f, throughput x%.2f;"+
			" every statement of the request: median x%.2f, throughput x%.2f\n", where, ms(h.median)/ms(d.median),
			ms(h.p95)/ms(d.p95), h.perSecond/d.perSecond, ms(h.median)/ms(all.median), h.perSecond/all.perSecond)
	}
	fmt.Fprintf(&sb, "http: POST …/members/{id}/seat (htmx, confirm=1) by in-process ServeHTTP from %[1]d goroutines (no"+
		" network), timed from the handler's entry to its answer; gorm: models.ChangeSeat alone; sql-tx: the same"+
		" transaction's statements through database/sql; sql-request: every statement of the HTTP request (session, user,"+
		" actor, the transaction, the row and the seat summary) through database/sql. The four take turns, %[2]d rounds."+
		" 1org: the %[1]d clients in acme, where changes queue on the organization's row lock by design; 16orgs: client i in"+
		" organization i (acme and %[3]d organizations of %[4]d members). per s: requests (http) or transactions done per"+
		" second of wall-clock time, all clients together. not done: answers other than a change done, by status. CPU"+
		" ms/req: as above (this process and the database's backends; not PostgreSQL's WAL writer or checkpointer)\n",
		seatClients, seatRounds, seatClients-1, seatOrgMembers)
	fmt.Print(sb.String())
}
