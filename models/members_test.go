package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

func memberID(t *testing.T, db *gorm.DB, email, slug string) int64 {
	t.Helper()
	var m models.Membership
	err := db.Joins("JOIN users ON users.id = memberships.user_id").Joins("JOIN organizations ON organizations.id = memberships.org_id").
		Where("users.email = ? AND organizations.slug = ?", email, slug).Take(&m).Error
	if err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func SeatOf(t *testing.T, db *gorm.DB, id int64) string {
	t.Helper()
	var m models.Membership
	db.Take(&m, id)
	if m.SeatTypeKey == nil {
		return ""
	}
	return *m.SeatTypeKey
}

// TestSeedSwap is the seeds' example: all Chat + Claude Code seats are taken;
// A (Chat + Claude Code) and B (Chat) swap through Unassigned, no purchase.
func TestSeedSwap(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		admin := actor(t, db, "admin@bottega.example", "bottega")
		a := memberID(t, db, "owner@bottega.example", "bottega")  // Chat + Claude Code
		b := memberID(t, db, "member@bottega.example", "bottega") // Chat

		// Directly: no Chat + Claude Code seat is free.
		var noSeat *models.NoSeat
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: b, From: "chat", To: "chat_code"}); !errors.As(err, &noSeat) {
			t.Fatalf("B to chat_code while full: %v", err)
		}
		// 1. A → Unassigned: asks to confirm (A loses access), then frees a seat.
		var confirm *models.NeedsConfirmation
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: a, From: "chat_code", To: ""}); !errors.As(err, &confirm) || confirm.Loss != models.LossAccess {
			t.Fatalf("unconfirmed unassign: %v", err)
		}
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: a, From: "chat_code", To: "", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		// 2. B → Chat + Claude Code.
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: b, From: "chat", To: "chat_code"}); err != nil {
			t.Fatal(err)
		}
		// 3. A → Chat.
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: a, From: "", To: "chat"}); err != nil {
			t.Fatal(err)
		}
		if SeatOf(t, db, a) != "chat" || SeatOf(t, db, b) != "chat_code" {
			t.Fatalf("A = %q, B = %q", SeatOf(t, db, a), SeatOf(t, db, b))
		}
		if p := pool(t, db, "bottega", "chat_code"); p.Purchased != 10 || p.Assigned != 10 {
			t.Fatalf("chat_code = %+v", p)
		}
		if p := pool(t, db, "bottega", "chat"); p.Purchased != 20 || p.Assigned != 14 {
			t.Fatalf("chat = %+v", p)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, ""); n != 3 {
			t.Fatalf("the swap bought something: %d invoices", n)
		}
		if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "action = ?", "member.seat_changed"); n != 3 {
			t.Fatalf("%d audit events", n)
		}
		// Moving down Chat + Claude Code → Chat says that Claude Code is lost.
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: b, From: "chat_code", To: "chat"}); !errors.As(err, &confirm) || confirm.Loss != models.LossClaudeCode {
			t.Fatalf("down without confirmation: %v", err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestChangeSeatRefusals(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		admin := actor(t, db, "admin@acme.example", "acme")
		mia := memberID(t, db, "member@acme.example", "acme")
		var stale *models.Stale
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: mia, From: "", To: "enterprise"}); !errors.As(err, &stale) || stale.Current != "enterprise" {
			t.Fatalf("stale form: %v", err)
		}
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: mia, From: "enterprise", To: "chat_code", Confirmed: true}); invalidKey(err) != "members.seat.unknown_type" {
			t.Fatalf("a type of another plan: %v", err)
		}
		other := memberID(t, db, "member@bottega.example", "bottega")
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: other, From: "chat", To: ""}); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another organization's member: %v", err)
		}
		primary := memberID(t, db, "primary@acme.example", "acme")
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: primary, From: "enterprise", To: "", Confirmed: true}); invalidKey(err) != "members.seat.primary_owner" {
			t.Fatalf("unassign the Primary Owner: %v", err)
		}
		member := actor(t, db, "member@acme.example", "acme")
		var forbidden *models.Forbidden
		if _, err := models.ChangeSeat(ctx, db, member, models.SeatChange{MembershipID: mia, From: "enterprise", To: "", Confirmed: true}); !errors.As(err, &forbidden) || forbidden.Need != models.RoleAdmin {
			t.Fatalf("a Member: %v", err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Assigned != 21 {
			t.Fatalf("refusals changed the pool: %+v", p)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestBuySeatAndAssign(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@bottega.example", "bottega")
		b := memberID(t, db, "member@bottega.example", "bottega")
		q, err := models.QuoteSeats(ctx, db, clock, owner, "chat_code", 1, models.PurposeAssign(b))
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := models.BuySeatAndAssign(ctx, db, clock, owner, q.Token, models.SeatChange{MembershipID: b, From: "chat", To: "chat_code"})
		if err != nil {
			t.Fatal(err)
		}
		if p.Invoice.TotalMinor != q.AmountMinor || SeatOf(t, db, b) != "chat_code" {
			t.Fatalf("invoice %d, seat %q", p.Invoice.TotalMinor, SeatOf(t, db, b))
		}
		if pl := pool(t, db, "bottega", "chat_code"); pl.Purchased != 11 || pl.Assigned != 11 {
			t.Fatalf("chat_code = %+v", pl)
		}
		// The same confirmation again: nothing more.
		if p, _, err := models.BuySeatAndAssign(ctx, db, clock, owner, q.Token, models.SeatChange{MembershipID: b, From: "chat", To: "chat_code"}); err != nil || !p.Repeat {
			t.Fatalf("repeat: %v %+v", err, p)
		}
		// The spent quote for another member, or on Billing: refused, nothing changes.
		other := memberID(t, db, "admin@bottega.example", "bottega")
		if _, _, err := models.BuySeatAndAssign(ctx, db, clock, owner, q.Token, models.SeatChange{MembershipID: other, From: "chat_code", To: "chat_code"}); invalidKey(err) != "billing.quote.other_change" {
			t.Fatalf("spent quote for another member: %v", err)
		}
		if _, err := models.PurchaseSeats(ctx, db, clock, owner, q.Token, "chat_code", 1, models.PurposeSeats, nil); invalidKey(err) != "billing.quote.other_change" {
			t.Fatalf("spent assign quote on Billing: %v", err)
		}
		// A stale member rolls the purchase back.
		q2, _ := models.QuoteSeats(ctx, db, clock, owner, "chat_code", 1, models.PurposeAssign(b))
		var stale *models.Stale
		if _, _, err := models.BuySeatAndAssign(ctx, db, clock, owner, q2.Token, models.SeatChange{MembershipID: b, From: "chat", To: "chat_code"}); !errors.As(err, &stale) {
			t.Fatalf("stale: %v", err)
		}
		if pl := pool(t, db, "bottega", "chat_code"); pl.Purchased != 11 {
			t.Fatalf("a failed assignment kept the purchase: %+v", pl)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestRemoveMember(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		admin := actor(t, db, "admin@acme.example", "acme")
		mia := memberID(t, db, "member@acme.example", "acme")
		var u models.User
		db.Take(&u, "email = ?", "member@acme.example")
		db.Create(&models.Session{ID: "s1", UserID: &u.ID, Data: "x", ExpiresAt: today.AddDate(1, 0, 0)})
		if _, err := models.RemoveMember(ctx, db, admin, mia); err != nil {
			t.Fatal(err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Purchased != 25 || p.Assigned != 20 {
			t.Fatalf("pool after removal = %+v", p)
		}
		if n := modeltest.MustCount(t, db, &models.Session{}, "user_id = ?", u.ID); n != 0 {
			t.Fatal("the removed member's sessions live on")
		}
		if _, err := models.RemoveMember(ctx, db, admin, mia); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("remove twice: %v", err)
		}
		if _, err := models.RemoveMember(ctx, db, admin, memberID(t, db, "primary@acme.example", "acme")); invalidKey(err) != "members.remove.primary_owner" {
			t.Fatalf("remove the Primary Owner: %v", err)
		}
		var forbidden *models.Forbidden
		if _, err := models.RemoveMember(ctx, db, admin, memberID(t, db, "owner@acme.example", "acme")); !errors.As(err, &forbidden) {
			t.Fatalf("an Admin removes an Owner: %v", err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestRolesAndTransfer(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		owner := actor(t, db, "owner@acme.example", "acme")
		admin := actor(t, db, "admin@acme.example", "acme")
		mia := memberID(t, db, "member@acme.example", "acme")
		var forbidden *models.Forbidden
		if _, err := models.ChangeRole(ctx, db, admin, mia, models.RoleMember, models.RoleAdmin); !errors.As(err, &forbidden) || forbidden.Need != models.RoleOwner {
			t.Fatalf("an Admin grants Admin: %v", err)
		}
		if _, err := models.ChangeRole(ctx, db, owner, mia, models.RoleMember, models.RoleOwner); err != nil {
			t.Fatal(err)
		}
		if _, err := models.ChangeRole(ctx, db, owner, mia, models.RoleMember, models.RoleAdmin); err == nil {
			t.Fatal("a stale role change went through")
		}
		if _, err := models.ChangeRole(ctx, db, owner, mia, models.RoleOwner, models.RolePrimaryOwner); invalidKey(err) != "members.role.unknown" {
			t.Fatalf("grant Primary Owner by role change: %v", err)
		}
		primaryID := memberID(t, db, "primary@acme.example", "acme")
		if _, err := models.ChangeRole(ctx, db, owner, primaryID, models.RolePrimaryOwner, models.RoleAdmin); invalidKey(err) != "members.role.primary_owner" {
			t.Fatalf("demote the Primary Owner: %v", err)
		}
		if err := models.TransferPrimaryOwnership(ctx, db, owner, mia); !errors.As(err, &forbidden) {
			t.Fatalf("an Owner transfers: %v", err)
		}
		primary := actor(t, db, "primary@acme.example", "acme")
		if err := models.TransferPrimaryOwnership(ctx, db, primary, mia); err != nil {
			t.Fatal(err)
		}
		var a, b models.Membership
		db.Take(&a, primaryID)
		db.Take(&b, mia)
		if a.Role != models.RoleOwner || b.Role != models.RolePrimaryOwner {
			t.Fatalf("after transfer: %s, %s", a.Role, b.Role)
		}
		if n := modeltest.MustCount(t, db, &models.Membership{}, "org_id = ? AND role = ?", primary.Org.ID, models.RolePrimaryOwner); n != 1 {
			t.Fatalf("%d Primary Owners", n)
		}
	})
}

// TestLastSeatRace: 20 concurrent requests for the last free seat of a type;
// exactly one wins, the rest hear that no seat is free.
func TestLastSeatRace(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		demo(t, db)
		owner := actor(t, db, "owner@bottega.example", "bottega")
		// Free exactly one Chat + Claude Code seat.
		freed := memberID(t, db, "admin@bottega.example", "bottega")
		if _, err := models.ChangeSeat(ctx, db, owner, models.SeatChange{MembershipID: freed, From: "chat_code", To: "", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		var chat []models.Membership
		db.Where("org_id = ? AND seat_type_key = ?", owner.Org.ID, "chat").Limit(14).Find(&chat)
		var extra []models.Membership
		db.Where("org_id = ? AND seat_type_key IS NULL", owner.Org.ID).Find(&extra)
		candidates := append(chat, extra...)
		if len(candidates) < 14 {
			t.Fatalf("only %d candidates", len(candidates))
		}
		var wg sync.WaitGroup
		errs := make([]error, 20)
		start := make(chan struct{})
		for i := range 20 {
			m := candidates[i%len(candidates)]
			from := ""
			if m.SeatTypeKey != nil {
				from = *m.SeatTypeKey
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = models.ChangeSeat(ctx, db, owner, models.SeatChange{MembershipID: m.ID, From: from, To: "chat_code"})
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var noSeat *models.NoSeat
			var stale *models.Stale
			switch {
			case err == nil:
				wins++
			case errors.As(err, &noSeat), errors.As(err, &stale):
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d requests won the last seat", wins)
		}
		if p := pool(t, db, "bottega", "chat_code"); p.Assigned != 10 || p.Purchased != 10 {
			t.Fatalf("chat_code = %+v", p)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}
