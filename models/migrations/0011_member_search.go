package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// memberSearch (issue 11) keeps the members table's searches and orders
// fast at 100,000 members: an index per order of the table, each ending with
// the id that breaks ties ((org_id, created_at, id) for the date added; the
// seat-type index gains the id, Unassigned first), users by name, the
// wait-list shown on the same page in arrival order, and on
// SQLite an FTS5 trigram table of the users' names and emails, kept in step
// with users by triggers (PostgreSQL has had trigram GIN indexes since
// 0001).
func memberSearch() *gormigrate.Migration {
	return &gormigrate.Migration{
		ID: "0011_member_search",
		Migrate: func(tx *gorm.DB) error {
			seat := `CREATE INDEX idx_memberships_org_seat ON memberships (org_id, seat_type_key, id)`
			if isPostgres(tx) {
				seat = `CREATE INDEX idx_memberships_org_seat ON memberships (org_id, seat_type_key NULLS FIRST, id)`
			}
			stmts := []string{
				`CREATE INDEX idx_memberships_org_added ON memberships (org_id, created_at, id)`,
				`DROP INDEX idx_memberships_org_seat`,
				seat,
				`CREATE INDEX idx_users_name_id ON users (name, id)`,
				// The wait-list on the same page: its counts by type and its
				// first rows in arrival order, from the index alone.
				`CREATE INDEX idx_memberships_waitlist ON memberships (org_id, status, waiting_since, id, waiting_for)`,
			}
			if !isPostgres(tx) {
				stmts = append(stmts,
					`CREATE VIRTUAL TABLE users_search USING fts5(name, email, content='users', content_rowid='id', tokenize='trigram')`,
					`INSERT INTO users_search(users_search) VALUES ('rebuild')`,
					`CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
  INSERT INTO users_search(rowid, name, email) VALUES (new.id, new.name, new.email);
END`,
					`CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
  INSERT INTO users_search(users_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email);
END`,
					`CREATE TRIGGER users_search_update AFTER UPDATE OF name, email ON users BEGIN
  INSERT INTO users_search(users_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email);
  INSERT INTO users_search(rowid, name, email) VALUES (new.id, new.name, new.email);
END`,
				)
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			stmts := []string{
				`DROP INDEX idx_memberships_org_added`,
				`DROP INDEX idx_memberships_org_seat`,
				`CREATE INDEX idx_memberships_org_seat ON memberships (org_id, seat_type_key)`,
				`DROP INDEX idx_users_name_id`,
				`DROP INDEX idx_memberships_waitlist`,
			}
			if !isPostgres(tx) {
				stmts = append(stmts, `DROP TRIGGER users_search_insert`, `DROP TRIGGER users_search_delete`,
					`DROP TRIGGER users_search_update`, `DROP TABLE users_search`)
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}
