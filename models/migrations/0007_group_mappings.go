package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// groupMappings adds the ordered mappings from identity-provider groups to
// seat types, and where each member's seat came from.
func groupMappings() *gormigrate.Migration {
	type GroupMapping struct {
		ID          int64   `gorm:"primaryKey"`
		OrgID       int64   `gorm:"not null;index:idx_group_mappings_org_position,priority:1"`
		Position    int     `gorm:"not null;index:idx_group_mappings_org_position,priority:2"`
		GroupName   string  `gorm:"size:200;not null"`
		SeatTypeKey *string `gorm:"size:32"`
		CreatedAt   time.Time
	}
	type Membership struct {
		SeatSource string `gorm:"size:16;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0007_group_mappings",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&GroupMapping{}); err != nil {
				return err
			}
			return tx.Migrator().AddColumn(&Membership{}, "SeatSource")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropColumn(&Membership{}, "SeatSource"); err != nil {
				return err
			}
			return tx.Migrator().DropTable(&GroupMapping{})
		},
	}
}
