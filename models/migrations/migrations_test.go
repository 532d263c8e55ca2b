package migrations_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/migrations"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestSchemaMatchesModels: after every migration, each model's table, columns
// and indexes exist, with nullability as the model declares.
func TestSchemaMatchesModels(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		m := db.Migrator()
		for _, model := range models.All() {
			stmt := &gorm.Statement{DB: db}
			if err := stmt.Parse(model); err != nil {
				t.Fatal(err)
			}
			s := stmt.Schema
			if !m.HasTable(s.Table) {
				t.Errorf("table %s is missing", s.Table)
				continue
			}
			cols, err := m.ColumnTypes(model)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]gorm.ColumnType{}
			for _, c := range cols {
				byName[c.Name()] = c
			}
			for _, f := range s.Fields {
				if f.DBName == "" {
					continue
				}
				c, ok := byName[f.DBName]
				if !ok {
					t.Errorf("%s.%s is missing", s.Table, f.DBName)
					continue
				}
				if nullable, ok := c.Nullable(); ok && f.NotNull && nullable && !f.PrimaryKey {
					t.Errorf("%s.%s is nullable, the model says NOT NULL", s.Table, f.DBName)
				}
				delete(byName, f.DBName)
			}
			for name := range byName {
				t.Errorf("%s.%s exists but no model field maps to it", s.Table, name)
			}
			for _, idx := range s.ParseIndexes() {
				if !m.HasIndex(model, idx.Name) {
					t.Errorf("index %s on %s is missing", idx.Name, s.Table)
				}
			}
		}
		for _, idx := range []string{"idx_memberships_one_primary", "idx_memberships_org_id_id"} {
			if !m.HasIndex(&models.Membership{}, idx) {
				t.Errorf("index %s is missing", idx)
			}
		}
		if db.Dialector.Name() == "postgres" && !m.HasIndex(&models.User{}, "idx_users_name_trgm") {
			t.Error("the trigram index on users.name is missing")
		}
		var n int64
		db.Model(&models.SeatType{}).Count(&n)
		if n != 5 {
			t.Errorf("the seat-type catalogue has %d rows, want 5", n)
		}
		// Migrating again is a no-op.
		if err := migrations.Run(db); err != nil {
			t.Fatalf("second run: %v", err)
		}
	})
}
