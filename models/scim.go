package models

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// What SCIM reads and changes besides provisioning: Users as SCIM lists them
// and Groups (R-PROV-2).

// SCIMMaxResults is the most resources one list answer carries.
const SCIMMaxResults = 200

// SCIMQuery is a list request: filter, sort and page (1-based startIndex).
type SCIMQuery struct {
	Filter     string
	SortBy     string
	Descending bool
	StartIndex int
	Count      int
}

// SCIMRef points to another resource: a user's group or a group's member.
type SCIMRef struct {
	ID      int64
	Display string
}

// SCIMUser is a member as SCIM shows them.
type SCIMUser struct {
	ID          int64
	UserName    string // the email, in the case the identity provider wrote it
	Email       string
	Name        string
	GivenName   string
	FamilyName  string
	ExternalID  *string
	Status      MemberStatus
	SeatTypeKey *string
	WaitingFor  *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Groups      []SCIMRef `gorm:"-"`
}

// SCIMGroup is a group as SCIM shows it.
type SCIMGroup struct {
	ID          int64
	DisplayName string
	ExternalID  *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Members     []SCIMRef `gorm:"-"`
}

var scimUserSort = map[string]string{"username": "users.email", "displayname": "users.name", "name.givenname": "users.given_name",
	"name.familyname": "users.family_name", "externalid": "memberships.external_id", "meta.created": "memberships.created_at",
	"meta.lastmodified": "memberships.updated_at", "id": "memberships.id"}

var scimGroupSort = map[string]string{"displayname": "groups.display_name", "externalid": "groups.external_id",
	"meta.created": "groups.created_at", "meta.lastmodified": "groups.updated_at", "id": "groups.id"}

// sortColumn resolves sortBy against a whitelist; "" sorts by id.
func sortColumn(sortBy string, allowed map[string]string, urn string) (string, error) {
	key := strings.ToLower(strings.TrimSpace(sortBy))
	key = strings.TrimPrefix(key, urn+":")
	if key == "" {
		return "", nil
	}
	col, ok := allowed[key]
	if !ok {
		return "", &BadFilter{Detail: "cannot sort by " + sortBy}
	}
	return col, nil
}

func (q *SCIMQuery) normalize() {
	if q.StartIndex < 1 {
		q.StartIndex = 1
	}
	if q.Count < 0 {
		q.Count = 0
	}
	if q.Count > SCIMMaxResults {
		q.Count = SCIMMaxResults
	}
}

func order(col, tie string, desc bool) string {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	if col == "" || col == tie {
		return tie + dir
	}
	return col + dir + ", " + tie + dir
}

// SCIMUsers lists the members of the actor's organization as SCIM asks.
func SCIMUsers(ctx context.Context, db *gorm.DB, actor Actor, q SCIMQuery) ([]SCIMUser, int64, error) {
	if err := actor.Check(Provision); err != nil {
		return nil, 0, err
	}
	q.normalize()
	sortCol, err := sortColumn(q.SortBy, scimUserSort, scimUserSchema.coreURN)
	if err != nil {
		return nil, 0, err
	}
	// Without a filter, count and page on memberships alone (index-only, as
	// the members page does) and join users for the page's rows only.
	base := db.WithContext(ctx).Table("memberships").Where("memberships.org_id = ?", actor.Org.ID)
	pageOnMemberships := q.Filter == "" && (sortCol == "" || strings.HasPrefix(sortCol, "memberships."))
	if !pageOnMemberships {
		base = base.Joins("JOIN users ON users.id = memberships.user_id")
	}
	if q.Filter != "" {
		f, err := scimUserSchema.translate(q.Filter)
		if err != nil {
			return nil, 0, err
		}
		base = base.Where(f.where, f.args...)
	}
	var total int64
	if err := base.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	if q.Count == 0 {
		return []SCIMUser{}, total, nil
	}
	users := []SCIMUser{}
	sorted := order(sortCol, "memberships.id", q.Descending)
	page := base.Session(&gorm.Session{}).Select(scimUserColumns)
	if pageOnMemberships {
		ids := base.Session(&gorm.Session{}).Select("memberships.id").Order(sorted).Limit(q.Count).Offset(q.StartIndex - 1)
		page = db.WithContext(ctx).Table("memberships").Select(scimUserColumns).
			Joins("JOIN users ON users.id = memberships.user_id").Where("memberships.id IN (?)", ids)
	} else {
		page = page.Limit(q.Count).Offset(q.StartIndex - 1)
	}
	if err := page.Order(sorted).Scan(&users).Error; err != nil {
		return nil, 0, err
	}
	return users, total, userGroups(ctx, db, users)
}

const scimUserColumns = `memberships.id, COALESCE(memberships.scim_user_name, users.email) AS user_name, users.email, users.name, users.given_name, users.family_name, memberships.external_id,
  memberships.status, memberships.seat_type_key, memberships.waiting_for, memberships.created_at, memberships.updated_at`

// SCIMUserByID loads one member; another organization's is ErrNotFound.
func SCIMUserByID(ctx context.Context, db *gorm.DB, actor Actor, id int64) (SCIMUser, error) {
	if err := actor.Check(Provision); err != nil {
		return SCIMUser{}, err
	}
	users := []SCIMUser{}
	err := db.WithContext(ctx).Table("memberships").Select(scimUserColumns).Joins("JOIN users ON users.id = memberships.user_id").
		Where("memberships.org_id = ? AND memberships.id = ?", actor.Org.ID, id).Limit(1).Scan(&users).Error
	if err != nil {
		return SCIMUser{}, err
	}
	if len(users) == 0 {
		return SCIMUser{}, ErrNotFound
	}
	return users[0], userGroups(ctx, db, users)
}

func userGroups(ctx context.Context, db *gorm.DB, users []SCIMUser) error {
	if len(users) == 0 {
		return nil
	}
	ids := make([]int64, len(users))
	at := map[int64]int{}
	for i, u := range users {
		ids[i], at[u.ID] = u.ID, i
	}
	var rows []struct {
		MembershipID int64
		ID           int64
		DisplayName  string
	}
	err := db.WithContext(ctx).Table("group_members").Select("group_members.membership_id, groups.id, groups.display_name").
		Joins("JOIN groups ON groups.id = group_members.group_id").Where("group_members.membership_id IN ?", ids).
		Order("groups.id").Scan(&rows).Error
	for _, r := range rows {
		u := &users[at[r.MembershipID]]
		u.Groups = append(u.Groups, SCIMRef{ID: r.ID, Display: r.DisplayName})
	}
	return err
}

// SCIMGroups lists the organization's groups as SCIM asks.
func SCIMGroups(ctx context.Context, db *gorm.DB, actor Actor, q SCIMQuery, withMembers bool) ([]SCIMGroup, int64, error) {
	if err := actor.Check(Provision); err != nil {
		return nil, 0, err
	}
	q.normalize()
	sortCol, err := sortColumn(q.SortBy, scimGroupSort, scimGroupSchema.coreURN)
	if err != nil {
		return nil, 0, err
	}
	base := db.WithContext(ctx).Table("groups").Where("groups.org_id = ?", actor.Org.ID)
	if q.Filter != "" {
		f, err := scimGroupSchema.translate(q.Filter)
		if err != nil {
			return nil, 0, err
		}
		base = base.Where(f.where, f.args...)
	}
	var total int64
	if err := base.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	groups := []SCIMGroup{}
	if q.Count == 0 {
		return groups, total, nil
	}
	err = base.Session(&gorm.Session{}).Select("groups.id, groups.display_name, groups.external_id, groups.created_at, groups.updated_at").
		Order(order(sortCol, "groups.id", q.Descending)).Limit(q.Count).Offset(q.StartIndex - 1).Scan(&groups).Error
	if err != nil || !withMembers {
		return groups, total, err
	}
	return groups, total, groupMembers(ctx, db, groups)
}

func groupMembers(ctx context.Context, db *gorm.DB, groups []SCIMGroup) error {
	if len(groups) == 0 {
		return nil
	}
	ids := make([]int64, len(groups))
	at := map[int64]int{}
	for i, g := range groups {
		ids[i], at[g.ID] = g.ID, i
	}
	var rows []struct {
		GroupID int64
		ID      int64
		Email   string
	}
	err := db.WithContext(ctx).Table("group_members").Select("group_members.group_id, memberships.id, users.email").
		Joins("JOIN memberships ON memberships.id = group_members.membership_id").
		Joins("JOIN users ON users.id = memberships.user_id").
		Where("group_members.group_id IN ?", ids).Order("memberships.id").Scan(&rows).Error
	for _, r := range rows {
		g := &groups[at[r.GroupID]]
		g.Members = append(g.Members, SCIMRef{ID: r.ID, Display: r.Email})
	}
	return err
}

// SCIMGroupByID loads one group with its members.
func SCIMGroupByID(ctx context.Context, db *gorm.DB, actor Actor, id int64) (SCIMGroup, error) {
	if err := actor.Check(Provision); err != nil {
		return SCIMGroup{}, err
	}
	groups := []SCIMGroup{}
	err := db.WithContext(ctx).Table("groups").Select("id, display_name, external_id, created_at, updated_at").
		Where("org_id = ? AND id = ?", actor.Org.ID, id).Limit(1).Scan(&groups).Error
	if err != nil {
		return SCIMGroup{}, err
	}
	if len(groups) == 0 {
		return SCIMGroup{}, ErrNotFound
	}
	return groups[0], groupMembers(ctx, db, groups)
}

// GroupChange is a change to a group: nil fields stay; Members replaces the
// members when not nil; Add and Remove change them one by one.
type GroupChange struct {
	DisplayName *string
	ExternalID  **string
	Members     *[]int64
	Add         []int64
	Remove      []int64
}

func validGroupName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 200 || strings.ContainsRune(name, 0) {
		return "", Invalidf("displayName", "provision.group_name", nil)
	}
	return name, nil
}

// CreateGroup adds a group; its displayName is unique in the organization.
func (p Provisioner) CreateGroup(ctx context.Context, actor Actor, c GroupChange) (int64, error) {
	if err := actor.Check(Provision); err != nil {
		return 0, err
	}
	if c.DisplayName == nil {
		return 0, Invalidf("displayName", "provision.group_name", nil)
	}
	var id int64
	err := p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		g := Group{OrgID: actor.Org.ID}
		if err := p.applyGroup(tx, actor, org, &g, c); err != nil {
			return err
		}
		id = g.ID
		return nil
	})
	return id, err
}

// ChangeGroup changes a group of the actor's organization.
func (p Provisioner) ChangeGroup(ctx context.Context, actor Actor, id int64, c GroupChange) error {
	if err := actor.Check(Provision); err != nil {
		return err
	}
	return p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		var g Group
		err = tx.Where("org_id = ? AND id = ?", actor.Org.ID, id).Take(&g).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		return p.applyGroup(tx, actor, org, &g, c)
	})
}

// applyGroup saves a group (new when g.ID is 0) with a change, audited; the
// members whose groups changed get their group mappings applied again.
func (p Provisioner) applyGroup(tx *gorm.DB, actor Actor, org Organization, g *Group, c GroupChange) error {
	created := g.ID == 0
	renamed := false
	before := map[string]any{"display_name": g.DisplayName, "external_id": g.ExternalID}
	if c.DisplayName != nil {
		name, err := validGroupName(*c.DisplayName)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&Group{}).Where("org_id = ? AND display_name = ? AND id <> ?", g.OrgID, name, g.ID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return ErrTaken
		}
		renamed = !created && g.DisplayName != name
		g.DisplayName = name
	}
	if c.ExternalID != nil {
		g.ExternalID = *c.ExternalID
	}
	if err := tx.Save(g).Error; err != nil {
		return err
	}
	var current []int64
	if err := tx.Model(&GroupMember{}).Where("group_id = ?", g.ID).Pluck("membership_id", &current).Error; err != nil {
		return err
	}
	want := map[int64]bool{}
	for _, id := range current {
		want[id] = true
	}
	if c.Members != nil {
		want = map[int64]bool{}
		for _, id := range *c.Members {
			want[id] = true
		}
	}
	for _, id := range c.Add {
		want[id] = true
	}
	for _, id := range c.Remove {
		delete(want, id)
	}
	var add, remove []int64
	for id := range want {
		if !containsID(current, id) {
			add = append(add, id)
		}
	}
	for _, id := range current {
		if !want[id] {
			remove = append(remove, id)
		}
	}
	if len(add) > 0 {
		var n int64
		if err := tx.Model(&Membership{}).Where("org_id = ? AND id IN ?", g.OrgID, add).Count(&n).Error; err != nil {
			return err
		}
		if n != int64(len(add)) {
			return Invalidf("members", "provision.group_unknown_member", nil)
		}
		rows := make([]GroupMember, len(add))
		for i, id := range add {
			rows[i] = GroupMember{GroupID: g.ID, MembershipID: id}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
	}
	if len(remove) > 0 {
		if err := tx.Where("group_id = ? AND membership_id IN ?", g.ID, remove).Delete(&GroupMember{}).Error; err != nil {
			return err
		}
	}
	action := "group.changed"
	if created {
		action, before = "group.created", nil
	}
	err := Audit(tx, actor, action, "group", g.ID, before, map[string]any{"display_name": g.DisplayName,
		"external_id": g.ExternalID, "added": add, "removed": remove})
	if err != nil {
		return err
	}
	changed := append(add, remove...)
	if renamed {
		for id := range want {
			if !containsID(add, id) {
				changed = append(changed, id)
			}
		}
	}
	return p.reapply(tx, actor, org, changed)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// DeleteGroup removes a group; its members stay members, and their group
// mappings apply again.
func (p Provisioner) DeleteGroup(ctx context.Context, actor Actor, id int64) error {
	if err := actor.Check(Provision); err != nil {
		return err
	}
	return p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		org, err := lockOrg(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		var g Group
		err = tx.Where("org_id = ? AND id = ?", actor.Org.ID, id).Take(&g).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		var members []int64
		if err := tx.Model(&GroupMember{}).Where("group_id = ?", g.ID).Pluck("membership_id", &members).Error; err != nil {
			return err
		}
		if err := tx.Where("group_id = ?", g.ID).Delete(&GroupMember{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&g).Error; err != nil {
			return err
		}
		if err := Audit(tx, actor, "group.deleted", "group", g.ID, map[string]any{"display_name": g.DisplayName}, nil); err != nil {
			return err
		}
		return p.reapply(tx, actor, org, members)
	})
}
