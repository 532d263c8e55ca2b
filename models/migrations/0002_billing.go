package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// billing adds what Owners change on Billing: scheduled reductions and the
// quotes that make a purchase charge exactly what was reviewed, once.
func billing() *gormigrate.Migration {
	type SeatPool struct {
		RenewalQuantity *int
	}
	type SeatQuote struct {
		ID          int64     `gorm:"primaryKey"`
		Token       string    `gorm:"size:64;not null;uniqueIndex"`
		OrgID       int64     `gorm:"not null;index"`
		SeatTypeKey string    `gorm:"size:32;not null"`
		Quantity    int       `gorm:"not null"`
		PriceMinor  int64     `gorm:"not null"`
		AmountMinor int64     `gorm:"not null"`
		QuotedOn    time.Time `gorm:"not null"`
		CreatedBy   int64     `gorm:"not null"`
		InvoiceID   *int64
		CreatedAt   time.Time
	}
	return &gormigrate.Migration{
		ID: "0002_billing",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Migrator().AddColumn(&SeatPool{}, "RenewalQuantity"); err != nil {
				return err
			}
			return tx.AutoMigrate(&SeatQuote{})
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable(&SeatQuote{}); err != nil {
				return err
			}
			return tx.Migrator().DropColumn(&SeatPool{}, "RenewalQuantity")
		},
	}
}
