package models

import (
	"errors"
	"sync/atomic"

	"gorm.io/gorm"
)

// QueryCounter is a GORM plugin that counts the SQL statements sent through a
// *gorm.DB (queries, scans, creates, updates, deletes and raw Exec), for
// benchmarks that report queries per request. BEGIN/COMMIT are not counted.
// Register it with db.Use(&QueryCounter{}).
type QueryCounter struct{ n atomic.Int64 }

// Name names the plugin for gorm.
func (c *QueryCounter) Name() string { return "seatdesk:querycount" }

// Initialize registers one callback after each of gorm's statement callbacks.
func (c *QueryCounter) Initialize(db *gorm.DB) error {
	count := func(tx *gorm.DB) {
		// An empty SQL means that nothing was sent (an earlier error, dry run).
		if tx.Statement.SQL.Len() > 0 && !tx.DryRun {
			c.n.Add(1)
		}
	}
	cb := db.Callback()
	return errors.Join(
		cb.Query().After("gorm:query").Register("seatdesk:count_query", count),
		cb.Row().After("gorm:row").Register("seatdesk:count_row", count),
		cb.Raw().After("gorm:raw").Register("seatdesk:count_raw", count),
		cb.Create().After("gorm:create").Register("seatdesk:count_create", count),
		cb.Update().After("gorm:update").Register("seatdesk:count_update", count),
		cb.Delete().After("gorm:delete").Register("seatdesk:count_delete", count),
	)
}

// Count returns how many statements have run since the start or the last Reset.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

// Reset sets the count to zero.
func (c *QueryCounter) Reset() { c.n.Store(0) }
