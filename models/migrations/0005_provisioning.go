package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// provisioning adds SCIM tokens and groups, the wait-list (members waiting
// for a seat, in arrival order), the identity provider's ids and names.
func provisioning() *gormigrate.Migration {
	type SCIMToken struct {
		ID         int64  `gorm:"primaryKey"`
		OrgID      int64  `gorm:"not null;uniqueIndex:idx_scim_tokens_org_name,priority:1"`
		Name       string `gorm:"size:100;not null;uniqueIndex:idx_scim_tokens_org_name,priority:2"`
		TokenHash  string `gorm:"size:64;not null;uniqueIndex"`
		CreatedBy  string `gorm:"size:320;not null"`
		LastUsedAt *time.Time
		CreatedAt  time.Time
	}
	type Group struct {
		ID          int64   `gorm:"primaryKey"`
		OrgID       int64   `gorm:"not null;uniqueIndex:idx_groups_org_name,priority:1"`
		DisplayName string  `gorm:"size:200;not null;uniqueIndex:idx_groups_org_name,priority:2"`
		ExternalID  *string `gorm:"size:255"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type GroupMember struct {
		GroupID      int64 `gorm:"primaryKey"`
		MembershipID int64 `gorm:"primaryKey;index"`
	}
	type Membership struct {
		ExternalID   *string    `gorm:"size:255"`
		SCIMUserName *string    `gorm:"size:320"`
		WaitingFor   *string    `gorm:"size:32"`
		WaitingSince *time.Time `gorm:"index:idx_memberships_waiting"`
	}
	type User struct {
		GivenName  string `gorm:"size:200;not null;default:''"`
		FamilyName string `gorm:"size:200;not null;default:''"`
		Lang       string `gorm:"size:8;not null;default:''"`
	}
	type Organization struct {
		WaitlistNotifiedAt *time.Time
	}
	cols := []struct {
		model any
		names []string
	}{
		{&Membership{}, []string{"ExternalID", "SCIMUserName", "WaitingFor", "WaitingSince"}},
		{&User{}, []string{"GivenName", "FamilyName", "Lang"}},
		{&Organization{}, []string{"WaitlistNotifiedAt"}},
	}
	return &gormigrate.Migration{
		ID: "0005_provisioning",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&SCIMToken{}, &Group{}, &GroupMember{}); err != nil {
				return err
			}
			for _, c := range cols {
				for _, n := range c.names {
					if err := tx.Migrator().AddColumn(c.model, n); err != nil {
						return err
					}
				}
			}
			if err := tx.Migrator().CreateIndex(&Membership{}, "idx_memberships_waiting"); err != nil {
				return err
			}
			// One identity-provider id per member of an organization.
			return tx.Exec(`CREATE UNIQUE INDEX idx_memberships_org_external ON memberships (org_id, external_id) WHERE external_id IS NOT NULL`).Error
		},
		Rollback: func(tx *gorm.DB) error {
			for _, c := range cols {
				for _, n := range c.names {
					if err := tx.Migrator().DropColumn(c.model, n); err != nil {
						return err
					}
				}
			}
			return tx.Migrator().DropTable(&SCIMToken{}, &Group{}, &GroupMember{})
		},
	}
}
