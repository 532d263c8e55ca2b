package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

func initial() *gormigrate.Migration {
	type Organization struct {
		ID                 int64     `gorm:"primaryKey"`
		Name               string    `gorm:"size:200;not null"`
		Slug               string    `gorm:"size:64;not null;uniqueIndex"`
		PlanModel          string    `gorm:"size:32;not null"`
		SalesAssisted      bool      `gorm:"not null;default:false"`
		TermStart          time.Time `gorm:"not null"`
		TermEnd            time.Time `gorm:"not null"`
		Currency           string    `gorm:"size:3;not null"`
		ExtraUsage         bool      `gorm:"not null;default:false"`
		ExtraUsageCapMinor *int64
		CancelAtTermEnd    bool `gorm:"not null;default:false"`
		CreatedAt          time.Time
		UpdatedAt          time.Time
	}
	type SeatType struct {
		Key          string `gorm:"primaryKey;size:32"`
		PlanModel    string `gorm:"size:32;not null;index"`
		Rank         int    `gorm:"not null"`
		Chat         bool   `gorm:"not null"`
		ClaudeCode   bool   `gorm:"not null"`
		Cowork       bool   `gorm:"not null"`
		HigherLimits bool   `gorm:"not null"`
	}
	type SeatPool struct {
		ID          int64  `gorm:"primaryKey"`
		OrgID       int64  `gorm:"not null;uniqueIndex:idx_seat_pools_org_type,priority:1"`
		SeatTypeKey string `gorm:"size:32;not null;uniqueIndex:idx_seat_pools_org_type,priority:2"`
		Purchased   int    `gorm:"not null"`
		Assigned    int    `gorm:"not null"`
		PriceMinor  int64  `gorm:"not null"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type User struct {
		ID           int64  `gorm:"primaryKey"`
		Email        string `gorm:"size:320;not null;uniqueIndex"`
		Name         string `gorm:"size:200;not null"`
		PasswordHash string `gorm:"size:255;not null"`
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	type Membership struct {
		ID          int64   `gorm:"primaryKey"`
		OrgID       int64   `gorm:"not null;uniqueIndex:idx_memberships_org_user,priority:1;index:idx_memberships_org_seat,priority:1;index:idx_memberships_org_status,priority:1"`
		UserID      int64   `gorm:"not null;uniqueIndex:idx_memberships_org_user,priority:2;index"`
		Role        string  `gorm:"size:16;not null"`
		SeatTypeKey *string `gorm:"size:32;index:idx_memberships_org_seat,priority:2"`
		Status      string  `gorm:"size:16;not null;index:idx_memberships_org_status,priority:2"`
		Source      string  `gorm:"size:16;not null"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type Invoice struct {
		ID         int64     `gorm:"primaryKey"`
		OrgID      int64     `gorm:"not null;index:idx_invoices_org_issued,priority:1"`
		Number     string    `gorm:"size:32;not null;uniqueIndex"`
		IssuedAt   time.Time `gorm:"not null;index:idx_invoices_org_issued,priority:2"`
		Currency   string    `gorm:"size:3;not null"`
		TotalMinor int64     `gorm:"not null"`
		CreatedAt  time.Time
	}
	type InvoiceLine struct {
		ID             int64     `gorm:"primaryKey"`
		InvoiceID      int64     `gorm:"not null;index"`
		Kind           string    `gorm:"size:32;not null"`
		SeatTypeKey    string    `gorm:"size:32;not null"`
		Quantity       int       `gorm:"not null"`
		UnitPriceMinor int64     `gorm:"not null"`
		AmountMinor    int64     `gorm:"not null"`
		PeriodStart    time.Time `gorm:"not null"`
		PeriodEnd      time.Time `gorm:"not null"`
	}
	type AuditEvent struct {
		ID          int64 `gorm:"primaryKey"`
		OrgID       int64 `gorm:"not null;index:idx_audit_org_created,priority:1"`
		ActorUserID *int64
		Action      string    `gorm:"size:64;not null"`
		SubjectType string    `gorm:"size:32;not null"`
		SubjectID   int64     `gorm:"not null"`
		Before      string    `gorm:"type:text;not null"`
		After       string    `gorm:"type:text;not null"`
		CreatedAt   time.Time `gorm:"not null;index:idx_audit_org_created,priority:2"`
	}
	type Session struct {
		ID        string    `gorm:"primaryKey;size:64"`
		UserID    *int64    `gorm:"index"`
		Data      string    `gorm:"type:text;not null"`
		ExpiresAt time.Time `gorm:"not null;index"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	type Setting struct {
		Name  string `gorm:"primaryKey;size:64"`
		Value string `gorm:"type:text;not null"`
	}
	type LoginFailure struct {
		ID        int64     `gorm:"primaryKey"`
		Scope     string    `gorm:"size:400;not null;index:idx_login_failures_scope_at,priority:1"`
		CreatedAt time.Time `gorm:"not null;index:idx_login_failures_scope_at,priority:2"`
	}
	tables := []any{&Organization{}, &SeatType{}, &SeatPool{}, &User{}, &Membership{},
		&Invoice{}, &InvoiceLine{}, &AuditEvent{}, &Session{}, &Setting{}, &LoginFailure{}}

	return &gormigrate.Migration{
		ID: "0001_initial",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(tables...); err != nil {
				return err
			}
			stmts := []string{
				// R-PERM-1: exactly one Primary Owner per organization.
				`CREATE UNIQUE INDEX idx_memberships_one_primary ON memberships (org_id) WHERE role = 'primary_owner'`,
				// The members page pages through an organization in id order.
				`CREATE INDEX idx_memberships_org_id_id ON memberships (org_id, id)`,
			}
			if isPostgres(tx) {
				// Substring search by name or email stays fast at 100,000 members.
				stmts = append(stmts,
					`CREATE EXTENSION IF NOT EXISTS pg_trgm`,
					`CREATE INDEX idx_users_name_trgm ON users USING gin (lower(name) gin_trgm_ops)`,
					`CREATE INDEX idx_users_email_trgm ON users USING gin (email gin_trgm_ops)`,
				)
			}
			// The seat-type catalogue of SPEC §3.
			catalogue := []SeatType{
				{Key: "enterprise", PlanModel: "enterprise", Rank: 1, Chat: true, ClaudeCode: true, Cowork: true},
				{Key: "chat", PlanModel: "legacy_chat", Rank: 1, Chat: true},
				{Key: "chat_code", PlanModel: "legacy_chat", Rank: 2, Chat: true, ClaudeCode: true},
				{Key: "standard", PlanModel: "legacy_seat", Rank: 1, Chat: true, ClaudeCode: true},
				{Key: "premium", PlanModel: "legacy_seat", Rank: 2, Chat: true, ClaudeCode: true, HigherLimits: true},
			}
			for _, s := range stmts {
				if err := tx.Exec(s).Error; err != nil {
					return err
				}
			}
			return tx.Create(&catalogue).Error
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(tables...)
		},
	}
}
