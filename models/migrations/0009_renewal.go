package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// renewal (issue 9) keeps the history of terms, one row per organization and
// term: its unique index on (org_id, term_start) is what makes a renewal run
// exactly once per term whatever runs it. It also records the reminders sent
// before a renewal (once each) and when a cancelled plan ended.
func renewal() *gormigrate.Migration {
	type Term struct {
		ID            int64     `gorm:"primaryKey"`
		OrgID         int64     `gorm:"not null;uniqueIndex:idx_terms_org_start,priority:1"`
		TermStart     time.Time `gorm:"not null;uniqueIndex:idx_terms_org_start,priority:2"`
		TermEnd       time.Time `gorm:"not null"`
		PlanModel     string    `gorm:"size:32;not null"`
		Seats         int       `gorm:"not null"`
		Outcome       string    `gorm:"size:16;not null"`
		NextSeats     int       `gorm:"not null;default:0"`
		InvoiceNumber string    `gorm:"size:32;not null;default:''"`
		Kept          string    `gorm:"type:text;not null;default:''"`
		CreatedAt     time.Time
	}
	type RenewalReminder struct {
		OrgID     int64     `gorm:"primaryKey;autoIncrement:false"`
		TermEnd   time.Time `gorm:"primaryKey"`
		Days      int       `gorm:"primaryKey;autoIncrement:false"`
		CreatedAt time.Time
	}
	type Organization struct {
		EndedAt *time.Time
	}
	return &gormigrate.Migration{
		ID: "0009_renewal",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&Term{}, &RenewalReminder{}); err != nil {
				return err
			}
			return tx.Migrator().AddColumn(&Organization{}, "EndedAt")
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropColumn(&Organization{}, "EndedAt"); err != nil {
				return err
			}
			return tx.Migrator().DropTable(&RenewalReminder{}, &Term{})
		},
	}
}
