package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Advanced group mappings (R-PROV-4): identity-provider groups decide the
// seat type. An ordered list of rows "group → seat type (or Unassigned)";
// a person in several mapped groups gets the first matching row.

// MappingRow is one row of the mappings as edited: SeatType "" is Unassigned.
type MappingRow struct {
	Group    string
	SeatType string
}

// MaxMappings bounds the list.
const MaxMappings = 100

func loadMappings(tx *gorm.DB, orgID int64) ([]MappingRow, error) {
	var rows []GroupMapping
	if err := tx.Where("org_id = ?", orgID).Order("position, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]MappingRow, len(rows))
	for i, r := range rows {
		out[i] = MappingRow{Group: r.GroupName, SeatType: SeatOf(r.SeatTypeKey)}
	}
	return out, nil
}

// Mappings reads the organization's group mappings, in priority order.
func Mappings(ctx context.Context, db *gorm.DB, actor Actor) ([]MappingRow, error) {
	if err := actor.Check(ViewOrganization); err != nil {
		return nil, err
	}
	return loadMappings(db.WithContext(ctx), actor.Org.ID)
}

// firstMatch is the target of the first row matching one of the groups
// (names compared without regard to case); nil when none matches.
func firstMatch(rows []MappingRow, groups []string) *string {
	for _, r := range rows {
		for _, g := range groups {
			if strings.EqualFold(r.Group, g) {
				t := r.SeatType
				return &t
			}
		}
	}
	return nil
}

// mappedTarget is what the organization's mappings give a set of groups.
func mappedTarget(tx *gorm.DB, orgID int64, groups []string) (*string, error) {
	if len(groups) == 0 {
		return nil, nil
	}
	rows, err := loadMappings(tx, orgID)
	if err != nil {
		return nil, err
	}
	return firstMatch(rows, groups), nil
}

// mappingFor is what the mappings give a member's groups.
func mappingFor(tx *gorm.DB, orgID, membershipID int64) (*string, error) {
	groups, err := memberGroupNames(tx, []int64{membershipID})
	if err != nil {
		return nil, err
	}
	return mappedTarget(tx, orgID, groups[membershipID])
}

func memberGroupNames(tx *gorm.DB, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	for chunk := range slices.Chunk(ids, 1000) {
		var rows []struct {
			MembershipID int64
			DisplayName  string
		}
		err := tx.Table("group_members").Select("group_members.membership_id, groups.display_name").
			Joins("JOIN groups ON groups.id = group_members.group_id").Where("group_members.membership_id IN ?", chunk).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.MembershipID] = append(out[r.MembershipID], r.DisplayName)
		}
	}
	return out, nil
}

// cleanGroupNames checks the group names an identity provider sends.
func cleanGroupNames(names []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		n, err := validGroupName(n)
		if err != nil {
			return nil, err
		}
		if k := strings.ToLower(n); !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	if len(out) > 500 {
		out = out[:500]
	}
	return out, nil
}

// setMemberGroups makes a member's groups exactly these names (single
// sign-on's groups claim), creating groups the organization does not have
// yet. It reports whether anything changed.
func setMemberGroups(tx *gorm.DB, orgID, membershipID int64, names []string) (bool, error) {
	want := map[int64]bool{}
	for _, n := range names {
		var g Group
		if err := tx.Where("org_id = ? AND lower(display_name) = ?", orgID, strings.ToLower(n)).Limit(1).Find(&g).Error; err != nil {
			return false, err
		}
		if g.ID == 0 {
			g = Group{OrgID: orgID, DisplayName: n}
			if err := tx.Create(&g).Error; err != nil {
				return false, err
			}
		}
		want[g.ID] = true
	}
	var have []int64
	if err := tx.Model(&GroupMember{}).Where("membership_id = ?", membershipID).Pluck("group_id", &have).Error; err != nil {
		return false, err
	}
	changed := false
	for _, id := range have {
		if !want[id] {
			changed = true
			if err := tx.Where("group_id = ? AND membership_id = ?", id, membershipID).Delete(&GroupMember{}).Error; err != nil {
				return false, err
			}
		}
		delete(want, id)
	}
	for id := range want {
		changed = true
		if err := tx.Create(&GroupMember{GroupID: id, MembershipID: membershipID}).Error; err != nil {
			return false, err
		}
	}
	return changed, nil
}

// reapply applies the mappings again to members whose groups the identity
// provider changed (R-PROV-4), through the seat core: each moves to the
// mapped type when a seat of it is free; otherwise keeps the seat they hold
// and waits for the mapped type (they move when one is bought). A member
// matching no mapping keeps their seat; an Admin's earlier choice gives way,
// since the groups changed.
func (p Provisioner) reapply(tx *gorm.DB, actor Actor, org Organization, ids []int64) error {
	rows, err := loadMappings(tx, org.ID)
	if err != nil || len(rows) == 0 || len(ids) == 0 {
		return err
	}
	groups, err := memberGroupNames(tx, ids)
	if err != nil {
		return err
	}
	var members []Membership
	if err := tx.Joins("User").Where("memberships.id IN ? AND memberships.status <> ?", ids, StatusSuspended).
		Order("memberships.id").Find(&members).Error; err != nil {
		return err
	}
	allocs, err := allocations(tx, org.ID)
	if err != nil {
		return err
	}
	free := map[string]int{}
	for _, a := range allocs {
		free[a.SeatTypeKey] = a.Available()
	}
	now := p.Clock.Now().UTC()
	for i := range members {
		m := &members[i]
		target := firstMatch(rows, groups[m.ID])
		if target == nil {
			continue
		}
		e, ok := planFor(*m, *target, free)
		if !ok {
			continue
		}
		if err := applyEntry(tx, actor, m, e, now); err != nil {
			return err
		}
	}
	return nil
}

// planEntry is one member's change under a mapping.
type planEntry struct {
	ID   int64  `json:"id"`
	From string `json:"from"` // the seat held ("" none)
	To   string `json:"to"`   // the mapped type ("" Unassigned)
	Wait bool   `json:"wait"` // no seat of To free: keeps From and waits for To
}

// planFor decides a member's change toward a mapped target with the seats
// free (updated as seats are taken and freed); ok is false when the member
// is already where the mapping puts them.
func planFor(m Membership, target string, free map[string]int) (planEntry, bool) {
	from := SeatOf(m.SeatTypeKey)
	e := planEntry{ID: m.ID, From: from, To: target}
	switch {
	case m.Status == StatusSuspended:
		return e, false
	case target == "":
		if from == "" && m.Status == StatusActive && m.WaitingFor == nil && m.SeatSource == SeatByMapping {
			return e, false
		}
		if from != "" {
			free[from]++
		}
		return e, true
	case from == target:
		if m.WaitingFor == nil && m.SeatSource == SeatByMapping {
			return e, false
		}
		return e, true
	case free[target] > 0:
		free[target]--
		if from != "" {
			free[from]++
		}
		return e, true
	}
	e.Wait = true
	if m.WaitingFor != nil && *m.WaitingFor == target {
		return e, false // already waiting for it
	}
	return e, true
}

// applyEntry carries out one member's change, audited.
func applyEntry(tx *gorm.DB, actor Actor, m *Membership, e planEntry, now time.Time) error {
	before := map[string]any{"member": m.User.Email, "seat_type": m.SeatTypeKey, "status": m.Status, "waiting_for": m.WaitingFor}
	if e.Wait {
		err := tx.Model(&Membership{}).Where("id = ?", m.ID).Updates(map[string]any{"waiting_for": e.To, "waiting_since": now,
			"seat_source": SeatByMapping}).Error
		if err != nil {
			return err
		}
		m.WaitingFor, m.WaitingSince, m.SeatSource = &e.To, &now, SeatByMapping
	} else if err := placeMember(tx, m, e.To, SeatByMapping); err != nil {
		return err
	}
	return Audit(tx, actor, "member.mapping_applied", "membership", m.ID, before,
		map[string]any{"member": m.User.Email, "seat_type": m.SeatTypeKey, "status": m.Status, "waiting_for": m.WaitingFor})
}

// MappingPlan is the preview of a change of the mappings: what saving
// would do, exactly.
type MappingPlan struct {
	Rows     []MappingRow
	Moves    map[string]int // members who would move to each type ("" Unassigned)
	Waits    map[string]int // members who would wait for each type
	Affected int
	Token    string // what Save must present: the same rows and the same effect
	entries  []planEntry
}

func validateMappings(rows []MappingRow, allocs []Allocation) ([]MappingRow, error) {
	if len(rows) > MaxMappings {
		return nil, Invalidf("mappings", "mappings.too_many", map[string]any{"Max": MaxMappings})
	}
	seen := map[string]bool{}
	out := make([]MappingRow, 0, len(rows))
	for _, r := range rows {
		name := strings.TrimSpace(r.Group)
		if name == "" || utf8.RuneCountInString(name) > 200 || strings.ContainsRune(name, 0) {
			return nil, Invalidf("group", "mappings.group", nil)
		}
		if seen[strings.ToLower(name)] {
			return nil, Invalidf("group", "mappings.duplicate", map[string]any{"Group": name})
		}
		seen[strings.ToLower(name)] = true
		if r.SeatType != "" && FindAllocation(allocs, r.SeatType) == nil {
			return nil, Invalidf("seat_type", "members.seat.unknown_type", nil)
		}
		out = append(out, MappingRow{Group: name, SeatType: r.SeatType})
	}
	return out, nil
}

// plan computes what a list of mappings would do to the organization's
// members now: members in a mapped group, not suspended, whose seat no
// person chose, in member order.
func plan(tx *gorm.DB, orgID int64, rows []MappingRow, allocs []Allocation) (MappingPlan, error) {
	out := MappingPlan{Rows: rows, Moves: map[string]int{}, Waits: map[string]int{}}
	var ids []int64
	err := tx.Table("group_members").Distinct("group_members.membership_id").
		Joins("JOIN memberships ON memberships.id = group_members.membership_id").
		Where("memberships.org_id = ? AND memberships.status <> ? AND memberships.seat_source <> ?", orgID, StatusSuspended, SeatByPerson).
		Order("group_members.membership_id").Pluck("group_members.membership_id", &ids).Error
	if err != nil {
		return out, err
	}
	groups, err := memberGroupNames(tx, ids)
	if err != nil {
		return out, err
	}
	free := map[string]int{}
	for _, a := range allocs {
		free[a.SeatTypeKey] = a.Available()
	}
	for chunk := range slices.Chunk(ids, 1000) {
		var members []Membership
		if err := tx.Where("id IN ?", chunk).Order("id").Find(&members).Error; err != nil {
			return out, err
		}
		for _, m := range members {
			target := firstMatch(rows, groups[m.ID])
			if target == nil {
				continue
			}
			e, ok := planFor(m, *target, free)
			if !ok {
				continue
			}
			out.entries = append(out.entries, e)
			if e.Wait {
				out.Waits[e.To]++
			} else if e.From != e.To {
				out.Moves[e.To]++
			}
		}
	}
	out.Affected = len(out.entries)
	b, _ := json.Marshal(struct {
		Rows    []MappingRow
		Entries []planEntry
	}{rows, out.entries})
	sum := sha256.Sum256(b)
	out.Token = hex.EncodeToString(sum[:16])
	return out, nil
}

// PreviewMappings shows what saving a list of mappings would do (R-PROV-4):
// how many members move to each type, how many wait, before anything changes.
func PreviewMappings(ctx context.Context, db *gorm.DB, actor Actor, rows []MappingRow) (MappingPlan, error) {
	if err := actor.Check(ConfigureProvisioning); err != nil {
		return MappingPlan{}, err
	}
	allocs, err := Allocations(ctx, db, actor.Org.ID)
	if err != nil {
		return MappingPlan{}, err
	}
	rows, err = validateMappings(rows, allocs)
	if err != nil {
		return MappingPlan{}, err
	}
	return plan(db.WithContext(ctx), actor.Org.ID, rows, allocs)
}

// SaveMappings saves a list of mappings and applies exactly what was
// previewed, in one transaction; a preview the state no longer matches is
// refused. It returns the plan applied.
func (p Provisioner) SaveMappings(ctx context.Context, actor Actor, rows []MappingRow, token string) (MappingPlan, error) {
	if err := actor.Check(ConfigureProvisioning); err != nil {
		return MappingPlan{}, err
	}
	var out MappingPlan
	err := p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := lockOrg(tx, actor.Org.ID); err != nil {
			return err
		}
		allocs, err := allocations(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		rows, err := validateMappings(rows, allocs)
		if err != nil {
			return err
		}
		out, err = plan(tx, actor.Org.ID, rows, allocs)
		if err != nil {
			return err
		}
		if out.Token != token {
			return Invalidf("", "mappings.stale", nil)
		}
		return p.replaceMappings(tx, actor, rows, out.entries)
	})
	return out, err
}

// PurposeMappings is buying the seats a previewed change of the mappings
// needs, to save it in the same step.
func PurposeMappings(planToken string) Purpose { return Purpose("mappings:" + planToken) }

// SaveMappingsAndBuy is the Owner's "Save and buy": one purchase of the
// seats the preview said were missing (the reviewed quote, charged once) and
// the mappings saved and applied, in one transaction. The preview is checked
// against the state before the purchase; then everyone it made wait moves.
func (p Provisioner) SaveMappingsAndBuy(ctx context.Context, actor Actor, rows []MappingRow, planToken, quoteToken, seatType string, n int) (MappingPlan, Purchase, error) {
	if err := actor.Check(ConfigureProvisioning); err != nil {
		return MappingPlan{}, Purchase{}, err
	}
	var out MappingPlan
	pur, err := PurchaseSeats(ctx, p.DB, p.Clock, actor, quoteToken, seatType, n, PurposeMappings(planToken), func(tx *gorm.DB) error {
		allocs, err := allocations(tx, actor.Org.ID)
		if err != nil {
			return err
		}
		valid, err := validateMappings(rows, allocs)
		if err != nil {
			return err
		}
		before := make([]Allocation, len(allocs))
		copy(before, allocs)
		if a := FindAllocation(before, seatType); a != nil {
			a.Purchased -= n // as the preview saw it
		}
		previewed, err := plan(tx, actor.Org.ID, valid, before)
		if err != nil {
			return err
		}
		if previewed.Token != planToken {
			return Invalidf("", "mappings.stale", nil)
		}
		out, err = plan(tx, actor.Org.ID, valid, allocs)
		if err != nil {
			return err
		}
		return p.replaceMappings(tx, actor, valid, out.entries)
	})
	return out, pur, err
}

// replaceMappings stores the mappings and applies a plan, audited.
func (p Provisioner) replaceMappings(tx *gorm.DB, actor Actor, rows []MappingRow, entries []planEntry) error {
	before, err := loadMappings(tx, actor.Org.ID)
	if err != nil {
		return err
	}
	if err := tx.Where("org_id = ?", actor.Org.ID).Delete(&GroupMapping{}).Error; err != nil {
		return err
	}
	for i, r := range rows {
		if err := tx.Create(&GroupMapping{OrgID: actor.Org.ID, Position: i, GroupName: r.Group, SeatTypeKey: nullableKey(r.SeatType)}).Error; err != nil {
			return err
		}
	}
	if err := Audit(tx, actor, "mappings.saved", "organization", actor.Org.ID, mappingState(before), mappingState(rows)); err != nil {
		return err
	}
	return applyPlan(tx, actor, entries, p.Clock.Now().UTC())
}

func mappingState(rows []MappingRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		t := r.SeatType
		if t == "" {
			t = "unassigned"
		}
		out[i] = r.Group + " → " + t
	}
	return out
}

// applyPlan carries out a plan set-based: members grouped by the change they
// make, seat counters moved by the group's size through the seat core,
// audit events written in batches.
func applyPlan(tx *gorm.DB, actor Actor, entries []planEntry, now time.Time) error {
	type change struct {
		from, to string
		wait     bool
	}
	groups := map[change][]int64{}
	var order []change
	for _, e := range entries {
		c := change{e.From, e.To, e.Wait}
		if _, ok := groups[c]; !ok {
			order = append(order, c)
		}
		groups[c] = append(groups[c], e.ID)
	}
	var events []AuditEvent
	delta := map[string]int{}
	for _, c := range order {
		ids := groups[c]
		for chunk := range slices.Chunk(ids, 1000) {
			updates := map[string]any{"waiting_for": c.to, "waiting_since": now, "seat_source": SeatByMapping}
			if !c.wait {
				updates = map[string]any{"seat_type_key": nullableKey(c.to), "status": StatusActive, "waiting_for": nil,
					"waiting_since": nil, "seat_source": SeatByMapping}
			}
			res := tx.Model(&Membership{}).Where("id IN ?", chunk).Updates(updates)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected != int64(len(chunk)) {
				return &Stale{}
			}
		}
		if !c.wait && c.from != c.to {
			delta[c.from] -= len(ids)
			delta[c.to] += len(ids)
		}
		for _, id := range ids {
			b, _ := json.Marshal(map[string]any{"seat_type": nullable(c.from)})
			a, _ := json.Marshal(map[string]any{"seat_type": nullable(c.to)})
			if c.wait {
				a, _ = json.Marshal(map[string]any{"seat_type": nullable(c.from), "waiting_for": nullable(c.to)})
			}
			events = append(events, auditEvent(actor, "member.mapping_applied", "membership", id, string(b), string(a)))
		}
	}
	// Seats released first, then taken: moves between two types swap within
	// the transaction.
	types := make([]string, 0, len(delta))
	for t := range delta {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return delta[types[i]] < delta[types[j]] })
	for _, t := range types {
		switch d := delta[t]; {
		case t == "" || d == 0:
		case d < 0:
			if err := releaseSeats(tx, actor.Org.ID, t, -d); err != nil {
				return err
			}
		default:
			if err := takeSeats(tx, actor.Org.ID, t, d); err != nil {
				return err
			}
		}
	}
	return auditBatch(tx, actor.Org.ID, events)
}
