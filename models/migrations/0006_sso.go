package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// sso adds single sign-on: each organization's OpenID Connect provider and
// email domains, the identities it vouches for, the state of sign-ins under
// way, and who was removed (single sign-on does not bring them back).
func sso() *gormigrate.Migration {
	type SSOConfig struct {
		OrgID           int64  `gorm:"primaryKey;autoIncrement:false"`
		Issuer          string `gorm:"size:500;not null"`
		ClientID        string `gorm:"size:255;not null"`
		ClientSecretEnc string `gorm:"type:text;not null"`
		RequireSSO      bool   `gorm:"not null;default:false"`
		GroupsClaim     string `gorm:"size:100;not null;default:groups"`
		CreatedAt       time.Time
		UpdatedAt       time.Time
	}
	type SSODomain struct {
		Domain string `gorm:"primaryKey;size:253"`
		OrgID  int64  `gorm:"not null;index"`
	}
	type SSOIdentity struct {
		ID        int64  `gorm:"primaryKey"`
		Issuer    string `gorm:"size:500;not null;uniqueIndex:idx_sso_identities_issuer_subject,priority:1"`
		Subject   string `gorm:"size:255;not null;uniqueIndex:idx_sso_identities_issuer_subject,priority:2"`
		UserID    int64  `gorm:"not null;index"`
		CreatedAt time.Time
	}
	type SSOLogin struct {
		StateHash string    `gorm:"primaryKey;size:64"`
		OrgID     int64     `gorm:"not null"`
		Nonce     string    `gorm:"size:64;not null"`
		Verifier  string    `gorm:"size:128;not null"`
		Next      string    `gorm:"size:500;not null"`
		ExpiresAt time.Time `gorm:"not null;index"`
		CreatedAt time.Time
	}
	type MemberRemoval struct {
		OrgID     int64 `gorm:"primaryKey;autoIncrement:false"`
		UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
		RemovedAt time.Time
	}
	return &gormigrate.Migration{
		ID: "0006_sso",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&SSOConfig{}, &SSODomain{}, &SSOIdentity{}, &SSOLogin{}, &MemberRemoval{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&SSOConfig{}, &SSODomain{}, &SSOIdentity{}, &SSOLogin{}, &MemberRemoval{})
		},
	}
}
