// Package migrations holds Seatdesk's versioned schema migrations. Each
// migration declares the tables as they were at its version, never the live
// models, so that later model changes cannot rewrite history.
package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// List is every migration, oldest first.
func List() []*gormigrate.Migration {
	return []*gormigrate.Migration{initial(), billing(), invitations(), actors(), provisioning(), sso(), groupMappings(),
		accessAudit(), renewal(),
		// hardening() after renewal() (its ID, 0010, was given before 0006–0009 existed).
		hardening(),
		memberSearch()}
}

// Run applies every pending migration.
func Run(db *gorm.DB) error {
	m := gormigrate.New(db, &gormigrate.Options{
		TableName:                 "schema_migrations",
		IDColumnName:              "id",
		IDColumnSize:              64,
		UseTransaction:            db.Dialector.Name() == "postgres",
		ValidateUnknownMigrations: true,
	}, List())
	if err := m.Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

func isPostgres(tx *gorm.DB) bool { return tx.Dialector.Name() == "postgres" }

// Pending reports whether some migration has not been applied yet.
func Pending(db *gorm.DB) (bool, error) {
	if !db.Migrator().HasTable("schema_migrations") {
		return true, nil
	}
	var applied []string
	if err := db.Table("schema_migrations").Pluck("id", &applied).Error; err != nil {
		return false, fmt.Errorf("read schema_migrations: %w", err)
	}
	done := make(map[string]bool, len(applied))
	for _, id := range applied {
		done[id] = true
	}
	for _, m := range List() {
		if !done[m.ID] {
			return true, nil
		}
	}
	return false, nil
}
