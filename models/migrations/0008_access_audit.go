package migrations

import (
	"sort"
	"strings"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// accessAudit adds the access API's service tokens, and what the audit log
// reads by: each event's kind of change, the person it is about and the
// first event of its transaction; with indexes that start with the
// organization and the filtered column and end with (created_at, id), the
// log's keyset. Existing events are classified and linked.
func accessAudit() *gormigrate.Migration {
	type APIToken struct {
		ID         int64  `gorm:"primaryKey"`
		Name       string `gorm:"size:100;not null;uniqueIndex"`
		TokenHash  string `gorm:"size:64;not null;uniqueIndex"`
		LastUsedAt *time.Time
		CreatedAt  time.Time
	}
	type AuditEvent struct {
		Kind         string `gorm:"size:32;not null;default:''"`
		MemberUserID *int64
		ChangeID     *int64
	}
	// The kinds of change as of this version (models/auditlog.go may add more).
	kinds := map[string]string{
		"member.seat_changed": "seats", "member.admitted": "seats",
		"member.provisioned": "members", "member.updated": "members", "member.removed": "members", "invitation.accepted": "members",
		"member.role_changed": "roles", "organization.ownership_transferred": "roles",
		"invitation.sent": "invitations", "invitation.resent": "invitations", "invitation.revoked": "invitations", "invitation.expired": "invitations",
		"seats.purchased": "billing", "seats.reduction_scheduled": "billing", "seats.reduction_cancelled": "billing",
		"plan.cancelled": "billing", "plan.resumed": "billing", "plan.extra_usage_changed": "billing",
		"scim_token.created": "provisioning", "scim_token.revoked": "provisioning", "group.created": "provisioning",
		"group.updated": "provisioning", "group.deleted": "provisioning", "sso.saved": "provisioning",
		"organization.created": "organization",
	}
	indexes := []string{
		// The unfiltered log's keyset: (created_at, id), the id breaking ties.
		`DROP INDEX idx_audit_org_created`,
		`CREATE INDEX idx_audit_org_created ON audit_events (org_id, created_at, id)`,
		`CREATE INDEX idx_audit_org_kind ON audit_events (org_id, kind, created_at, id)`,
		`CREATE INDEX idx_audit_org_actor ON audit_events (org_id, actor_name, created_at, id)`,
		`CREATE INDEX idx_audit_org_member ON audit_events (org_id, member_user_id, created_at, id)`,
	}
	return &gormigrate.Migration{
		ID: "0008_access_audit",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&APIToken{}); err != nil {
				return err
			}
			for _, col := range []string{"Kind", "MemberUserID", "ChangeID"} {
				if err := tx.Table("audit_events").Migrator().AddColumn(&AuditEvent{}, col); err != nil {
					return err
				}
			}
			actions := make([]string, 0, len(kinds))
			for a := range kinds {
				actions = append(actions, a)
			}
			sort.Strings(actions)
			var cases strings.Builder
			args := []any{}
			for _, a := range actions {
				cases.WriteString(" WHEN ? THEN ?")
				args = append(args, a, kinds[a])
			}
			if err := tx.Exec("UPDATE audit_events SET kind = CASE action"+cases.String()+" ELSE 'unclassified' END", args...).Error; err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE audit_events SET member_user_id = (SELECT user_id FROM memberships WHERE memberships.id = audit_events.subject_id)
WHERE subject_type = 'membership'`).Error; err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE audit_events SET member_user_id = (SELECT users.id FROM invitations JOIN users ON users.email = invitations.email
  WHERE invitations.id = audit_events.subject_id) WHERE subject_type = 'invitation'`).Error; err != nil {
				return err
			}
			for _, ddl := range indexes {
				if err := tx.Exec(ddl).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, name := range []string{"idx_audit_org_kind", "idx_audit_org_actor", "idx_audit_org_member", "idx_audit_org_created"} {
				if err := tx.Exec("DROP INDEX IF EXISTS " + name).Error; err != nil {
					return err
				}
			}
			if err := tx.Exec(`CREATE INDEX idx_audit_org_created ON audit_events (org_id, created_at)`).Error; err != nil {
				return err
			}
			for _, col := range []string{"Kind", "MemberUserID", "ChangeID"} {
				if err := tx.Table("audit_events").Migrator().DropColumn(&AuditEvent{}, col); err != nil {
					return err
				}
			}
			return tx.Migrator().DropTable(&APIToken{})
		},
	}
}
