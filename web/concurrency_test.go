package web

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestRandomMixOnTwoInstances: two Seatdesk instances on one database take a
// randomized mix of assign, unassign, reassign and remove from several Admins
// at once; whatever the interleaving, the seat invariant holds (R-SEAT-1,
// R-SAFE-2) and no request fails with a server error.
func TestRandomMixOnTwoInstances(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		first := newHarness(t, db)
		second := serveDB(t, db, first.s.Clock)
		var members []models.Membership
		db.Joins("JOIN organizations ON organizations.id = memberships.org_id").
			Where("organizations.slug = ? AND memberships.role = ?", "bottega", models.RoleMember).Find(&members)
		if len(members) < 20 {
			t.Fatalf("only %d members", len(members))
		}
		clients := []*client{first.login("admin@bottega.example"), second.login("owner@bottega.example"),
			first.login("primary@bottega.example"), second.login("admin@bottega.example")}
		targets := []string{"", "chat", "chat_code"}
		const workers, steps = 8, 25
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 42))
				c := clients[w%len(clients)]
				for range steps {
					m := members[rng.IntN(len(members))]
					base := fmt.Sprintf("/orgs/bottega/settings/organization/members/%d/", m.ID)
					var res response
					if rng.IntN(20) == 0 {
						res = c.post(base+"remove", url.Values{"confirm": {"1"}}, "HX-Request", "true")
					} else {
						// Read the member's current seat, as the page would show it.
						var cur models.Membership
						from := ""
						if db.Take(&cur, m.ID).Error == nil && cur.SeatTypeKey != nil {
							from = *cur.SeatTypeKey
						}
						res = c.post(base+"seat", url.Values{"from": {from}, "to": {targets[rng.IntN(len(targets))]}, "confirm": {"1"}}, "HX-Request", "true")
					}
					mu.Lock()
					statuses[res.status]++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for status, n := range statuses {
			switch status {
			case http.StatusOK, http.StatusConflict, http.StatusNotFound:
			default:
				t.Errorf("%d answers with status %d", n, status)
			}
		}
		if statuses[http.StatusOK] == 0 {
			t.Fatalf("no change went through: %v", statuses)
		}
		t.Logf("answers: %v", statuses)
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestLastSeatTwentyRequests: 20 concurrent requests, from two instances, for
// the last free Chat + Claude Code seat: exactly one succeeds, the rest get
// the no-seat answer (or hear that their member moved meanwhile).
func TestLastSeatTwentyRequests(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		first := newHarness(t, db)
		second := serveDB(t, db, first.s.Clock)
		admin := first.login("admin@bottega.example")
		// Free one Chat + Claude Code seat.
		olive := mid(t, db, "owner@bottega.example")
		if res := admin.post("/orgs/bottega/settings/organization/members/"+olive+"/seat",
			url.Values{"from": {"chat_code"}, "to": {""}, "confirm": {"1"}}, "HX-Request", "true"); res.status != http.StatusOK {
			t.Fatalf("free a seat: %d", res.status)
		}
		var chat []models.Membership
		db.Joins("JOIN organizations ON organizations.id = memberships.org_id").
			Where("organizations.slug = ? AND memberships.seat_type_key = ?", "bottega", "chat").Limit(20).Find(&chat)
		if len(chat) < 14 {
			t.Fatalf("%d Chat members", len(chat))
		}
		clients := []*client{admin, second.login("admin@bottega.example")}
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		start := make(chan struct{})
		for i := range 20 {
			m := chat[i%len(chat)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				res := clients[i%2].post(fmt.Sprintf("/orgs/bottega/settings/organization/members/%d/seat", m.ID),
					url.Values{"from": {"chat"}, "to": {"chat_code"}}, "HX-Request", "true")
				statuses[i] = res.status
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, st := range statuses {
			switch st {
			case http.StatusOK:
				ok++
			case http.StatusConflict:
			default:
				t.Errorf("status %d", st)
			}
		}
		if ok != 1 {
			t.Fatalf("%d requests got the last seat (statuses %v)", ok, statuses)
		}
		if p := purchased(t, db, "bottega", "chat_code"); p != 10 {
			t.Fatalf("purchased %d", p)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}
