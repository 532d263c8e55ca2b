package models_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

var today = modeltest.Date(2026, 11, 21)

func TestDemoData(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := modeltest.FixedClock{T: today.Add(9 * 3600e9)}
		if err := models.LoadDemo(ctx, db, clock, "pw-for-tests"); err != nil {
			t.Fatalf("load demo: %v", err)
		}
		if err := models.LoadDemo(ctx, db, clock, "pw-for-tests"); !errors.Is(err, models.ErrDemoPresent) {
			t.Fatalf("second load: got %v, want ErrDemoPresent", err)
		}
		want := map[string]map[string][2]int{ // org → seat type → purchased, assigned
			"acme":    {"enterprise": {25, 21}},
			"bottega": {"chat": {20, 14}, "chat_code": {10, 10}},
			"maison":  {"standard": {30, 22}, "premium": {10, 8}},
		}
		for slug, pools := range want {
			var org models.Organization
			if err := db.Take(&org, "slug = ?", slug).Error; err != nil {
				t.Fatalf("%s: %v", slug, err)
			}
			if got, want := org.TermStart, today.AddDate(0, 0, -100); !got.Equal(want) {
				t.Errorf("%s term start = %v, want %v", slug, got, want)
			}
			if got, want := org.TermEnd, today.AddDate(0, 0, -100).AddDate(1, 0, 0); !got.Equal(want) {
				t.Errorf("%s term end = %v, want %v", slug, got, want)
			}
			got, err := models.Allocations(ctx, db, org.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(pools) {
				t.Fatalf("%s has %d pools, want %d", slug, len(got), len(pools))
			}
			for _, p := range got {
				w := pools[p.SeatTypeKey]
				if p.Purchased != w[0] || p.Assigned != w[1] {
					t.Errorf("%s %s = %d/%d, want %d/%d", slug, p.SeatTypeKey, p.Purchased, p.Assigned, w[0], w[1])
				}
				if n := modeltest.MustCount(t, db, &models.Membership{}, "org_id = ? AND seat_type_key = ?", org.ID, p.SeatTypeKey); n != int64(p.Assigned) {
					t.Errorf("%s %s: %d members hold the type, counter says %d", slug, p.SeatTypeKey, n, p.Assigned)
				}
			}
			if n := modeltest.MustCount(t, db, &models.Membership{}, "org_id = ? AND role = ?", org.ID, models.RolePrimaryOwner); n != 1 {
				t.Errorf("%s has %d primary owners", slug, n)
			}
		}
		if n := modeltest.MustCount(t, db, &models.Membership{}, "org_id = (SELECT id FROM organizations WHERE slug = 'acme') AND seat_type_key IS NULL"); n != 3 {
			t.Errorf("acme has %d Unassigned members, want 3", n)
		}
		var acme models.Organization
		db.Take(&acme, "slug = 'acme'")
		if acme.PlanModel != models.PlanEnterprise || acme.SalesAssisted || acme.Currency != "USD" {
			t.Errorf("acme plan = %+v", acme)
		}
		var maison models.Organization
		db.Take(&maison, "slug = 'maison'")
		if !maison.SalesAssisted || maison.ExtraUsage || maison.PlanModel != models.PlanLegacySeat {
			t.Errorf("maison plan = %+v", maison)
		}
		for _, l := range models.DemoLogins() {
			u, err := models.Authenticate(ctx, db, clock, testHasher, l.Email, "pw-for-tests", "192.0.2.1")
			if err != nil {
				t.Fatalf("%s cannot sign in: %v", l.Email, err)
			}
			if _, err := models.ActorFor(ctx, db, u, l.Org); err != nil {
				t.Errorf("%s is not in %s: %v", l.Email, l.Org, err)
			}
		}
	})
}

func TestOnePrimaryOwnerPerOrganization(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		if err := models.LoadDemo(ctx, db, modeltest.FixedClock{T: today}, "pw"); err != nil {
			t.Fatal(err)
		}
		err := db.Exec("UPDATE memberships SET role = 'primary_owner' WHERE user_id = (SELECT id FROM users WHERE email = 'owner@acme.example')").Error
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			t.Fatalf("a second Primary Owner: %v, want the unique index's duplicate-key error", err)
		}
	})
}
