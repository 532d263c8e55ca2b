package models_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// BenchmarkBulkChange plans and applies a bulk change of 10,000 members
// (every member matching a filter, the cap) in one transaction: each
// iteration moves them all to the Enterprise seat, or back to Unassigned.
// PostgreSQL with TEST_DATABASE_URL, else SQLite:
//
//	TEST_DATABASE_URL=… go test -run '^$' -bench BenchmarkBulkChange -benchtime 6x ./models/
func BenchmarkBulkChange(b *testing.B) {
	kind := "sqlite"
	if os.Getenv("TEST_DATABASE_URL") != "" {
		kind = "postgres"
	}
	db := modeltest.Open(b, kind)
	ctx := context.Background()
	clock := modeltest.FixedClock{T: today.Add(10 * time.Hour)}
	modeltest.LoadDemo(b, db, clock, "pw")
	var org models.Organization
	db.Take(&org, "slug = ?", "acme")
	users := make([]models.User, models.MaxBulkMembers)
	for i := range users {
		users[i] = models.User{Email: fmt.Sprintf("bench%05d@acme.example", i), Name: fmt.Sprintf("Bench %05d", i), PasswordHash: "x"}
	}
	if err := db.CreateInBatches(users, 1000).Error; err != nil {
		b.Fatal(err)
	}
	ms := make([]models.Membership, len(users))
	for i, u := range users {
		ms[i] = models.Membership{OrgID: org.ID, UserID: u.ID, Role: models.RoleMember, Status: models.StatusActive, Source: models.SourceSCIM}
	}
	if err := db.CreateInBatches(ms, 1000).Error; err != nil {
		b.Fatal(err)
	}
	// Statistics as a live database has them (autovacuum), not those of
	// tables just filled.
	if err := db.Exec("ANALYZE").Error; err != nil {
		b.Fatal(err)
	}
	var u models.User
	db.Take(&u, "email = ?", "owner@acme.example")
	owner, err := models.ActorFor(ctx, db, u, "acme")
	if err != nil {
		b.Fatal(err)
	}
	q, err := models.QuoteSeats(ctx, db, clock, owner, "enterprise", models.MaxBulkMembers, models.PurposeSeats)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := models.PurchaseSeats(ctx, db, clock, owner, q.Token, "enterprise", models.MaxBulkMembers, models.PurposeSeats, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		from, to := "unassigned", "enterprise"
		if i%2 == 1 {
			from, to = "enterprise", ""
		}
		c := models.BulkChange{All: true, Filter: models.MemberFilter{Query: "bench", SeatType: from}, Action: models.BulkSetSeat, To: to}
		plan, err := models.PlanBulk(ctx, db, owner, c)
		if err != nil {
			b.Fatal(err)
		}
		if plan.Changing != models.MaxBulkMembers {
			b.Fatalf("%d changing", plan.Changing)
		}
		if _, err := models.ApplyBulk(ctx, db, owner, c, plan.Token); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	modeltest.CheckSeatInvariant(b, db)
}
