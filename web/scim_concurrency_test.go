package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/migrations"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestSCIMCreatesRaceForTenSeats: two instances, each with its own
// connection pool on one database, take 200 concurrent SCIM creates for 10
// free seats: every request succeeds (201), exactly 10 people are seated and
// 190 wait, in arrival order; then a purchase of 50 seats admits the first
// 50 in line, in the purchase's transaction. The seat invariant holds.
func TestSCIMCreatesRaceForTenSeats(t *testing.T) {
	for _, kind := range modeltest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := modeltest.DSN(t, kind)
			open := func() *harness {
				db, err := models.Open(dsn, discardLogger())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if sqlDB, err := db.DB(); err == nil {
						_ = sqlDB.Close()
					}
				})
				if err := migrations.Run(db); err != nil {
					t.Fatal(err)
				}
				return serveDB(t, db, modeltest.FixedClock{T: testNow})
			}
			first := open()
			modeltest.LoadDemo(t, first.db, first.s.Clock, demoPassword)
			second := open()
			db := first.db
			ctx := context.Background()
			owner := actorOf(t, first, "owner@acme.example", "acme")
			buy(t, first, owner, 6) // acme: 4 free Enterprise seats + 6 = 10
			tok := scimToken(t, db, "acme", "Okta")

			const n, clients = 200, 16
			statuses := make([]int, n)
			var wg sync.WaitGroup
			next := make(chan int)
			for c := range clients {
				h := first
				if c%2 == 1 {
					h = second
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range next {
						statuses[i] = h.scim(tok, "POST", "/Users", newUserBody(fmt.Sprintf("race%03d@example.com", i), "Race", fmt.Sprint(i))).status
					}
				}()
			}
			for i := range n {
				next <- i
			}
			close(next)
			wg.Wait()
			for i, st := range statuses {
				if st != http.StatusCreated {
					t.Fatalf("create %d: status %d", i, st)
				}
			}
			seated := modeltest.MustCount(t, db, &models.Membership{}, "source = ? AND status = ? AND seat_type_key = ?", models.SourceSCIM, models.StatusActive, "enterprise")
			waiting := modeltest.MustCount(t, db, &models.Membership{}, "source = ? AND status = ?", models.SourceSCIM, models.StatusPending)
			if seated != 10 || waiting != 190 {
				t.Fatalf("%d seated and %d waiting, want 10 and 190", seated, waiting)
			}
			modeltest.CheckSeatInvariant(t, db)
			list, err := models.WaitingMembers(ctx, db, owner, nil)
			if err != nil {
				t.Fatal(err)
			}
			if list.Total != 190 || len(list.Rows) != 190 {
				t.Fatalf("wait-list: %d in all, %d rows", list.Total, len(list.Rows))
			}
			line := make([]int64, len(list.Rows))
			for i, r := range list.Rows {
				if r.Position != i+1 {
					t.Fatalf("position %d at row %d", r.Position, i)
				}
				line[i] = r.ID
			}
			if !sort.SliceIsSorted(line, func(i, j int) bool { return line[i] < line[j] }) {
				t.Fatal("the line is not in arrival order")
			}
			// A purchase of 50 admits the first 50 in line, and only them.
			p := buy(t, second, owner, 50)
			if p.Admitted != 50 {
				t.Fatalf("the purchase admitted %d, want 50", p.Admitted)
			}
			for i, id := range line {
				var m models.Membership
				db.Take(&m, id)
				if got, want := m.Status == models.StatusActive, i < 50; got != want {
					t.Fatalf("member %d of the line (id %d): status %s", i+1, id, m.Status)
				}
			}
			modeltest.CheckSeatInvariant(t, db)
		})
	}
}

func actorOf(t testing.TB, h *harness, email, slug string) models.Actor {
	t.Helper()
	var u models.User
	if err := h.db.Take(&u, "email = ?", email).Error; err != nil {
		t.Fatal(err)
	}
	a, err := models.ActorFor(context.Background(), h.db, u, slug)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// buy has an Owner buy n seats of the Enterprise type, as Upgrade does.
func buy(t *testing.T, h *harness, owner models.Actor, n int) models.Purchase {
	t.Helper()
	ctx := context.Background()
	q, err := models.QuoteSeats(ctx, h.db, h.s.Clock, owner, "enterprise", n, models.PurposeSeats)
	if err != nil {
		t.Fatal(err)
	}
	p, err := models.PurchaseSeats(ctx, h.db, h.s.Clock, owner, q.Token, "enterprise", n, models.PurposeSeats, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
