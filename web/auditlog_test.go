package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// The audit log, its CSV export, a member's seat history and the seat ledger
// over HTTP on both databases; then filters and keyset paging at scale.

func auditActor(t *testing.T, db *gorm.DB, email, slug string) models.Actor {
	t.Helper()
	var u models.User
	if err := db.Take(&u, "email = ?", email).Error; err != nil {
		t.Fatal(err)
	}
	a, err := models.ActorFor(context.Background(), db, u, slug)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// auditRows reads the audit table of a page: event ids and each row's text.
func auditRows(t *testing.T, body string) (ids []string, texts []string) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	doc.Find(`[data-testid="audit-row"]`).Each(func(_ int, s *goquery.Selection) {
		id, _ := s.Attr("data-event-id")
		ids = append(ids, id)
		texts = append(texts, strings.Join(strings.Fields(s.Text()), " "))
	})
	return ids, texts
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v\n%.500s", err, body)
	}
	return rows
}

func TestAuditLogOverHTTP(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		ctx := context.Background()
		clock := modeltest.FixedClock{T: testNow}
		admin := h.login("admin@acme.example")
		owner := h.login("owner@acme.example")
		giulia := mid(t, db, "giulia.rossi1@acme.example")
		// An Admin sets Giulia Unassigned and back; an Owner makes her Admin.
		for _, to := range []string{"", "enterprise"} {
			from := map[string]string{"": "enterprise", "enterprise": ""}[to]
			if res := admin.post("/orgs/acme/settings/organization/members/"+giulia+"/seat", url.Values{"from": {from}, "to": {to}, "confirm": {"1"}}, "HX-Request", "true"); res.status != 200 {
				t.Fatalf("seat change: %d", res.status)
			}
		}
		if res := owner.post("/orgs/acme/settings/organization/members/"+giulia+"/role", url.Values{"from": {"member"}, "to": {"admin"}}, "HX-Request", "true"); res.status != 200 {
			t.Fatalf("role change: %d", res.status)
		}
		// An Owner buys a seat for an Unassigned member in one step.
		ownerActor := auditActor(t, db, "owner@acme.example", "acme")
		var unassigned models.Membership
		db.Joins("User").Where("memberships.org_id = ? AND memberships.seat_type_key IS NULL", ownerActor.Org.ID).Order("memberships.id").Take(&unassigned)
		q, err := models.QuoteSeats(ctx, db, clock, ownerActor, "enterprise", 1, models.PurposeAssign(unassigned.ID))
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := models.BuySeatAndAssign(ctx, db, clock, ownerActor, q.Token, models.SeatChange{MembershipID: unassigned.ID, To: "enterprise"})
		if err != nil {
			t.Fatal(err)
		}
		// An invitation, accepted: the history starts with who invited.
		inv, err := models.Invite(ctx, db, clock, ownerActor, models.InviteInput{Email: "newcomer@example.com", Role: models.RoleMember, SeatType: "enterprise", Lang: "en"},
			func(inv models.Invitation, token string) models.Mail { return models.Mail{To: inv.Email} })
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := models.AcceptInvitation(ctx, db, clock, models.NewHasher(models.DefaultHashSlots, 10*time.Second), inv.Token, "New Comer", "a-long-enough-password", "192.0.2.9"); err != nil {
			t.Fatal(err)
		}

		// The page: newest first, every event in words.
		res := admin.get("/orgs/acme/settings/audit-log")
		if res.status != 200 || !strings.Contains(res.body, `data-testid="audit-log"`) {
			t.Fatalf("audit log: %d %.300s", res.status, res.body)
		}
		_, texts := auditRows(t, res.body)
		joined := strings.Join(texts, "\n")
		for _, want := range []string{"Seat type changed", "Enterprise seat → Unassigned", "Unassigned → Enterprise seat",
			"Role changed", "Member → Admin", "Seats bought", "Seats purchased: 25 → 26", p.Invoice.Number, "owner@acme.example",
			"admin@acme.example", "Invited", "Joined by invitation", "Organization created", "demo"} {
			if !strings.Contains(joined, want) {
				t.Errorf("the audit log does not say %q:\n%s", want, joined)
			}
		}
		if !strings.Contains(texts[0], "Joined by invitation") {
			t.Errorf("not newest first: %s", texts[0])
		}
		// A Member may not read it; the nav offers it to Admins.
		if res := h.login("member@acme.example").get("/orgs/acme/settings/audit-log"); res.status != http.StatusForbidden {
			t.Errorf("member: %d", res.status)
		}
		if !strings.Contains(admin.get("/orgs/acme/settings/organization").body, `data-testid="nav-audit"`) {
			t.Error("no Audit log link in the navigation")
		}

		// Filters.
		filtered := func(q url.Values) []string {
			t.Helper()
			res := admin.get("/orgs/acme/settings/audit-log?" + q.Encode())
			if res.status != 200 {
				t.Fatalf("%v: %d %.300s", q, res.status, res.body)
			}
			_, texts := auditRows(t, res.body)
			return texts
		}
		if got := filtered(url.Values{"kind": {"roles"}}); len(got) != 1 || !strings.Contains(got[0], "Role changed") {
			t.Errorf("kind=roles: %v", got)
		}
		if got := filtered(url.Values{"member": {"Giulia.Rossi1@acme.example"}}); len(got) != 3 {
			t.Errorf("member=giulia: %d rows: %v", len(got), got)
		}
		if got := filtered(url.Values{"actor": {"admin@acme.example"}}); len(got) != 2 {
			t.Errorf("actor=admin: %v", got)
		}
		if got := filtered(url.Values{"actor": {"owner@acme.example"}, "kind": {"billing"}}); len(got) != 1 || !strings.Contains(got[0], p.Invoice.Number) {
			t.Errorf("owner's billing: %v", got)
		}
		today := time.Now().UTC().Format("2006-01-02") // events are stamped by the database's clock
		if got := filtered(url.Values{"from": {today}, "to": {today}, "kind": {"seats"}}); len(got) != 3 {
			t.Errorf("today's seat changes: %v", got)
		}
		if got := filtered(url.Values{"from": {"2030-01-01"}}); len(got) != 0 {
			t.Errorf("the future: %v", got)
		}
		if got := filtered(url.Values{"member": {"nobody@example.com"}}); len(got) != 0 {
			t.Errorf("nobody: %v", got)
		}
		for _, bad := range []url.Values{{"from": {"yesterday"}}, {"kind": {"bogus"}}, {"from": {"2026-02-01"}, "to": {"2026-01-01"}}, {"before": {"garbage"}}} {
			res := admin.get("/orgs/acme/settings/audit-log?" + bad.Encode())
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `data-testid="audit-error"`) {
				t.Errorf("%v: %d", bad, res.status)
			}
		}

		// The export: the filtered log, all of it, as CSV.
		res = admin.get("/orgs/acme/settings/audit-log/export.csv?member=giulia.rossi1%40acme.example")
		if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") || !strings.Contains(res.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %v", res.status, res.header)
		}
		rows := readCSV(t, res.body)
		if strings.Join(rows[0], ",") != strings.Join(auditCSVHeader, ",") || len(rows) != 4 {
			t.Fatalf("export: %v", rows)
		}
		for _, r := range rows[1:] {
			if r[6] != "giulia.rossi1@acme.example" {
				t.Errorf("export row about %q: %v", r[6], r)
			}
		}
		if res := admin.get("/orgs/acme/settings/audit-log/export.csv?from=nope"); res.status != http.StatusUnprocessableEntity {
			t.Errorf("export with a bad filter: %d", res.status)
		}

		// Seat history: bought with which invoice; invited by whom.
		res = admin.get(fmt.Sprintf("/orgs/acme/settings/organization/members/%d/history", unassigned.ID))
		if res.status != 200 || !strings.Contains(res.body, p.Invoice.Number) || !strings.Contains(res.body, `data-testid="audit-invoice"`) {
			t.Errorf("history of a seat bought for a member: %d %.2000s", res.status, res.body)
		}
		newcomer := mid(t, db, "newcomer@example.com")
		res = admin.get("/orgs/acme/settings/organization/members/" + newcomer + "/history")
		_, texts = auditRows(t, res.body)
		if res.status != 200 || len(texts) != 2 || !strings.Contains(texts[0], "Invited") || !strings.Contains(texts[0], "owner@acme.example") ||
			!strings.Contains(texts[1], "Joined by invitation") {
			t.Errorf("history of an invited member: %d %v", res.status, texts)
		}
		if res := admin.get("/orgs/bottega/settings/organization/members/" + newcomer + "/history"); res.status != http.StatusNotFound {
			t.Errorf("another organization's history: %d", res.status)
		}
		if res := h.login("primary@bottega.example").get("/orgs/bottega/settings/organization/members/" + newcomer + "/history"); res.status != http.StatusNotFound {
			t.Errorf("a member of another organization through bottega: %d", res.status)
		}
		if !strings.Contains(admin.get("/orgs/acme/settings/organization").body, `data-testid="member-history"`) {
			t.Error("no History link in the members table")
		}

		// The seat ledger on Billing, and as CSV; Admins see neither.
		res = owner.get("/orgs/acme/settings/billing")
		if !strings.Contains(res.body, `data-testid="seat-ledger"`) || strings.Count(res.body, `data-testid="ledger-row"`) != 2 {
			t.Errorf("ledger: %.300s", res.body)
		}
		res = owner.get("/orgs/acme/settings/billing/ledger.csv")
		rows = readCSV(t, res.body)
		want := [][]string{ledgerCSVHeader,
			{testNow.AddDate(0, 0, -100).Format("2006-01-02"), "enterprise", "subscription", "25", "25", "ACME-00001", "1800000", "USD", ""},
			{testNow.Format("2006-01-02"), "enterprise", "seat_purchase", "1", "26", p.Invoice.Number, fmt.Sprint(p.Invoice.TotalMinor), "USD", "owner@acme.example"}}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("ledger CSV:\n%v\nwant\n%v", rows, want)
		}
		if res := admin.get("/orgs/acme/settings/billing/ledger.csv"); res.status != http.StatusForbidden {
			t.Errorf("ledger CSV for an Admin: %d", res.status)
		}
	})
}

// sqlRecorder records the statements GORM sends, with their values.
type sqlRecorder struct {
	logger.Interface
	sql []string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.sql = append(r.sql, s)
}

// TestAuditLogAtScale: 200,000 events in one organization (set-based), then
// every filter pages through keyset without gaps or repeats, the counts
// match, and on PostgreSQL each page's plan reads an index in order
// (no sort of the matching events).
func TestAuditLogAtScale(t *testing.T) {
	const events = 200_000
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		modeltest.LoadDemo(t, db, modeltest.FixedClock{T: testNow}, demoPassword)
		admin := auditActor(t, db, "admin@acme.example", "acme")
		seedAuditEvents(t, db, admin.Org.ID, events)
		var giulia int64
		db.Raw("SELECT id FROM users WHERE email = ?", "giulia.rossi1@acme.example").Scan(&giulia)

		count := func(where string, args ...any) int {
			var n int
			db.Raw("SELECT count(*) FROM audit_events WHERE org_id = ? AND "+where, append([]any{admin.Org.ID}, args...)...).Scan(&n)
			return n
		}
		from := testNow.AddDate(0, 0, -30).Format("2006-01-02")
		to := testNow.AddDate(0, 0, -20).Format("2006-01-02")
		filters := []struct {
			name  string
			f     [5]string // kind, actor, member, from, to
			where string
			args  []any
		}{
			{"kind", [5]string{"roles", "", "", "", ""}, "kind = ?", []any{"roles"}},
			{"actor", [5]string{"", "scale-actor-3@acme.example", "", "", ""}, "actor_name = ?", []any{"scale-actor-3@acme.example"}},
			{"member", [5]string{"", "", "giulia.rossi1@acme.example", "", ""}, "member_user_id = ?", []any{giulia}},
			{"dates", [5]string{"", "", "", from, to}, "created_at >= ? AND created_at < ?", []any{testNow.AddDate(0, 0, -30), testNow.AddDate(0, 0, -19)}},
			{"kind and dates", [5]string{"seats", "", "", from, to}, "kind = ? AND created_at >= ? AND created_at < ?", []any{"seats", testNow.AddDate(0, 0, -30), testNow.AddDate(0, 0, -19)}},
		}
		for _, c := range filters {
			f, err := models.ParseAuditFilter(c.f[0], c.f[1], c.f[2], c.f[3], c.f[4])
			if err != nil {
				t.Fatal(err)
			}
			want := count(c.where, c.args...)
			if want == 0 {
				t.Fatalf("%s: the seed has no such event", c.name)
			}
			// Page through up to 8 pages, then back one, then to the end by export.
			seen := map[int64]bool{}
			var before *models.AuditCursor
			var pages []models.AuditPage
			for range 8 {
				page, err := models.AuditLog(ctx, db, admin, f, before, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i, e := range page.Entries {
					if seen[e.ID] {
						t.Fatalf("%s: event %d twice", c.name, e.ID)
					}
					seen[e.ID] = true
					if i > 0 {
						p := page.Entries[i-1]
						if e.CreatedAt.After(p.CreatedAt) || (e.CreatedAt.Equal(p.CreatedAt) && e.ID > p.ID) {
							t.Fatalf("%s: not newest first", c.name)
						}
					}
				}
				pages = append(pages, page)
				if page.Older == nil {
					break
				}
				before = page.Older
			}
			if len(pages) > 1 {
				back, err := models.AuditLog(ctx, db, admin, f, nil, pages[len(pages)-1].Newer)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(ids(back.Entries)) != fmt.Sprint(ids(pages[len(pages)-2].Entries)) {
					t.Errorf("%s: Newer does not lead back to the previous page", c.name)
				}
			}
			n := 0
			if err := models.EachAuditEvent(ctx, db, admin, f, func(models.AuditEntry) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Errorf("%s: the export has %d events, the database %d", c.name, n, want)
			}
			if db.Dialector.Name() == "postgres" {
				rec := &sqlRecorder{}
				_, err := models.AuditLog(ctx, db.Session(&gorm.Session{Logger: rec}), admin, f, pages[len(pages)/2].Older, nil)
				if err != nil {
					t.Fatal(err)
				}
				q := rec.sql[len(rec.sql)-1]
				var plan []string
				db.Raw("EXPLAIN " + q).Scan(&plan)
				text := strings.Join(plan, "\n")
				if strings.Contains(text, "Sort") || !strings.Contains(text, "idx_audit_org") {
					t.Errorf("%s: the page is not read in index order:\n%s\n%s", c.name, q, text)
				}
			}
		}
	})
}

func ids(es []models.AuditEntry) []int64 {
	out := make([]int64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// seedAuditEvents adds n events to an organization with set-based SQL:
// spread over 100 days up to testNow, 8 actors, kinds in turn, one event in
// 1,000 about Giulia; then ANALYZE.
func seedAuditEvents(t testing.TB, db *gorm.DB, orgID int64, n int) {
	t.Helper()
	seq := fmt.Sprintf("WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < %d)", n)
	// SQLite keeps times as the driver writes them (RFC 3339): the same text here.
	ts := "strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', ?, '-' || (g * 8640000 / %d) || ' seconds')"
	if db.Dialector.Name() == "postgres" {
		seq = fmt.Sprintf("WITH seq(g) AS (SELECT generate_series(1, %d))", n)
		ts = "(?::timestamptz - make_interval(secs => g * 8640000.0 / %d))"
	}
	ts = fmt.Sprintf(ts, n)
	var giulia int64
	db.Raw("SELECT id FROM users WHERE email = ?", "giulia.rossi1@acme.example").Scan(&giulia)
	start := testNow
	startArg := any(start)
	if db.Dialector.Name() != "postgres" {
		startArg = start.Format("2006-01-02 15:04:05")
	}
	err := db.Exec(seq+`
INSERT INTO audit_events (org_id, actor_kind, actor_name, action, kind, subject_type, subject_id, member_user_id, before, after, created_at)
SELECT ?, 'person', 'scale-actor-' || (g % 8) || '@acme.example',
  CASE g % 4 WHEN 0 THEN 'member.seat_changed' WHEN 1 THEN 'member.role_changed' WHEN 2 THEN 'invitation.sent' ELSE 'seats.purchased' END,
  CASE g % 4 WHEN 0 THEN 'seats' WHEN 1 THEN 'roles' WHEN 2 THEN 'invitations' ELSE 'billing' END,
  'membership', g, CASE WHEN g % 1000 = 7 THEN CAST(? AS BIGINT) END, '{}', '{}', `+ts+`
FROM seq`, orgID, giulia, startArg).Error
	if err != nil {
		t.Fatalf("seed audit events: %v", err)
	}
	analyze := "ANALYZE"
	if db.Dialector.Name() == "postgres" {
		analyze = "VACUUM ANALYZE audit_events"
	}
	if err := db.Exec(analyze).Error; err != nil {
		t.Fatal(err)
	}
}

// flushCounter is a ResponseWriter that counts flushes and bytes.
type flushCounter struct {
	header  http.Header
	status  int
	flushes int
	body    strings.Builder
}

func (f *flushCounter) Header() http.Header  { return f.header }
func (f *flushCounter) WriteHeader(code int) { f.status = code }
func (f *flushCounter) Write(b []byte) (int, error) {
	if f.status == 0 {
		f.status = http.StatusOK
	}
	return f.body.Write(b)
}
func (f *flushCounter) Flush() { f.flushes++ }

// TestAuditExportStreams: the export of 5,000 events reaches the client in
// pieces as it is read (a flush every 500 rows), not as one buffered answer,
// and every event is in it once.
func TestAuditExportStreams(t *testing.T) {
	db := modeltest.Open(t, "sqlite")
	h := newHarness(t, db)
	admin := auditActor(t, db, "admin@acme.example", "acme")
	seedAuditEvents(t, db, admin.Org.ID, 5000)
	c := h.login("admin@acme.example")
	req, _ := http.NewRequest(http.MethodGet, "/orgs/acme/settings/audit-log/export.csv", nil)
	u, _ := url.Parse(h.srv.URL)
	for _, ck := range c.http.Jar.Cookies(u) {
		req.AddCookie(ck)
	}
	w := &flushCounter{header: http.Header{}}
	h.srv.Config.Handler.ServeHTTP(w, req)
	if w.status != http.StatusOK {
		t.Fatalf("export: %d %.300s", w.status, w.body.String())
	}
	rows := readCSV(t, w.body.String())
	if len(rows) != 5000+1+1 { // the seeded events, the demo's "organization created", the header
		t.Errorf("export: %d rows", len(rows))
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if seen[r[1]] {
			t.Fatalf("event %s twice", r[1])
		}
		seen[r[1]] = true
	}
	if w.flushes < 10 {
		t.Errorf("the export was flushed %d times: not streamed", w.flushes)
	}
}
