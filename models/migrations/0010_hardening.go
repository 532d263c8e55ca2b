package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// hardening (issue 15) binds each seat quote to the change it was made for
// ("seats" on Billing, "assign:<membership id>", "invite:<email>"), so that a
// quote already charged answers its own change again and nothing else.
// Quotes recorded before it have an empty purpose: they match no change and
// are refused with a request to review again (they were valid for one day).
func hardening() *gormigrate.Migration {
	type SeatQuote struct {
		Purpose string `gorm:"size:400;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0010_hardening",
		Migrate: func(tx *gorm.DB) error {
			return tx.Migrator().AddColumn(&SeatQuote{}, "Purpose")
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropColumn(&SeatQuote{}, "Purpose")
		},
	}
}
