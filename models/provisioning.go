package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Provisioning (R-PROV): the identity provider (SCIM, single sign-on) adds,
// updates, suspends and removes members through one operation that gives a
// seat when one is free and puts the person in line when none is.

// ErrAlreadyMember is a provisioning request for someone who is already a
// member of the organization (SCIM answers 409 uniqueness).
var ErrAlreadyMember = errors.New("already a member")

// ErrTaken is an email or external id another member already uses.
var ErrTaken = errors.New("already taken")

// Conflict is a provisioning request the identity provider may not make for
// this member: Key is a locale key (SCIM answers 400 mutability).
type Conflict struct{ Key string }

func (e *Conflict) Error() string { return "conflict: " + e.Key }

// WaitlistComposer writes the email that tells an Owner people are waiting
// for a seat, in the Owner's language.
type WaitlistComposer func(owner User, org Organization, waiting int) Mail

// Provisioner is what provisioning needs besides the database: the clock and
// the Owners' email.
type Provisioner struct {
	DB      *gorm.DB
	Clock   Clock
	Compose WaitlistComposer
}

// ProvisionInput is a person as the identity provider describes them.
type ProvisionInput struct {
	Email      string // the userName: an email, kept in its case for SCIM
	Name       string // display name; from the given and family names when empty
	GivenName  string
	FamilyName string
	ExternalID *string
	Active     bool
	Source     MemberSource
	Mapping    *string // what a group mapping gives: a seat type, "" for Unassigned; nil when no mapping applies
}

// Provisioned is the outcome of a provisioning change: the member as it is
// now, and the emails queued (to send after the commit).
type Provisioned struct {
	Member Membership
	Mails  []OutboxMessage
}

// WaitlistInterval is how often at most the Owners hear that people wait.
const WaitlistInterval = time.Hour

// validateNames checks the names, and fills the display name from the given
// and family names, or the given and family names from the display name.
func validateNames(in *ProvisionInput) error {
	in.Name, in.GivenName, in.FamilyName = strings.TrimSpace(in.Name), strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	if in.Name == "" {
		in.Name = strings.TrimSpace(in.GivenName + " " + in.FamilyName)
	}
	if in.Name == "" {
		in.Name = in.Email[:strings.Index(in.Email, "@")]
	}
	for _, s := range []string{in.Name, in.GivenName, in.FamilyName} {
		if utf8.RuneCountInString(s) > 200 || strings.ContainsRune(s, 0) {
			return Invalidf("name", "provision.name", nil)
		}
	}
	if in.ExternalID != nil && (len(*in.ExternalID) > 255 || *in.ExternalID == "") {
		return Invalidf("externalId", "provision.external_id", nil)
	}
	return nil
}

// Provision adds a person to the actor's organization (R-PROV-1, R-PROV-2):
// active, they get a seat through the seat core (R-PROV-3), or wait in line
// when none is free; inactive, they join suspended. Someone already a member
// is ErrAlreadyMember.
func (p Provisioner) Provision(ctx context.Context, actor Actor, in ProvisionInput) (Provisioned, error) {
	if err := actor.Check(Provision); err != nil {
		return Provisioned{}, err
	}
	email, err := ValidateEmail(in.Email)
	if err != nil {
		return Provisioned{}, err
	}
	userName := strings.TrimSpace(in.Email)
	in.Email = email
	if err := validateNames(&in); err != nil {
		return Provisioned{}, err
	}
	var out Provisioned
	err = p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		var user User
		err = tx.Where("email = ?", email).Take(&user).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			user = User{Email: email, Name: in.Name, GivenName: in.GivenName, FamilyName: in.FamilyName}
			if err := tx.Create(&user).Error; err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			var n int64
			if err := tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", org.ID, user.ID).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return ErrAlreadyMember
			}
		}
		m, err := p.join(tx, actor, org, user, in, userName, &out)
		out.Member = m
		return err
	})
	return out, err
}

// join makes a user a member of the organization held locked (the one
// provisioning operation for SCIM and single sign-on): a seat, the line, or
// suspended when inactive; audited.
func (p Provisioner) join(tx *gorm.DB, actor Actor, org Organization, user User, in ProvisionInput, userName string, out *Provisioned) (Membership, error) {
	if in.ExternalID != nil {
		if err := externalIDFree(tx, org.ID, *in.ExternalID, 0); err != nil {
			return Membership{}, err
		}
	}
	m := Membership{OrgID: org.ID, UserID: user.ID, Role: RoleMember, Status: StatusSuspended, Source: in.Source,
		ExternalID: in.ExternalID, User: user}
	if userName != "" && userName != user.Email {
		m.SCIMUserName = &userName
	}
	if err := tx.Omit("User").Create(&m).Error; err != nil {
		return Membership{}, err
	}
	if err := tx.Where("org_id = ? AND user_id = ?", org.ID, user.ID).Delete(&MemberRemoval{}).Error; err != nil {
		return Membership{}, err
	}
	if in.Active {
		if err := p.seatNewcomer(tx, org, &m, in.Mapping, out); err != nil {
			return Membership{}, err
		}
	}
	return m, Audit(tx, actor, "member.provisioned", "membership", m.ID, nil, provisionedState(m))
}

func provisionedState(m Membership) map[string]any {
	return map[string]any{"member": m.User.Email, "name": m.User.Name, "status": m.Status, "seat_type": m.SeatTypeKey,
		"waiting_for": m.WaitingFor, "external_id": m.ExternalID, "source": m.Source}
}

func externalIDFree(tx *gorm.DB, orgID int64, externalID string, except int64) error {
	var n int64
	err := tx.Model(&Membership{}).Where("org_id = ? AND external_id = ? AND id <> ?", orgID, externalID, except).Count(&n).Error
	if err != nil {
		return err
	}
	if n > 0 {
		return ErrTaken
	}
	return nil
}

// seatNewcomer gives a member without a seat (new, or reactivated) the seat
// R-PROV-3 chooses (a group mapping's type, which may be Unassigned, else the
// default order), or puts them at the end of the line for it.
func (p Provisioner) seatNewcomer(tx *gorm.DB, org Organization, m *Membership, mapping *string, out *Provisioned) error {
	now := p.Clock.Now().UTC()
	source := SeatByDefault
	if mapping != nil {
		source = SeatByMapping
	}
	free := true
	var seatType string
	if mapping == nil || *mapping != "" {
		allocs, err := allocations(tx, org.ID)
		if err != nil {
			return err
		}
		seatType, free = NewcomerSeat(allocs, SeatOf(mapping))
	}
	switch {
	case free && seatType != "":
		if err := takeSeat(tx, org.ID, seatType); err != nil {
			return err
		}
		m.SeatTypeKey, m.Status, m.WaitingFor, m.WaitingSince = &seatType, StatusActive, nil, nil
	case free: // mapped to Unassigned
		m.SeatTypeKey, m.Status, m.WaitingFor, m.WaitingSince = nil, StatusActive, nil, nil
	default:
		m.SeatTypeKey, m.Status, m.WaitingFor, m.WaitingSince = nil, StatusPending, nullableKey(seatType), &now
	}
	m.SeatSource = source
	err := tx.Model(&Membership{}).Where("id = ?", m.ID).Updates(map[string]any{"seat_type_key": m.SeatTypeKey,
		"status": m.Status, "waiting_for": m.WaitingFor, "waiting_since": m.WaitingSince, "seat_source": source}).Error
	if err != nil || free {
		return err
	}
	mails, err := p.notifyWaiting(tx, org, now)
	out.Mails = append(out.Mails, mails...)
	return err
}

// notifyWaiting queues one email to each Owner, in their language, when
// people start waiting: at most one per organization per WaitlistInterval.
func (p Provisioner) notifyWaiting(tx *gorm.DB, org Organization, now time.Time) ([]OutboxMessage, error) {
	if p.Compose == nil || (org.WaitlistNotifiedAt != nil && now.Sub(*org.WaitlistNotifiedAt) < WaitlistInterval) {
		return nil, nil
	}
	if err := tx.Model(&Organization{}).Where("id = ?", org.ID).Update("waitlist_notified_at", now).Error; err != nil {
		return nil, err
	}
	var waiting int64
	if err := tx.Model(&Membership{}).Where("org_id = ? AND status = ?", org.ID, StatusPending).Count(&waiting).Error; err != nil {
		return nil, err
	}
	var owners []User
	err := tx.Table("users").Select("users.*").Joins("JOIN memberships ON memberships.user_id = users.id").
		Where("memberships.org_id = ? AND memberships.role IN ? AND memberships.status = ?", org.ID,
			[]Role{RolePrimaryOwner, RoleOwner}, StatusActive).Order("users.id").Find(&owners).Error
	if err != nil {
		return nil, err
	}
	var out []OutboxMessage
	for _, o := range owners {
		msg, err := queueMail(tx, org.ID, p.Compose(o, org, int(waiting)))
		if err != nil {
			return nil, err
		}
		out = append(out, msg)
	}
	return out, nil
}

// ProvisionUpdate is a change the identity provider makes to a member; nil
// fields stay as they are.
type ProvisionUpdate struct {
	Email      *string
	Name       *string
	GivenName  *string
	FamilyName *string
	ExternalID **string // set to a nil *string to clear
	Active     *bool
}

// UpdateProvisioned applies the identity provider's change to a member: names
// and email, the external id, and active (false suspends: no access, the seat
// released, the member and their history kept; true provisions again: a seat,
// or the line). A seat an Admin chose stays as it is (R-PROV-5). A person who
// belongs to another organization too keeps the email and names they have:
// one identity provider cannot rename them for everyone.
func (p Provisioner) UpdateProvisioned(ctx context.Context, actor Actor, id int64, u ProvisionUpdate) (Provisioned, error) {
	if err := actor.Check(Provision); err != nil {
		return Provisioned{}, err
	}
	var out Provisioned
	err := p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockedMember(tx, actor, id)
		if err != nil {
			return err
		}
		org := actor.Org
		before := provisionedState(m)
		if err := p.updateUser(tx, &m, u); err != nil {
			return err
		}
		if u.ExternalID != nil && !sameString(*u.ExternalID, m.ExternalID) {
			if x := *u.ExternalID; x != nil {
				if *x == "" || len(*x) > 255 {
					return Invalidf("externalId", "provision.external_id", nil)
				}
				if err := externalIDFree(tx, m.OrgID, *x, m.ID); err != nil {
					return err
				}
			}
			if err := tx.Model(&Membership{}).Where("id = ?", m.ID).Update("external_id", *u.ExternalID).Error; err != nil {
				return err
			}
			m.ExternalID = *u.ExternalID
		}
		if u.Active != nil {
			switch {
			case !*u.Active && m.Status != StatusSuspended:
				if err := MemberRule(actor, TargetOf(m), ActRemove); err != nil {
					return err
				}
				if err := suspend(tx, &m); err != nil {
					return err
				}
			case *u.Active && m.Status == StatusSuspended:
				o, err := lockOrg(tx, org.ID) // already held: the row as it is now
				if err != nil {
					return err
				}
				mapping, err := mappingFor(tx, o.ID, m.ID)
				if err != nil {
					return err
				}
				if err := p.seatNewcomer(tx, o, &m, mapping, &out); err != nil {
					return err
				}
			}
		}
		out.Member = m
		after := provisionedState(m)
		if fmt.Sprint(before) == fmt.Sprint(after) {
			return nil // nothing changed: nothing to audit
		}
		return Audit(tx, actor, "member.updated", "membership", m.ID, before, after)
	})
	return out, err
}

func sameString(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// updateUser applies name and email changes to the member's user.
func (p Provisioner) updateUser(tx *gorm.DB, m *Membership, u ProvisionUpdate) error {
	changes := map[string]any{}
	in := ProvisionInput{Email: m.User.Email, Name: m.User.Name, GivenName: m.User.GivenName, FamilyName: m.User.FamilyName}
	if u.Email != nil {
		email, err := ValidateEmail(*u.Email)
		if err != nil {
			return err
		}
		if email != m.User.Email {
			changes["email"] = email
			in.Email = email
		}
		var userName *string
		if raw := strings.TrimSpace(*u.Email); raw != email {
			userName = &raw
		}
		if !sameString(userName, m.SCIMUserName) {
			if err := tx.Model(&Membership{}).Where("id = ?", m.ID).Update("scim_user_name", userName).Error; err != nil {
				return err
			}
			m.SCIMUserName = userName
		}
	}
	for _, f := range []struct {
		v    *string
		dst  *string
		col  string
		have string
	}{{u.Name, &in.Name, "name", m.User.Name}, {u.GivenName, &in.GivenName, "given_name", m.User.GivenName},
		{u.FamilyName, &in.FamilyName, "family_name", m.User.FamilyName}} {
		if f.v != nil && strings.TrimSpace(*f.v) != f.have {
			*f.dst = *f.v
			changes[f.col] = strings.TrimSpace(*f.v)
		}
	}
	if len(changes) == 0 {
		return nil
	}
	if u.Name != nil && strings.TrimSpace(*u.Name) == "" {
		in.Name = ""
	}
	if err := validateNames(&in); err != nil {
		return err
	}
	changes["name"] = in.Name
	var others int64
	if err := tx.Model(&Membership{}).Where("user_id = ? AND org_id <> ?", m.UserID, m.OrgID).Count(&others).Error; err != nil {
		return err
	}
	if others > 0 {
		if _, ok := changes["email"]; ok {
			return &Conflict{Key: "provision.email_shared"}
		}
		return nil // names of a person in several organizations stay theirs
	}
	if email, ok := changes["email"]; ok {
		var n int64
		if err := tx.Model(&User{}).Where("email = ? AND id <> ?", email, m.UserID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrTaken
		}
	}
	if err := tx.Model(&User{}).Where("id = ?", m.UserID).Updates(changes).Error; err != nil {
		return err
	}
	m.User.Email, m.User.Name, m.User.GivenName, m.User.FamilyName = in.Email, in.Name, in.GivenName, in.FamilyName
	return nil
}

// suspend takes a member's access away without removing them: the seat is
// released, their place in line dropped, their sessions ended.
func suspend(tx *gorm.DB, m *Membership) error {
	res := tx.Model(&Membership{}).Where("id = ? AND status = ?", m.ID, m.Status).
		Updates(map[string]any{"status": StatusSuspended, "seat_type_key": nil, "waiting_for": nil, "waiting_since": nil})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != 1 {
		return &Stale{Name: m.User.Name}
	}
	if m.SeatTypeKey != nil {
		if err := releaseSeat(tx, m.OrgID, *m.SeatTypeKey); err != nil {
			return err
		}
	}
	m.Status, m.SeatTypeKey, m.WaitingFor, m.WaitingSince = StatusSuspended, nil, nil, nil
	return RevokeSessions(tx, m.UserID)
}

// Deprovision removes a member as the identity provider asks (SCIM DELETE):
// sessions ended, seat released. The Primary Owner cannot be removed.
func (p Provisioner) Deprovision(ctx context.Context, actor Actor, id int64) error {
	if err := actor.Check(Provision); err != nil {
		return err
	}
	_, err := RemoveMember(ctx, p.DB, actor, id)
	return err
}

// admitWaiting gives up to max free seats of a type to the members waiting
// for it, in arrival order, inside the transaction of a purchase: people
// waiting for a seat of that type (or of any type), and members whose group
// mapping asks for that type while they hold another. It returns how many
// got one.
func admitWaiting(tx *gorm.DB, actor Actor, seatType string, max int) (int, error) {
	if max <= 0 {
		return 0, nil
	}
	var waiting []Membership
	err := tx.Joins("User").Where("memberships.org_id = ? AND memberships.status IN ? AND (memberships.waiting_for = ? OR (memberships.waiting_for IS NULL AND memberships.status = ?))",
		actor.Org.ID, []MemberStatus{StatusPending, StatusActive}, seatType, StatusPending).
		Order("memberships.waiting_since, memberships.id").Limit(max).Find(&waiting).Error
	if err != nil {
		return 0, err
	}
	for i := range waiting {
		if err := admit(tx, actor, &waiting[i], seatType); err != nil {
			return i, err
		}
	}
	return len(waiting), nil
}

// admit seats a waiting member and records it; the seat keeps the source
// that made them wait (their mapping, or the default order).
func admit(tx *gorm.DB, actor Actor, m *Membership, seatType string) error {
	before := map[string]any{"member": m.User.Email, "status": m.Status, "seat_type": m.SeatTypeKey}
	source := m.SeatSource
	if source == "" || source == SeatByPerson {
		source = SeatByDefault
	}
	if err := placeMember(tx, m, seatType, source); err != nil {
		return err
	}
	return Audit(tx, actor, "member.admitted", "membership", m.ID, before,
		map[string]any{"member": m.User.Email, "status": StatusActive, "seat_type": seatType})
}

// AdmitMember lets an Admin and above admit a waiting member into a free seat
// of the type they wait for (R-PROV-3), or of the type R-PROV-3 chooses.
func AdmitMember(ctx context.Context, db *gorm.DB, actor Actor, id int64) (MemberResult, error) {
	if err := actor.Check(AdmitWaiting); err != nil {
		return MemberResult{}, err
	}
	var out MemberResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		m, err := lockedMember(tx, actor, id)
		if err != nil {
			return err
		}
		if m.Status != StatusPending {
			return &Stale{Name: m.User.Name, Current: SeatOf(m.SeatTypeKey)}
		}
		allocs, err := allocations(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		seatType, free := NewcomerSeat(allocs, SeatOf(m.WaitingFor))
		if !free {
			return &NoSeat{SeatType: seatType}
		}
		if err := admit(tx, actor, &m, seatType); err != nil {
			return err
		}
		out, err = memberResult(tx, m)
		return err
	})
	return out, err
}

// WaitingRow is one member of the wait-list.
type WaitingRow struct {
	ID           int64
	Name         string
	Email        string
	Source       MemberSource
	WaitingFor   *string
	WaitingSince time.Time
	Position     int
}

// Waitlist is who waits for a seat, in arrival order, and how many seats of
// each type would admit them all.
type Waitlist struct {
	Total int64
	Rows  []WaitingRow // the first MaxWaitlistRows
	Need  map[string]int
}

// MaxWaitlistRows bounds the wait-list shown on the page.
const MaxWaitlistRows = 200

// WaitingMembers reads the wait-list of the actor's organization. Members
// waiting for any type count toward the highest type of the plan.
func WaitingMembers(ctx context.Context, db *gorm.DB, actor Actor, allocs []Allocation) (Waitlist, error) {
	if err := actor.Check(ViewOrganization); err != nil {
		return Waitlist{}, err
	}
	w := Waitlist{Need: map[string]int{}}
	var counts []struct {
		WaitingFor *string
		N          int
	}
	err := db.WithContext(ctx).Model(&Membership{}).Select("waiting_for, COUNT(*) AS n").
		Where("org_id = ? AND status = ?", actor.Org.ID, StatusPending).Group("waiting_for").Scan(&counts).Error
	if err != nil {
		return Waitlist{}, err
	}
	for _, c := range counts {
		w.Total += int64(c.N)
		key := SeatOf(c.WaitingFor)
		if key == "" && len(allocs) > 0 {
			key = allocs[len(allocs)-1].SeatTypeKey
		}
		w.Need[key] += c.N
	}
	if w.Total == 0 {
		return w, nil
	}
	err = db.WithContext(ctx).Table("memberships").
		Select("memberships.id, users.name, users.email, memberships.source, memberships.waiting_for, memberships.waiting_since").
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.org_id = ? AND memberships.status = ?", actor.Org.ID, StatusPending).
		Order("memberships.waiting_since, memberships.id").Limit(MaxWaitlistRows).Scan(&w.Rows).Error
	for i := range w.Rows {
		w.Rows[i].Position = i + 1
	}
	return w, err
}
