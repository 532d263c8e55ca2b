// Package modeltest opens migrated throwaway databases for tests: an SQLite
// file always, and a PostgreSQL database of its own when TEST_DATABASE_URL is
// set (created for the test and dropped after it).
package modeltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/migrations"
)

// Kinds are the database kinds every model test runs on.
var Kinds = []string{"sqlite", "postgres"}

// ForEachDB runs fn as a subtest on each database kind. Without
// TEST_DATABASE_URL the PostgreSQL subtest is skipped, unless
// SEATDESK_REQUIRE_POSTGRES is set (CI sets it), in which case it fails.
func ForEachDB(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			fn(t, Open(t, kind))
		})
	}
}

// Open returns a migrated, empty database of the kind.
func Open(t testing.TB, kind string) *gorm.DB {
	t.Helper()
	dsn := DSN(t, kind)
	db, err := models.Open(dsn, quietLogger())
	if err != nil {
		t.Fatalf("open %s: %v", kind, err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	if err := migrations.Run(db); err != nil {
		t.Fatalf("migrate %s: %v", kind, err)
	}
	return db
}

// DSN creates an empty database of the kind and returns its DSN; the database
// is removed when the test ends.
func DSN(t testing.TB, kind string) string {
	t.Helper()
	switch kind {
	case "sqlite":
		return filepath.Join(t.TempDir(), "test.db")
	case "postgres":
		return postgresDSN(t)
	}
	t.Fatalf("unknown database kind %q", kind)
	return ""
}

// RequirePostgres reports whether a missing PostgreSQL must fail the run.
func RequirePostgres() bool { return os.Getenv("SEATDESK_REQUIRE_POSTGRES") != "" }

func postgresDSN(t testing.TB) string {
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		if RequirePostgres() {
			t.Fatal("SEATDESK_REQUIRE_POSTGRES is set but TEST_DATABASE_URL is not")
		}
		t.Skip("TEST_DATABASE_URL is not set: PostgreSQL half skipped")
	}
	adminDB, err := models.Open(admin, quietLogger())
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "seatdesk_test_" + hex.EncodeToString(buf)
	if err := adminDB.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		err := adminDB.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error
		if sqlDB, e := adminDB.DB(); e == nil {
			_ = sqlDB.Close()
		}
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// FixedClock is a clock stopped at one instant.
type FixedClock struct{ T time.Time }

// Now returns the stopped instant.
func (c FixedClock) Now() time.Time { return c.T }

// Date is a UTC midnight.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// MustCount counts rows of a model matching a condition.
func MustCount(t testing.TB, db *gorm.DB, model any, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := db.Model(model)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

// CheckSeatInvariant fails the test unless, for every seat pool, assigned ≤
// purchased and assigned equals the members and pending invitations holding
// that type (R-SEAT-1).
func CheckSeatInvariant(t testing.TB, db *gorm.DB) {
	t.Helper()
	var rows []struct {
		OrgID       int64
		SeatTypeKey string
		Purchased   int
		Assigned    int
		Holders     int
	}
	err := db.Raw(`SELECT p.org_id, p.seat_type_key, p.purchased, p.assigned,
		(SELECT COUNT(*) FROM memberships m WHERE m.org_id = p.org_id AND m.seat_type_key = p.seat_type_key) +
		(SELECT COUNT(*) FROM invitations i WHERE i.org_id = p.org_id AND i.seat_type_key = p.seat_type_key AND i.status = 'pending') AS holders
		FROM seat_pools p ORDER BY p.org_id, p.seat_type_key`).Scan(&rows).Error
	if err != nil {
		t.Fatalf("check invariant: %v", err)
	}
	for _, r := range rows {
		if r.Assigned > r.Purchased || r.Assigned != r.Holders {
			t.Errorf("org %d %s: purchased %d, assigned %d, held by %d members and invitations", r.OrgID, r.SeatTypeKey, r.Purchased, r.Assigned, r.Holders)
		}
	}
}

var demoHashes sync.Map // password → argon2id hash, computed once per test binary

// LoadDemo loads the demo data with a password, hashing it once per test run.
func LoadDemo(t testing.TB, db *gorm.DB, clock models.Clock, password string) {
	t.Helper()
	hash, ok := demoHashes.Load(password)
	if !ok {
		h, err := models.HashPassword(password)
		if err != nil {
			t.Fatal(err)
		}
		hash, _ = demoHashes.LoadOrStore(password, h)
	}
	if err := models.LoadDemoHashed(context.Background(), db, clock, hash.(string)); err != nil {
		t.Fatalf("load demo: %v", err)
	}
}
