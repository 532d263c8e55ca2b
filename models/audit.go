package models

import (
	"encoding/json"
	"fmt"

	"gorm.io/gorm"
)

// Audit records one change inside the transaction tx that makes it (R-AUDIT-1).
// actor is nil for the system.
func Audit(tx *gorm.DB, orgID int64, actor *int64, action, subjectType string, subjectID int64, before, after any) error {
	b, err := json.Marshal(before)
	if err != nil {
		return err
	}
	a, err := json.Marshal(after)
	if err != nil {
		return err
	}
	ev := AuditEvent{OrgID: orgID, ActorUserID: actor, Action: action, SubjectType: subjectType, SubjectID: subjectID,
		Before: string(b), After: string(a)}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}
