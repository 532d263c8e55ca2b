package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seatdesk/seatdesk/models"
)

// The access check at 100,000 members (`make bench`): GET /api/v1/access
// from 32 concurrent clients, in-process through the whole handler stack
// (middleware, service-token guard, handler, JSON; no network), next to the
// same statements sent directly (database/sql, 32 goroutines): the token
// lookup and THE access statement (models.AccessSQL), and that statement
// alone. The ways take turns in rounds so that the machine's other load
// weighs on each alike. Then the audit log at 1,000,000 events: pages of
// each filter, timed one at a time.

const (
	accessClients = 32
	accessChecks  = 8_000 // per way and round
	accessRounds  = 3
	auditEvents   = 1_000_000
	auditPages    = 50 // per variant
)

func BenchmarkAccess(b *testing.B) {
	benchNeedsPostgres(b, "access")
	env := newBenchEnv(b, "postgres")
	db := env.h.db
	sqlDB, err := db.DB()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	handler := env.h.srv.Config.Handler
	token := serviceToken(b, db, "bench")
	var emails []string
	if err := db.Table("users").Where("password_hash = ?", "bulk-no-login").Order("id").Limit(accessChecks).
		Pluck("email", &emails).Error; err != nil || len(emails) < accessChecks {
		b.Fatalf("emails: %d %v", len(emails), err)
	}
	sum := sha256.Sum256([]byte(token))
	hash := hex.EncodeToString(sum[:])
	// The access statement with PostgreSQL's placeholders, one email.
	direct := strings.Replace(strings.Replace(models.AccessSQL, "IN ?", "IN ($1)", 1), "o.slug = ?", "o.slug = $2", 1)
	http1 := func(i int) error {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/access?"+url.Values{"org": {benchOrg}, "email": {emails[i%len(emails)]}}.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("access %d: %d %.200s", i, rec.Code, rec.Body.String())
		}
		var a struct{ Status string }
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil || a.Status == "not_member" {
			return fmt.Errorf("access %d: %s", i, rec.Body.String())
		}
		return nil
	}
	query := func(i int) error {
		rows, err := sqlDB.QueryContext(ctx, direct, emails[i%len(emails)], benchOrg)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var orgID int64
			var cancel bool
			var end time.Time
			var email, status, seat sql.NullString
			var chat, code, cowork sql.NullBool
			if err := rows.Scan(&orgID, &cancel, &end, &email, &status, &seat, &chat, &code, &cowork); err != nil {
				return err
			}
			if !status.Valid {
				return fmt.Errorf("direct %d: not a member", i)
			}
			n++
		}
		if n != 1 {
			return fmt.Errorf("direct %d: %d rows", i, n)
		}
		return rows.Err()
	}
	tokenAndQuery := func(i int) error {
		var id int64
		var name, got string
		var used sql.NullTime
		var created time.Time
		if err := sqlDB.QueryRowContext(ctx, `SELECT id, name, token_hash, last_used_at, created_at FROM api_tokens WHERE token_hash = $1 LIMIT 1`, hash).
			Scan(&id, &name, &got, &used, &created); err != nil {
			return err
		}
		return query(i)
	}
	ways := []struct {
		name string
		fn   func(int) error
		sql  float64
	}{
		{"http", http1, 2}, // the token and the access statement go through database/sql, which the GORM counter does not see
		{"sql: token + access", tokenAndQuery, 2},
		{"sql: access alone", query, 1},
	}
	type agg struct {
		d    []time.Duration
		wall time.Duration
		q    int64
	}
	results := make([]agg, len(ways))
	for _, w := range ways { // warm-up
		if _, _, err := concurrently(accessClients, 500, w.fn); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range accessRounds {
		for i, w := range ways {
			env.counter.Reset()
			d, wall, err := concurrently(accessClients, accessChecks, w.fn)
			if err != nil {
				b.Fatal(err)
			}
			results[i].d = append(results[i].d, d...)
			results[i].wall += wall
			results[i].q += env.counter.Count() + int64(w.sql*float64(len(d)))
		}
	}
	b.StopTimer()
	fmt.Printf("\nAccess check, postgres: %d members in %s; %d clients at once; %d rounds of %d checks per way; load average %s\n",
		env.members, benchOrg, accessClients, accessRounds, accessChecks, loadAverage())
	fmt.Printf("%-22s %7s %10s %10s %9s %12s\n", "way", "n", "median ms", "p95 ms", "per s", "SQL/check")
	rates := make([]float64, len(ways))
	for i, w := range ways {
		r := results[i]
		slices.Sort(r.d)
		rates[i] = float64(len(r.d)) / r.wall.Seconds()
		fmt.Printf("%-22s %7d %10.2f %10.2f %9.0f %12.1f\n", w.name, len(r.d), ms(percentile(r.d, 50)), ms(percentile(r.d, 95)),
			rates[i], float64(r.q)/float64(len(r.d)))
	}
	fmt.Printf("HTTP / direct: x%.2f of token + access, x%.2f of the access statement alone (target ≥ 0.50)\n",
		rates[0]/rates[1], rates[0]/rates[2])

	benchAuditLog(b, env)
}

// benchAuditLog times pages of the audit log at 1,000,000 events.
func benchAuditLog(b *testing.B, env *benchEnv) {
	db := env.h.db
	start := time.Now()
	admin := actorOfB(b, env)
	seedAuditEvents(b, db, admin.Org.ID, auditEvents)
	seeded := time.Since(start)
	ctx := context.Background()
	from := testNow.AddDate(0, 0, -60).Format("2006-01-02")
	to := testNow.AddDate(0, 0, -50).Format("2006-01-02")
	variants := []struct {
		name string
		f    [5]string
		deep int // pages followed before timing
	}{
		{"newest page", [5]string{}, 0},
		{"page 200 (keyset)", [5]string{}, 200},
		{"kind=roles", [5]string{"roles", "", "", "", ""}, 0},
		{"actor", [5]string{"", "scale-actor-3@acme.example", "", "", ""}, 0},
		{"member", [5]string{"", "", "giulia.rossi1@acme.example", "", ""}, 0},
		{"10-day range", [5]string{"", "", "", from, to}, 0},
		{"kind + range", [5]string{"seats", "", "", from, to}, 0},
	}
	fmt.Printf("\nAudit log, postgres: %d events in %s (seeded in %.1fs); %d pages of %d per variant, one at a time\n",
		auditEvents, benchOrg, seeded.Seconds(), auditPages, models.AuditPageSize)
	fmt.Printf("%-20s %10s %10s\n", "variant", "median ms", "p95 ms")
	for _, v := range variants {
		f, err := models.ParseAuditFilter(v.f[0], v.f[1], v.f[2], v.f[3], v.f[4])
		if err != nil {
			b.Fatal(err)
		}
		var cursor *models.AuditCursor
		for range v.deep {
			p, err := models.AuditLog(ctx, db, admin, f, cursor, nil)
			if err != nil || p.Older == nil {
				b.Fatalf("%s: %v", v.name, err)
			}
			cursor = p.Older
		}
		var d []time.Duration
		for range auditPages {
			t0 := time.Now()
			p, err := models.AuditLog(ctx, db, admin, f, cursor, nil)
			d = append(d, time.Since(t0))
			if err != nil || len(p.Entries) == 0 {
				b.Fatalf("%s: %v (%d entries)", v.name, err, len(p.Entries))
			}
		}
		slices.Sort(d)
		fmt.Printf("%-20s %10.2f %10.2f\n", v.name, ms(percentile(d, 50)), ms(percentile(d, 95)))
	}
}

func actorOfB(b *testing.B, env *benchEnv) models.Actor {
	var u models.User
	if err := env.h.db.Take(&u, "email = ?", benchAdmin).Error; err != nil {
		b.Fatal(err)
	}
	a, err := models.ActorFor(context.Background(), env.h.db, u, benchOrg)
	if err != nil {
		b.Fatal(err)
	}
	return a
}
