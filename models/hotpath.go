package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// The statements sent at volume go through database/sql directly, without
// GORM's statement building and reflection (make bench: that halved their
// CPU): the access check's two (the token, the access) and the seat change's
// transaction (the organization's lock, the member, the allocation, the
// member's update, the seat counters, the audit event). Every other
// statement goes through GORM. They run on the handle's own connection, the
// transaction's inside one, and count for QueryCounter like GORM's.

// pgQueries caches statements rewritten for PostgreSQL.
var pgQueries sync.Map

// hotSQL is q, written with ? placeholders, in the dialect of db.
func hotSQL(db *gorm.DB, q string) string {
	if db.Dialector.Name() != "postgres" {
		return q
	}
	if v, ok := pgQueries.Load(q); ok {
		return v.(string)
	}
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
	pgQueries.Store(q, b.String())
	return b.String()
}

// hotCount counts a statement for the QueryCounter registered on db, if any.
func hotCount(db *gorm.DB) {
	if c, ok := db.Config.Plugins[(&QueryCounter{}).Name()].(*QueryCounter); ok {
		c.n.Add(1)
	}
}

func hotContext(db *gorm.DB) context.Context {
	if db.Statement.Context != nil {
		return db.Statement.Context
	}
	return context.Background()
}

// hotQuery runs a statement that returns rows.
func hotQuery(db *gorm.DB, q string, args ...any) (*sql.Rows, error) {
	hotCount(db)
	return db.Statement.ConnPool.QueryContext(hotContext(db), hotSQL(db, q), args...)
}

// hotRow runs a statement that returns at most one row; Scan says
// sql.ErrNoRows when none.
func hotRow(db *gorm.DB, q string, args ...any) *sql.Row {
	hotCount(db)
	return db.Statement.ConnPool.QueryRowContext(hotContext(db), hotSQL(db, q), args...)
}

// hotExec runs a statement that changes rows and returns how many.
func hotExec(db *gorm.DB, q string, args ...any) (int64, error) {
	hotCount(db)
	res, err := db.Statement.ConnPool.ExecContext(hotContext(db), hotSQL(db, q), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// hotTime reads a time column as either driver returns it: a time.Time
// (PostgreSQL) or RFC 3339 text (SQLite).
type hotTime struct {
	T     time.Time
	Valid bool
}

func (t *hotTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		t.Valid = false
		return nil
	case time.Time:
		t.T, t.Valid = x, true
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	}
	return fmt.Errorf("time column: unexpected %T", v)
}

func (t *hotTime) parse(s string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
		if p, err := time.Parse(layout, s); err == nil {
			t.T, t.Valid = p, true
			return nil
		}
	}
	return fmt.Errorf("time column: cannot parse %q", s)
}

// ptr is the time, or nil when the column was NULL.
func (t hotTime) ptr() *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.T
}

// pgPlanWithValues, as the first argument of a PostgreSQL read, has it
// planned with its values each time (pgx's exec mode: an unnamed statement)
// instead of a cached generic plan: a search's LIKE patterns decide whether
// the trigram indexes or the organization's index come first.
const pgPlanWithValues = pgx.QueryExecModeExec
