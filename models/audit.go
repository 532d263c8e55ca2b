package models

import (
	"encoding/json"
	"fmt"
	"strconv"

	"gorm.io/gorm"
)

// Audit records one change inside the transaction tx that makes it
// (R-AUDIT-1), naming its actor: a person (by user), a SCIM token (by name),
// single sign-on, or the system (by job). The event also names the person
// the change is about (a membership's user, an invitation's addressee once
// they have a login) and, after the first event of a transaction, that first
// event: a seat given in the transaction that bought it points at the
// purchase and its invoice.
func Audit(tx *gorm.DB, actor Actor, action, subjectType string, subjectID int64, before, after any) error {
	return auditAbout(tx, actor, 0, action, subjectType, subjectID, before, after)
}

// auditAbout is Audit naming the person the change is about, for changes
// after which the subject no longer says it (a removed membership).
func auditAbout(tx *gorm.DB, actor Actor, memberUserID int64, action, subjectType string, subjectID int64, before, after any) error {
	b, err := json.Marshal(before)
	if err != nil {
		return err
	}
	a, err := json.Marshal(after)
	if err != nil {
		return err
	}
	// member_user_id: NULL, a user id, or a subquery resolved by the INSERT itself.
	member, memberArg := "NULL", any(nil)
	switch {
	case memberUserID != 0:
		member, memberArg = "?", memberUserID
	case subjectType == "membership":
		member, memberArg = "(SELECT user_id FROM memberships WHERE id = ?)", subjectID
	case subjectType == "invitation":
		member, memberArg = "(SELECT users.id FROM invitations JOIN users ON users.email = invitations.email WHERE invitations.id = ?)", subjectID
	}
	var userID, tokenID any
	if actor.UserID != 0 {
		userID = actor.UserID
	}
	if actor.TokenID != 0 {
		tokenID = actor.TokenID
	}
	first, mark := firstEvent(tx, actor.Org.ID)
	var change any
	if first != nil {
		change = *first
	}
	args := []any{actor.Org.ID, string(actor.Kind), userID, tokenID, actor.auditName(), action, string(AuditKindOf(action)),
		subjectType, subjectID}
	if memberArg != nil {
		args = append(args, memberArg)
	}
	args = append(args, change, string(b), string(a), tx.NowFunc().UTC())
	var id int64
	err = hotRow(tx, `INSERT INTO audit_events (org_id, actor_kind, actor_user_id, actor_token_id, actor_name, action, kind,
  subject_type, subject_id, member_user_id, change_id, before, after, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, `+member+`, ?, ?, ?, ?) RETURNING id`, args...).Scan(&id)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	if first == nil {
		mark(id)
	}
	return nil
}

// linkInvitationAudit names the person who accepted an invitation on the
// invitation's earlier events (sent, resent), so that their seat history
// starts with who invited them. Only the link column changes.
func linkInvitationAudit(tx *gorm.DB, orgID, invitationID, userID int64) error {
	return tx.Exec(`UPDATE audit_events SET member_user_id = ? WHERE org_id = ? AND subject_type = 'invitation' AND subject_id = ?`,
		userID, orgID, invitationID).Error
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

// auditEvent is an event of the actor about a membership, to write in
// batches in the change's transaction (see auditBatch).
func auditEvent(actor Actor, action, subjectType string, subjectID int64, before, after string) AuditEvent {
	ev := AuditEvent{OrgID: actor.Org.ID, ActorKind: actor.Kind, ActorName: actor.auditName(), Action: action,
		Kind: AuditKindOf(action), SubjectType: subjectType, SubjectID: subjectID, Before: before, After: after}
	if actor.UserID != 0 {
		ev.ActorUserID = &actor.UserID
	}
	if actor.TokenID != 0 {
		ev.ActorTokenID = &actor.TokenID
	}
	return ev
}

// firstEvent is the id of the transaction's first audit event in the
// organization (the change later events point at), nil if none yet; mark
// records it. The mark lives in the transaction's own statement settings,
// never in a shared handle: outside a transaction there is none, and mark
// does nothing.
func firstEvent(tx *gorm.DB, orgID int64) (first *int64, mark func(id int64)) {
	if _, inTx := tx.Statement.ConnPool.(gorm.TxCommitter); !inTx {
		return nil, func(int64) {}
	}
	key := "seatdesk:audit_change:" + strconv.FormatInt(orgID, 10)
	if v, ok := tx.Statement.Settings.Load(key); ok {
		if id, ok := v.(int64); ok {
			first = &id
		}
	}
	return first, func(id int64) { tx.Statement.Settings.Store(key, id) }
}

// nameMembers names the person of the organization's events about one
// subject type (membership, invitation) from firstID on that do not name
// them yet, as Audit does.
func nameMembers(tx *gorm.DB, orgID, firstID int64, subjectType string) error {
	person := map[string]string{
		"membership": "(SELECT user_id FROM memberships WHERE memberships.id = audit_events.subject_id)",
		"invitation": "(SELECT users.id FROM invitations JOIN users ON users.email = invitations.email WHERE invitations.id = audit_events.subject_id)",
	}[subjectType]
	if person == "" {
		return nil
	}
	return tx.Exec(`UPDATE audit_events SET member_user_id = `+person+`
WHERE org_id = ? AND subject_type = ? AND member_user_id IS NULL AND id >= ?`, orgID, subjectType, firstID).Error
}

// auditBatch writes events about memberships in batches, then names each
// event's member as Audit does.
func auditBatch(tx *gorm.DB, orgID int64, events []AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(events, 500).Error; err != nil {
		return err
	}
	return nameMembers(tx, orgID, events[0].ID, "membership")
}
