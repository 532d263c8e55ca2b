package models_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestOnlyTheSeatCoreChangesCounters: no Go file of the project but
// models/seats.go writes the seat counters (assigned, purchased): every path
// that takes, releases or buys seats goes through the seat core. Tests may
// arrange counters for their setup; migrations only create tables.
func TestOnlyTheSeatCoreChangesCounters(t *testing.T) {
	writes := regexp.MustCompile(`(?i)Update(Column)?\("(assigned|purchased)"|Updates\(.*"(assigned|purchased)"\s*:|` +
		`\b(assigned|purchased)\s*=\s*(assigned|purchased)\b|SET\s[^;]*\b(assigned|purchased)\s*=|Create\(&pool\b`)
	root := ".."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, string(filepath.Separator)+"migrations"+string(filepath.Separator)) ||
			filepath.ToSlash(path) == "../models/seats.go" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			if writes.MatchString(line) {
				t.Errorf("%s:%d writes a seat counter outside the seat core: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d Go files checked: the walk missed the project", checked)
	}
}

func TestNewcomerSeat(t *testing.T) {
	alloc := func(key string, rank, purchased, held int) models.Allocation {
		a := models.Allocation{}
		a.SeatTypeKey, a.SeatType.Rank, a.Purchased, a.Assigned = key, rank, purchased, held
		return a
	}
	cases := []struct {
		name     string
		allocs   []models.Allocation
		mapped   string
		want     string
		wantFree bool
	}{
		{"enterprise free", []models.Allocation{alloc("enterprise", 1, 20, 19)}, "", "enterprise", true},
		{"enterprise full: wait for it", []models.Allocation{alloc("enterprise", 1, 20, 20)}, "", "enterprise", false},
		{"legacy: the highest type", []models.Allocation{alloc("chat", 1, 20, 1), alloc("chat_code", 2, 10, 9)}, "", "chat_code", true},
		{"legacy: the highest type with a free seat", []models.Allocation{alloc("chat", 1, 20, 1), alloc("chat_code", 2, 10, 10)}, "", "chat", true},
		{"seat-based: Premium before Standard", []models.Allocation{alloc("standard", 1, 30, 3), alloc("premium", 2, 10, 2)}, "", "premium", true},
		{"legacy full: wait for any", []models.Allocation{alloc("chat", 1, 20, 20), alloc("chat_code", 2, 10, 10)}, "", "", false},
		{"mapped type free", []models.Allocation{alloc("chat", 1, 20, 1), alloc("chat_code", 2, 10, 1)}, "chat", "chat", true},
		{"mapped type full: wait for it, not another", []models.Allocation{alloc("chat", 1, 20, 20), alloc("chat_code", 2, 10, 1)}, "chat", "chat", false},
	}
	for _, c := range cases {
		got, free := models.NewcomerSeat(c.allocs, c.mapped)
		if got != c.want || free != c.wantFree {
			t.Errorf("%s: got %q free=%v, want %q free=%v", c.name, got, free, c.want, c.wantFree)
		}
	}
}

// TestAuditNamesEveryActor: a person's change names them, the expiry sweep
// names the system, in the change's own transaction.
func TestAuditNamesEveryActor(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		admin := actor(t, db, "admin@acme.example", "acme")
		compose := func(inv models.Invitation, token string) models.Mail { return models.Mail{To: inv.Email} }
		if _, err := models.Invite(ctx, db, clock, admin, models.InviteInput{Email: "late@example.com", Role: models.RoleMember, SeatType: "enterprise", Lang: "en"}, compose); err != nil {
			t.Fatal(err)
		}
		later := modeltest.FixedClock{T: clock.T.Add(models.InviteTTL + time.Hour)}
		if err := models.ExpireInvitations(ctx, db, later); err != nil {
			t.Fatal(err)
		}
		var events []models.AuditEvent
		db.Where("action IN ?", []string{"invitation.sent", "invitation.expired", "organization.created"}).Order("id").Find(&events)
		got := map[string]string{}
		for _, e := range events {
			got[e.Action+"/"+string(e.ActorKind)] = e.ActorName
			if e.ActorKind == models.ActorPerson && (e.ActorUserID == nil || *e.ActorUserID != admin.UserID) {
				t.Errorf("%s names user %v, want %d", e.Action, e.ActorUserID, admin.UserID)
			}
		}
		want := map[string]string{"invitation.sent/person": "admin@acme.example", "invitation.expired/system": "invitation expiry",
			"organization.created/system": "demo"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: actor %q, want %q (all: %v)", k, got[k], v, got)
			}
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestSystemAndTokenActorsPassTheSameChecks: actors that are not people go
// through the same operations and checks; a SCIM token may place members
// but not buy seats, the system may do both, and each is named.
func TestSystemAndTokenActorsPassTheSameChecks(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		var org models.Organization
		db.Take(&org, "slug = ?", "acme")
		token := models.TokenActor(org, 7, "Okta")
		mia := memberID(t, db, "member@acme.example", "acme")
		if _, err := models.ChangeSeat(ctx, db, token, models.SeatChange{MembershipID: mia, From: "enterprise", To: "", Confirmed: true}); err != nil {
			t.Fatalf("token: %v", err)
		}
		if _, err := models.QuoteSeats(ctx, db, clock, token, "enterprise", 1, models.PurposeSeats); err == nil {
			t.Fatal("a SCIM token was allowed to buy seats")
		}
		primary := memberID(t, db, "primary@acme.example", "acme")
		if _, err := models.RemoveMember(ctx, db, token, primary); invalidKey(err) != "members.remove.primary_owner" {
			t.Fatalf("token removing the Primary Owner: %v", err)
		}
		system := models.SystemActor(org, "operator")
		if _, err := models.ChangeSeat(ctx, db, system, models.SeatChange{MembershipID: mia, From: "", To: "enterprise"}); err != nil {
			t.Fatalf("system: %v", err)
		}
		var events []models.AuditEvent
		db.Where("action = ?", "member.seat_changed").Order("id").Find(&events)
		if len(events) != 2 || events[0].ActorKind != models.ActorSCIM || events[0].ActorName != "Okta" ||
			events[0].ActorTokenID == nil || *events[0].ActorTokenID != 7 || events[1].ActorKind != models.ActorSystem {
			t.Fatalf("events: %+v", events)
		}
		var after map[string]any
		_ = json.Unmarshal([]byte(events[1].After), &after)
		if after["seat_type"] != "enterprise" {
			t.Fatalf("after: %v", after)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

var _ = gorm.ErrRecordNotFound
