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
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

const (
	benchMembers = 100_000
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
}

// benchResult is one variant's figures.
type benchResult struct {
	n           int
	median, p95 time.Duration
	queries     float64
	total, rows int // members matching, rows shown
	bytes       int
	cpu         time.Duration // CPU per request, Seatdesk and PostgreSQL; 0 if unknown
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
}

// BenchmarkMembersPage reports median and p95 server time and SQL statements
// per request of the members page, on PostgreSQL and SQLite at 100,000 members.
func BenchmarkMembersPage(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		if modeltest.RequirePostgres() {
			b.Fatal("SEATDESK_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
		}
		b.Skip("TEST_DATABASE_URL is not set: the members-page benchmark needs PostgreSQL " +
			"(e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable make bench)")
	}
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
		}
		e.warm[v.name] = true
	}
	durations := make([]time.Duration, 0, b.N)
	var last *httptest.ResponseRecorder
	cpu0 := e.cpuTime()
	e.counter.Reset()
	b.ResetTimer()
	for range b.N {
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
	b.StopTimer()
	queries := float64(e.counter.Count()) / float64(b.N)
	cpu := e.cpuTime() - cpu0
	total, rows := e.check(b, v, last)
	slices.Sort(durations)
	r := benchResult{n: b.N, median: percentile(durations, 50), p95: percentile(durations, 95),
		queries: queries, total: total, rows: rows, bytes: last.Body.Len()}
	if cpu0 > 0 {
		r.cpu = cpu / time.Duration(b.N)
	}
	if prev, ok := e.results[v.name]; !ok || r.n >= prev.n {
		e.results[v.name] = r
	}
	b.ReportMetric(ms(r.median), "ms-median")
	b.ReportMetric(ms(r.p95), "ms-p95")
	b.ReportMetric(queries, "queries/req")
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
	fmt.Fprintf(&sb, "%-20s %5s %10s %10s %11s %10s %9s %5s %6s  %s\n",
		"variant", "n", "median ms", "p95 ms", "queries/req", "CPU ms/req", "matching", "rows", "KB", "request")
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
		fmt.Fprintf(&sb, "%-20s %5d %10.2f %10.2f %11.1f %10s %9d %5d %6.1f  %s\n",
			v.name, r.n, ms(r.median), ms(r.p95), r.queries, cpu, r.total, r.rows, float64(r.bytes)/1024, path)
	}
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
