package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// invitations adds pending invitations, which hold a seat (R-INV-2), and the
// outbox every email is kept in.
func invitations() *gormigrate.Migration {
	type Invitation struct {
		ID          int64     `gorm:"primaryKey"`
		OrgID       int64     `gorm:"not null;index:idx_invitations_org_status,priority:1"`
		Email       string    `gorm:"size:320;not null"`
		Role        string    `gorm:"size:16;not null"`
		SeatTypeKey *string   `gorm:"size:32"`
		TokenHash   string    `gorm:"size:64;not null;uniqueIndex"`
		InvitedBy   int64     `gorm:"not null"`
		Lang        string    `gorm:"size:8;not null"`
		Status      string    `gorm:"size:16;not null;index:idx_invitations_org_status,priority:2"`
		ExpiresAt   time.Time `gorm:"not null;index"`
		AcceptedAt  *time.Time
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type OutboxMessage struct {
		ID        int64  `gorm:"primaryKey"`
		OrgID     *int64 `gorm:"index"`
		ToAddr    string `gorm:"size:320;not null"`
		Subject   string `gorm:"size:300;not null"`
		Body      string `gorm:"type:text;not null"`
		SentAt    *time.Time
		Attempts  int    `gorm:"not null;default:0"`
		LastError string `gorm:"type:text;not null;default:''"`
		CreatedAt time.Time
	}
	return &gormigrate.Migration{
		ID: "0003_invitations",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&Invitation{}, &OutboxMessage{}); err != nil {
				return err
			}
			// One pending invitation per address and organization.
			return tx.Exec(`CREATE UNIQUE INDEX idx_invitations_one_pending ON invitations (org_id, email) WHERE status = 'pending'`).Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&Invitation{}, &OutboxMessage{})
		},
	}
}
