package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// actors names every audit event's actor by kind (a person, a SCIM token,
// single sign-on, the system) and by name as it was at the time.
func actors() *gormigrate.Migration {
	type AuditEvent struct {
		ActorKind    string `gorm:"size:16;not null;default:person"`
		ActorTokenID *int64
		ActorName    string `gorm:"size:320;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0004_actors",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range []string{"ActorKind", "ActorTokenID", "ActorName"} {
				if err := tx.Migrator().AddColumn(&AuditEvent{}, col); err != nil {
					return err
				}
			}
			return tx.Exec(`UPDATE audit_events SET actor_kind = 'system', actor_name = 'demo' WHERE actor_user_id IS NULL`).Error
		},
		Rollback: func(tx *gorm.DB) error {
			for _, col := range []string{"ActorKind", "ActorTokenID", "ActorName"} {
				if err := tx.Migrator().DropColumn(&AuditEvent{}, col); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
