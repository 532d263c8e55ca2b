package models

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// The access check is the one read that the product's services send at
// volume, so its two statements (the token, the access) go through
// database/sql directly, without GORM's statement building and reflection
// (make bench: that halved their CPU). Every other statement goes through
// GORM. These run outside transactions only.

// hotQuery runs a read-only statement written with ? placeholders.
func hotQuery(ctx context.Context, db *gorm.DB, q string, args ...any) (*sql.Rows, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if db.Dialector.Name() == "postgres" {
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
		q = b.String()
	}
	return sqlDB.QueryContext(ctx, q, args...)
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

// pgPlanWithValues, as the first argument of a PostgreSQL read, has it
// planned with its values each time (pgx's exec mode: an unnamed statement)
// instead of a cached generic plan: a search's LIKE patterns decide whether
// the trigram indexes or the organization's index come first.
const pgPlanWithValues = pgx.QueryExecModeExec
