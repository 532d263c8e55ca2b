package models

import (
	"encoding/json"
	"fmt"

	"gorm.io/gorm"
)

// Audit records one change inside the transaction tx that makes it
// (R-AUDIT-1), naming its actor: a person (by user), a SCIM token (by name),
// single sign-on, or the system (by job).
func Audit(tx *gorm.DB, actor Actor, action, subjectType string, subjectID int64, before, after any) error {
	b, err := json.Marshal(before)
	if err != nil {
		return err
	}
	a, err := json.Marshal(after)
	if err != nil {
		return err
	}
	ev := AuditEvent{OrgID: actor.Org.ID, ActorKind: actor.Kind, ActorName: actor.auditName(), Action: action,
		SubjectType: subjectType, SubjectID: subjectID, Before: string(b), After: string(a)}
	if actor.UserID != 0 {
		ev.ActorUserID = &actor.UserID
	}
	if actor.TokenID != 0 {
		ev.ActorTokenID = &actor.TokenID
	}
	if err := tx.Create(&ev).Error; err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// auditName is how the audit log names the actor, as it was at the time.
func (a Actor) auditName() string {
	if a.Kind == ActorPerson || a.Kind == ActorSSO {
		if a.Email != "" {
			return a.Email
		}
	}
	return a.Name
}
