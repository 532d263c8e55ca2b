package models_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// idsWhere lists the membership ids of an organization matching a condition.
func idsWhere(t *testing.T, db *gorm.DB, slug, where string, args ...any) []int64 {
	t.Helper()
	var ids []int64
	q := db.Model(&models.Membership{}).Where("org_id = (SELECT id FROM organizations WHERE slug = ?)", slug)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func skips(p models.BulkPlan) map[int64]string {
	out := map[int64]string{}
	for _, e := range p.Entries {
		if e.Skip != "" {
			out[e.ID] = e.Skip
		}
	}
	return out
}

// TestBulkUnassign: an Admin sets five members Unassigned in one step; the
// Primary Owner is reported and skipped, the others lose access, one audit
// event each, all one change.
func TestBulkUnassign(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		admin := actor(t, db, "admin@acme.example", "acme")
		primary := memberID(t, db, "primary@acme.example", "acme")
		owner := memberID(t, db, "owner@acme.example", "acme")
		mia := memberID(t, db, "member@acme.example", "acme")
		unassigned := idsWhere(t, db, "acme", "seat_type_key IS NULL")[0]
		c := models.BulkChange{IDs: []int64{mia, owner, primary, unassigned, mia}, Action: models.BulkSetSeat, To: ""}
		plan, err := models.PlanBulk(ctx, db, admin, c)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Changing != 2 || plan.Unchanged != 1 || plan.Skipped != 1 || plan.Losses[models.LossAccess] != 2 || plan.Need != 0 {
			t.Fatalf("plan = %+v", plan)
		}
		if s := skips(plan); s[primary] != "members.seat.primary_owner" || len(s) != 1 {
			t.Fatalf("skipped = %v", s)
		}
		before := modeltest.MustCount(t, db, &models.AuditEvent{}, "")
		res, err := models.ApplyBulk(ctx, db, admin, c, plan.Token)
		if err != nil {
			t.Fatal(err)
		}
		if SeatOf(t, db, mia) != "" || SeatOf(t, db, owner) != "" || SeatOf(t, db, primary) != "enterprise" {
			t.Fatal("not applied as planned")
		}
		if a := models.FindAllocation(res.Plan.Allocations, "enterprise"); a == nil || a.Assigned != 19 {
			t.Fatalf("allocation after = %+v", a)
		}
		var events []models.AuditEvent
		db.Where("action = ?", "member.seat_changed").Order("id").Find(&events)
		if len(events) != 2 || modeltest.MustCount(t, db, &models.AuditEvent{}, "") != before+2 {
			t.Fatalf("%d events", len(events))
		}
		if events[0].ChangeID != nil || events[1].ChangeID == nil || *events[1].ChangeID != events[0].ID {
			t.Fatal("the events are not one change")
		}
		for _, ev := range events {
			if ev.MemberUserID == nil || ev.After != `{"member":"`+map[int64]string{mia: "member@acme.example", owner: "owner@acme.example"}[ev.SubjectID]+`","seat_type":null,"status":"active"}` {
				t.Fatalf("event = %+v", ev)
			}
		}
		// The same confirmation again: the plan is not the reviewed one.
		var stale *models.BulkStale
		if _, err := models.ApplyBulk(ctx, db, admin, c, plan.Token); !errors.As(err, &stale) || stale.Plan.Unchanged != 3 {
			t.Fatalf("replayed: %v", err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkSetSeatShortfall: three Unassigned members to Enterprise with two
// seats free: an Admin is refused (nothing changes); an Owner buys the one
// seat missing and applies in one step, charged once under a double post;
// the quote cannot pay for another change.
func TestBulkSetSeatShortfall(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@acme.example", "acme")
		admin := actor(t, db, "admin@acme.example", "acme")
		for _, e := range []string{"r1@example.com", "r2@example.com"} { // 4 free, 2 reserved
			if _, err := models.Invite(ctx, db, clock, admin, models.InviteInput{Email: e, Role: models.RoleMember, SeatType: "enterprise"}, compose); err != nil {
				t.Fatal(err)
			}
		}
		ids := idsWhere(t, db, "acme", "seat_type_key IS NULL")
		c := models.BulkChange{IDs: ids, Action: models.BulkSetSeat, To: "enterprise"}
		plan, err := models.PlanBulk(ctx, db, admin, c)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Need != 3 || plan.Available != 2 || plan.Shortfall != 1 || plan.Changing != 3 {
			t.Fatalf("plan = %+v", plan)
		}
		var noSeat *models.NoSeat
		if _, err := models.ApplyBulk(ctx, db, admin, c, plan.Token); !errors.As(err, &noSeat) {
			t.Fatalf("admin apply: %v", err)
		}
		if n := len(idsWhere(t, db, "acme", "seat_type_key IS NULL")); n != 3 {
			t.Fatalf("a refused change moved %d", 3-n)
		}
		// An Admin may not buy.
		var forbidden *models.Forbidden
		if _, err := models.QuoteSeats(ctx, db, clock, admin, "enterprise", 1, models.PurposeBulk(plan.Token)); !errors.As(err, &forbidden) {
			t.Fatalf("admin quote: %v", err)
		}
		q, err := models.QuoteSeats(ctx, db, clock, owner, "enterprise", plan.Shortfall, models.PurposeBulk(plan.Token))
		if err != nil {
			t.Fatal(err)
		}
		// The quote cannot pay for another change: two of the three members.
		other := models.BulkChange{IDs: ids[:2], Action: models.BulkSetSeat, To: "enterprise"}
		otherPlan, err := models.PlanBulk(ctx, db, owner, other)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.BuyAndApplyBulk(ctx, db, clock, owner, other, otherPlan.Token, q.Token, 1); invalidKey(err) != "billing.quote.other_change" {
			t.Fatalf("quote replayed for another change: %v", err)
		}
		// Nor the same plan token with another selection.
		if _, err := models.BuyAndApplyBulk(ctx, db, clock, owner, other, plan.Token, q.Token, 1); !errors.As(err, new(*models.BulkStale)) {
			t.Fatalf("token of another selection: %v", err)
		}
		invoices := modeltest.MustCount(t, db, &models.Invoice{}, "")
		var wg sync.WaitGroup
		results := make([]models.BulkResult, 2)
		errs := make([]error, 2)
		for i := range 2 { // the form posted twice at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = models.BuyAndApplyBulk(ctx, db, clock, owner, c, plan.Token, q.Token, plan.Shortfall)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if results[0].Repeat == results[1].Repeat {
			t.Fatalf("repeats: %v %v", results[0].Repeat, results[1].Repeat)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, ""); n != invoices+1 {
			t.Fatalf("%d invoices for one confirmation", n-invoices)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Purchased != 26 || p.Assigned != 26 {
			t.Fatalf("pool = %+v", p)
		}
		if n := len(idsWhere(t, db, "acme", "seat_type_key IS NULL")); n != 0 {
			t.Fatalf("%d still Unassigned", n)
		}
		// The seats given point at the purchase that paid for them.
		var purchase models.AuditEvent
		db.Where("action = ?", "seats.purchased").Order("id DESC").Take(&purchase)
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action = ? AND change_id = ?", "member.seat_changed", purchase.ID); n != 3 {
			t.Fatalf("%d seat events linked to the purchase", n)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkRemove: an Admin removes six selected members; the Primary Owner,
// an Owner (above an Admin) and the Admin themselves are reported and
// skipped; the others leave at once, as RemoveMember does it.
func TestBulkRemove(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		admin := actor(t, db, "admin@bottega.example", "bottega")
		primary := memberID(t, db, "primary@bottega.example", "bottega")
		owner := memberID(t, db, "owner@bottega.example", "bottega")
		self := memberID(t, db, "admin@bottega.example", "bottega")
		mia := memberID(t, db, "member@bottega.example", "bottega") // Chat
		others := idsWhere(t, db, "bottega", "role = 'member' AND id <> ? AND seat_type_key = 'chat'", mia)[:2]
		unassigned := idsWhere(t, db, "bottega", "seat_type_key IS NULL")[0]
		var miaUser models.Membership
		db.Take(&miaUser, mia)
		db.Create(&models.Session{ID: "s-mia", UserID: &miaUser.UserID, Data: "{}", ExpiresAt: today.AddDate(0, 0, 1)})
		group := models.Group{OrgID: miaUser.OrgID, DisplayName: "sales"}
		db.Create(&group)
		db.Create(&models.GroupMember{GroupID: group.ID, MembershipID: mia})
		chat, code := pool(t, db, "bottega", "chat"), pool(t, db, "bottega", "chat_code")

		c := models.BulkChange{IDs: append([]int64{primary, owner, self, mia, unassigned}, others...), Action: models.BulkRemove}
		plan, err := models.PlanBulk(ctx, db, admin, c)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{primary: "members.remove.primary_owner", owner: models.SkipForbidden, self: "members.remove.self"}
		if s := skips(plan); fmt.Sprint(s) != fmt.Sprint(want) || plan.Changing != 4 {
			t.Fatalf("skipped = %v, changing %d", s, plan.Changing)
		}
		if _, err := models.ApplyBulk(ctx, db, admin, c, plan.Token); err != nil {
			t.Fatal(err)
		}
		if n := modeltest.MustCount(t, db, &models.Membership{}, "id IN ?", append([]int64{mia, unassigned}, others...)); n != 0 {
			t.Fatalf("%d not removed", n)
		}
		if n := modeltest.MustCount(t, db, &models.Membership{}, "id IN ?", []int64{primary, owner, self}); n != 3 {
			t.Fatal("a skipped member was removed")
		}
		if modeltest.MustCount(t, db, &models.Session{}, "id = 's-mia'") != 0 || modeltest.MustCount(t, db, &models.GroupMember{}, "membership_id = ?", mia) != 0 {
			t.Fatal("sessions or groups left behind")
		}
		if modeltest.MustCount(t, db, &models.MemberRemoval{}, "user_id = ?", miaUser.UserID) != 1 {
			t.Fatal("removal not recorded")
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action = 'member.removed' AND member_user_id IS NOT NULL"); n != 4 {
			t.Fatalf("%d removal events naming the member", n)
		}
		// The seats become available; the allocation and the bill do not change.
		after := pool(t, db, "bottega", "chat")
		if after.Purchased != chat.Purchased || after.Assigned != chat.Assigned-3 || pool(t, db, "bottega", "chat_code").Assigned != code.Assigned {
			t.Fatalf("chat %+v → %+v", chat, after)
		}
		// Reviewed again with the same selection: the removed ones are gone.
		plan, err = models.PlanBulk(ctx, db, admin, c)
		if err != nil || plan.Skipped != 7 || skips(plan)[mia] != models.SkipGone {
			t.Fatalf("after: %+v %v", plan, err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkStaleAndOtherOrganization: a member moved or removed between the
// review and the confirmation makes the confirmation stale (nothing
// changes); another organization's id refuses the whole change.
func TestBulkStaleAndOtherOrganization(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		admin := actor(t, db, "admin@bottega.example", "bottega")
		ids := idsWhere(t, db, "bottega", "seat_type_key = 'chat' AND role = 'member'")[:4]
		c := models.BulkChange{IDs: ids, Action: models.BulkSetSeat, To: ""}
		plan, err := models.PlanBulk(ctx, db, admin, c)
		if err != nil {
			t.Fatal(err)
		}
		// Someone moves one of them meanwhile.
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: ids[1], From: "chat", To: "", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		var stale *models.BulkStale
		if _, err := models.ApplyBulk(ctx, db, admin, c, plan.Token); !errors.As(err, &stale) || stale.Plan.Unchanged != 1 || stale.Plan.Changing != 3 {
			t.Fatalf("moved meanwhile: %v", err)
		}
		if n := len(idsWhere(t, db, "bottega", "seat_type_key IS NULL AND id IN ?", ids)); n != 1 {
			t.Fatalf("a stale confirmation changed %d", n-1)
		}
		// Someone removes one of them: it shows as gone, the rest still apply.
		if _, err := models.RemoveMember(ctx, db, admin, ids[2]); err != nil {
			t.Fatal(err)
		}
		plan, err = models.PlanBulk(ctx, db, admin, c)
		if err != nil || skips(plan)[ids[2]] != models.SkipGone || plan.Changing != 2 {
			t.Fatalf("removed meanwhile: %+v %v", plan, err)
		}
		if _, err := models.ApplyBulk(ctx, db, admin, c, plan.Token); err != nil {
			t.Fatal(err)
		}
		// Another organization's member: refused whole, nothing changes.
		acme := memberID(t, db, "member@acme.example", "acme")
		withOther := models.BulkChange{IDs: []int64{idsWhere(t, db, "bottega", "seat_type_key = 'chat' AND role = 'member'")[0], acme}, Action: models.BulkSetSeat, To: ""}
		if _, err := models.PlanBulk(ctx, db, admin, withOther); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's id: %v", err)
		}
		if _, err := models.ApplyBulk(ctx, db, admin, withOther, plan.Token); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's id applied: %v", err)
		}
		if _, err := models.PlanBulk(ctx, db, admin, models.BulkChange{IDs: []int64{999999}, Action: models.BulkRemove}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("no such id: %v", err)
		}
		if SeatOf(t, db, acme) != "enterprise" {
			t.Fatal("another organization's member changed")
		}
		// Bad requests.
		for _, bad := range []models.BulkChange{
			{Action: models.BulkRemove},
			{IDs: ids, Action: "promote"},
			{IDs: ids, Action: models.BulkSetSeat, To: "enterprise"},
		} {
			if _, err := models.PlanBulk(ctx, db, admin, bad); invalidKey(err) == "" {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		member := actor(t, db, "member@bottega.example", "bottega")
		if _, err := models.PlanBulk(ctx, db, member, c); !errors.As(err, new(*models.Forbidden)) {
			t.Fatalf("a Member: %v", err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkEveryMatching: "every member matching" selects what the members
// table counts for the same filter, and is capped.
func TestBulkEveryMatching(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		admin := actor(t, db, "admin@bottega.example", "bottega")
		allocs, _ := models.Allocations(ctx, db, admin.Org.ID)
		for _, f := range []models.MemberFilter{{}, {SeatType: "chat"}, {SeatType: "unassigned"}, {Status: "active"},
			{Query: "ROSSI"}, {Query: "a", SeatType: "chat_code"}, {Query: "100%_"}, {Query: "giulia rossi"}, {Query: "ro bottega", Status: "active"},
			{Query: "mar example"}} {
			page, err := models.ListMembers(ctx, db, admin, allocs, f)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := models.PlanBulk(ctx, db, admin, models.BulkChange{All: true, Filter: f, Action: models.BulkSetSeat, To: "chat"})
			if page.Total == 0 {
				if invalidKey(err) != "bulk.none_matching" {
					t.Errorf("%+v: nothing matches, got %v", f, err)
				}
				continue
			}
			if err != nil || int64(len(plan.Entries)) != page.Total {
				t.Errorf("%+v: table %d, bulk %d (%v)", f, page.Total, len(plan.Entries), err)
			}
		}
		if _, err := models.PlanBulk(ctx, db, admin, models.BulkChange{All: true, Filter: models.MemberFilter{SeatType: "enterprise"}, Action: models.BulkRemove}); invalidKey(err) != "members.filter.unknown_seat_type" {
			t.Fatalf("bad filter: %v", err)
		}
		// 10,001 members match: refused, with the cap in the message.
		var org models.Organization
		db.Take(&org, "slug = ?", "bottega")
		users := make([]models.User, models.MaxBulkMembers)
		for i := range users {
			users[i] = models.User{Email: fmt.Sprintf("bulk%05d@bottega.example", i), Name: "Bulk", PasswordHash: "x"}
		}
		if err := db.CreateInBatches(users, 1000).Error; err != nil {
			t.Fatal(err)
		}
		ms := make([]models.Membership, len(users))
		for i, u := range users {
			ms[i] = models.Membership{OrgID: org.ID, UserID: u.ID, Role: models.RoleMember, Status: models.StatusActive, Source: models.SourceSCIM}
		}
		if err := db.CreateInBatches(ms, 1000).Error; err != nil {
			t.Fatal(err)
		}
		_, err := models.PlanBulk(ctx, db, admin, models.BulkChange{All: true, Filter: models.MemberFilter{SeatType: "unassigned"}, Action: models.BulkRemove})
		var inv *models.Invalid
		if !errors.As(err, &inv) || inv.Key != "bulk.too_many" || inv.Args["Selected"] != int64(models.MaxBulkMembers+1) {
			t.Fatalf("over the cap: %v", err)
		}
		// Exactly at the cap: planned, and applied in one transaction.
		f := models.MemberFilter{Query: "bulk", SeatType: "unassigned"}
		plan, err := models.PlanBulk(ctx, db, admin, models.BulkChange{All: true, Filter: f, Action: models.BulkRemove})
		if err != nil || plan.Changing != models.MaxBulkMembers {
			t.Fatalf("at the cap: %d %v", plan.Changing, err)
		}
		if _, err := models.ApplyBulk(ctx, db, admin, plan.Change, plan.Token); err != nil {
			t.Fatal(err)
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action = 'member.removed'"); n != models.MaxBulkMembers {
			t.Fatalf("%d removal events", n)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestConcurrentBulkChangesNeverOversell: six bulk changes race for the
// last three Enterprise seats, each needing two: one wins, the others are
// refused whole, and the counters stay right.
func TestConcurrentBulkChangesNeverOversell(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		admin := actor(t, db, "admin@acme.example", "acme")
		// Twelve more members Unassigned (16 free), then 13 seats reserved: 3 free.
		move := idsWhere(t, db, "acme", "role = 'member' AND seat_type_key IS NOT NULL")[:9]
		plan, err := models.PlanBulk(ctx, db, admin, models.BulkChange{IDs: move, Action: models.BulkSetSeat, To: ""})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.ApplyBulk(ctx, db, admin, plan.Change, plan.Token); err != nil {
			t.Fatal(err)
		}
		rows := make([]models.BulkInviteRow, 10)
		for i := range rows {
			rows[i] = models.BulkInviteRow{Line: i + 1, Email: fmt.Sprintf("hold%d@example.com", i), Role: "member", SeatType: "enterprise"}
		}
		if _, err := models.BulkInvite(ctx, db, clock, admin, models.BulkInviteInput{Rows: rows}, compose); err != nil {
			t.Fatal(err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Purchased-p.Assigned != 3 {
			t.Fatalf("pool = %+v", p)
		}
		free := idsWhere(t, db, "acme", "seat_type_key IS NULL")
		if len(free) != 12 {
			t.Fatalf("%d Unassigned", len(free))
		}
		changes := make([]models.BulkChange, 6)
		tokens := make([]string, 6)
		for i := range changes {
			changes[i] = models.BulkChange{IDs: free[2*i : 2*i+2], Action: models.BulkSetSeat, To: "enterprise"}
			p, err := models.PlanBulk(ctx, db, admin, changes[i])
			if err != nil || p.Shortfall != 0 {
				t.Fatalf("plan %d: %+v %v", i, p, err)
			}
			tokens[i] = p.Token
		}
		var wg sync.WaitGroup
		errs := make([]error, len(changes))
		start := make(chan struct{})
		for i := range changes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = models.ApplyBulk(ctx, db, admin, changes[i], tokens[i])
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			var noSeat *models.NoSeat
			switch {
			case err == nil:
				won++
			case errors.As(err, &noSeat):
				if n := len(idsWhere(t, db, "acme", "seat_type_key IS NULL AND id IN ?", changes[i].IDs)); n != 2 {
					t.Errorf("refused change %d moved %d members", i, 2-n)
				}
			default:
				t.Errorf("change %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Fatalf("%d bulk changes won 3 seats needing 2 each", won)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Assigned != 24 || p.Purchased != 25 {
			t.Fatalf("pool = %+v", p)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkInvite: every row passes the single invitation's rules or is
// reported with its reason; the others are sent together, each holding a
// seat, one email and one audit event each.
func TestBulkInvite(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		admin := actor(t, db, "admin@acme.example", "acme")
		if _, err := models.Invite(ctx, db, clock, admin, models.InviteInput{Email: "waiting@example.com", Role: models.RoleMember}, compose); err != nil {
			t.Fatal(err)
		}
		row := func(line int, email, role, seat string) models.BulkInviteRow {
			return models.BulkInviteRow{Line: line, Email: email, Role: role, SeatType: seat}
		}
		in := models.BulkInviteInput{Lang: "it", Rows: []models.BulkInviteRow{
			row(2, "Ada@Example.com", "member", "enterprise"),
			row(3, "not an address", "member", "enterprise"),
			row(4, "member@acme.example", "member", ""),
			row(5, "WAITING@example.com", "member", ""),
			row(6, "ada@example.com", "member", ""),
			row(7, "bob@example.com", "admin", ""),
			row(8, "carl@example.com", "chef", ""),
			row(9, "dora@example.com", "member", "chat_code"),
			row(10, "eve@example.com", "member", ""),
			{Line: 11, Refusal: models.Invalidf("", "bulk_invite.csv_row", nil)},
		}}
		plan, err := models.BulkInvite(ctx, db, clock, admin, in, compose)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int]string{3: "invite.email.malformed", 4: "invite.email.member", 5: "bulk_invite.pending", 6: "bulk_invite.duplicate",
			7: "bulk_invite.role_forbidden", 8: "bulk_invite.role_unknown", 9: "bulk_invite.seat_unknown", 11: "bulk_invite.csv_row"}
		for _, l := range plan.Lines {
			got := ""
			if l.Refused != nil {
				got = l.Refused.Key
			}
			if got != want[l.Line] || l.Sent != (got == "") {
				t.Errorf("line %d: refused %q sent %v, want %q", l.Line, got, l.Sent, want[l.Line])
			}
		}
		if plan.Sent != 2 || plan.Refused != 8 {
			t.Fatalf("sent %d, refused %d", plan.Sent, plan.Refused)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Assigned != 22 {
			t.Fatalf("pool = %+v", p)
		}
		var inv models.Invitation
		if err := db.Take(&inv, "email = ?", "ada@example.com").Error; err != nil || inv.Lang != "it" || inv.SeatTypeKey == nil {
			t.Fatalf("invitation = %+v %v", inv, err)
		}
		if n := modeltest.MustCount(t, db, &models.OutboxMessage{}, "to_addr IN ?", []string{"ada@example.com", "eve@example.com"}); n != 2 {
			t.Fatalf("%d emails queued", n)
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action = 'invitation.sent'"); n != 3 {
			t.Fatalf("%d invitation events", n)
		}
		if plan.Lines[0].Result.Token == "" || plan.Lines[0].Result.Mail.ID == 0 {
			t.Fatal("the result lacks what delivery needs")
		}
		// Bad input as a whole.
		if _, err := models.BulkInvite(ctx, db, clock, admin, models.BulkInviteInput{}, compose); invalidKey(err) != "bulk_invite.empty" {
			t.Fatalf("empty: %v", err)
		}
		many := make([]models.BulkInviteRow, models.MaxBulkInvites+1)
		if _, err := models.BulkInvite(ctx, db, clock, admin, models.BulkInviteInput{Rows: many}, compose); invalidKey(err) != "bulk_invite.too_many" {
			t.Fatalf("501 rows: %v", err)
		}
		member := actor(t, db, "member@acme.example", "acme")
		if _, err := models.BulkInvite(ctx, db, clock, member, in, compose); !errors.As(err, new(*models.Forbidden)) {
			t.Fatalf("a Member: %v", err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkInviteShortfall: too few seats sends nothing. An Admin may send
// the short rows as Unassigned; an Owner buys the seats missing (one quote
// per type) and sends in one step, charged once under a double post.
func TestBulkInviteShortfall(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		rows := func(prefix string, chat, code int) []models.BulkInviteRow {
			var out []models.BulkInviteRow
			for i := range chat + code {
				seat := "chat"
				if i >= chat {
					seat = "chat_code"
				}
				out = append(out, models.BulkInviteRow{Line: i + 2, Email: fmt.Sprintf("%s%d@example.com", prefix, i), Role: "member", SeatType: seat})
			}
			return out
		}
		// Bottega: 6 Chat free, no Chat + Claude Code.
		admin := actor(t, db, "admin@bottega.example", "bottega")
		in := models.BulkInviteInput{Rows: rows("a", 2, 2)}
		_, err := models.BulkInvite(ctx, db, clock, admin, in, compose)
		var short *models.BulkInviteShort
		if !errors.As(err, &short) || len(short.Plan.Short()) != 1 || short.Plan.Short()[0].Missing != 2 || short.Plan.Short()[0].SeatType != "chat_code" {
			t.Fatalf("admin short: %v", err)
		}
		if modeltest.MustCount(t, db, &models.Invitation{}, "") != 0 {
			t.Fatal("a short bulk invitation sent something")
		}
		in.UnassignShort = true
		plan, err := models.BulkInvite(ctx, db, clock, admin, in, compose)
		if err != nil || plan.Sent != 4 {
			t.Fatalf("as Unassigned: %+v %v", plan, err)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, "seat_type_key IS NULL"); n != 2 {
			t.Fatalf("%d sent as Unassigned", n)
		}

		// The Owner: 7 Chat (4 free now) and 1 Chat + Claude Code.
		owner := actor(t, db, "owner@bottega.example", "bottega")
		in = models.BulkInviteInput{Rows: rows("o", 7, 1)}
		_, err = models.BulkInvite(ctx, db, clock, owner, in, compose)
		if !errors.As(err, &short) || len(short.Plan.Short()) != 2 {
			t.Fatalf("owner short: %v", err)
		}
		var buys []models.SeatBuy
		for _, n := range short.Plan.Short() {
			q, err := models.QuoteSeats(ctx, db, clock, owner, n.SeatType, n.Missing, models.PurposeBulkInvite(short.Plan.Token))
			if err != nil {
				t.Fatal(err)
			}
			buys = append(buys, models.SeatBuy{SeatType: n.SeatType, N: n.Missing, Quote: q.Token})
		}
		// Rows other than those reviewed: refused, nothing bought.
		other := models.BulkInviteInput{Rows: rows("x", 7, 1)}
		if _, _, _, err := models.BuyAndBulkInvite(ctx, db, clock, owner, other, compose, short.Plan.Token, buys); invalidKey(err) != "bulk_invite.changed" {
			t.Fatalf("other rows: %v", err)
		}
		if _, _, _, err := models.BuyAndBulkInvite(ctx, db, clock, owner, other, compose, models.BulkInviteToken(other.Rows), buys); invalidKey(err) != "billing.quote.other_change" {
			t.Fatalf("quotes of other rows: %v", err)
		}
		invoices := modeltest.MustCount(t, db, &models.Invoice{}, "")
		var wg sync.WaitGroup
		repeats := make([]bool, 2)
		errs := make([]error, 2)
		sent := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var plan models.BulkInvitePlan
				plan, _, repeats[i], errs[i] = models.BuyAndBulkInvite(ctx, db, clock, owner, in, compose, short.Plan.Token, buys)
				sent[i] = plan.Sent
			}()
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil || repeats[0] == repeats[1] || sent[0]+sent[1] != 8 {
			t.Fatalf("double post: %v %v, repeats %v, sent %v", errs[0], errs[1], repeats, sent)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, ""); n != invoices+2 {
			t.Fatalf("%d invoices, want one per seat type", n-invoices)
		}
		if p := pool(t, db, "bottega", "chat"); p.Purchased != 23 || p.Assigned != 23 {
			t.Fatalf("chat = %+v", p)
		}
		if p := pool(t, db, "bottega", "chat_code"); p.Purchased != 11 || p.Assigned != 11 {
			t.Fatalf("chat_code = %+v", p)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}
