package models_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// testHasher never answers Busy in tests that do not mean it.
var testHasher = models.NewHasher(models.DefaultHashSlots, time.Minute)

// countingHasher counts the hashes it computes.
func countingHasher(slots int, wait time.Duration) (*models.Hasher, *atomic.Int64) {
	var n atomic.Int64
	h := models.NewHasher(slots, wait)
	h.OnHash = func() { n.Add(1) }
	return h, &n
}

// TestParallelSignInsAreThrottled: the attempt is counted before the hash, so
// a burst of parallel wrong passwords is hashed at most as often as the limit
// allows, per account and per address, and the right password in the same
// burst is refused like the others (issue 15 §1).
func TestParallelSignInsAreThrottled(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := modeltest.FixedClock{T: today.Add(10 * time.Hour)}
		if err := models.LoadDemo(ctx, db, clock, "pw-for-tests"); err != nil {
			t.Fatal(err)
		}
		h, hashed := countingHasher(models.DefaultHashSlots, time.Minute)
		burst := func(n int, email func(i int) string, addr func(i int) string, password func(i int) string) (ok, throttled int) {
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := models.Authenticate(ctx, db, clock, h, email(i), password(i), addr(i))
					var th *models.Throttled
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case errors.As(err, &th):
						throttled++
					case errors.Is(err, models.ErrBadCredentials):
					default:
						t.Errorf("attempt %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			return ok, throttled
		}
		// 50 parallel wrong passwords on one account from 50 addresses.
		_, throttled := burst(50, func(int) string { return "owner@acme.example" },
			func(i int) string { return fmt.Sprintf("198.51.100.%d", i) }, func(int) string { return "wrong" })
		if got := hashed.Load(); got > models.MaxFailuresPerAccount {
			t.Fatalf("%d hashes for one account, want at most %d", got, models.MaxFailuresPerAccount)
		}
		if throttled != 50-int(hashed.Load()) {
			t.Fatalf("%d throttled, %d hashed", throttled, hashed.Load())
		}
		t.Logf("one account: %d hashed, %d throttled", hashed.Load(), throttled)

		// Another account, the right password last in the burst: it signs in
		// only if fewer than 5 failures came before it; a success is not a
		// failure, so at most one more hash than the limit.
		hashed.Store(0)
		ok, _ := burst(50, func(int) string { return "admin@acme.example" },
			func(i int) string { return fmt.Sprintf("198.51.101.%d", i) },
			func(i int) string {
				if i == 49 {
					return "pw-for-tests"
				}
				return "wrong"
			})
		if got := hashed.Load(); got > int64(models.MaxFailuresPerAccount+ok) {
			t.Fatalf("%d hashes, %d sign-ins", got, ok)
		}

		// 60 parallel attempts from one address over 60 accounts.
		hashed.Store(0)
		_, throttled = burst(60, func(i int) string { return fmt.Sprintf("nobody%d@example.com", i) },
			func(int) string { return "203.0.113.7" }, func(int) string { return "wrong" })
		if got := hashed.Load(); got > models.MaxFailuresPerAddress {
			t.Fatalf("%d hashes from one address, want at most %d", got, models.MaxFailuresPerAddress)
		}
		if throttled != 60-int(hashed.Load()) {
			t.Fatalf("%d throttled, %d hashed", throttled, hashed.Load())
		}
		// Blocked attempts are not failures: the window holds the hashed ones.
		// (Parallel attempts may see each other's rows before those are
		// removed, so a burst can admit fewer than the limit, never more.)
		if n := modeltest.MustCount(t, db, &models.LoginFailure{}, "scope = ?", "addr:203.0.113.7"); n != hashed.Load() {
			t.Fatalf("%d failures recorded for the address", n)
		}
	})
}

// TestHashingPoolIsBounded: with every slot taken, a check waits at most
// the pool's wait and then answers Busy; nothing is counted as a failure.
func TestHashingPoolIsBounded(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := modeltest.FixedClock{T: today.Add(10 * time.Hour)}
		if err := models.LoadDemo(ctx, db, clock, "pw-for-tests"); err != nil {
			t.Fatal(err)
		}
		h, hashed := countingHasher(1, 10*time.Millisecond)
		// Hold the only slot with a hash of its own.
		started := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			close(started)
			for range 3 {
				_, _ = h.Hash(ctx, "hold the slot")
			}
		}()
		<-started
		var busy *models.Busy
		sawBusy := false
		for range 20 {
			_, err := models.Authenticate(ctx, db, clock, h, "owner@acme.example", "wrong", "192.0.2.44")
			if errors.As(err, &busy) {
				sawBusy = true
				break
			}
		}
		<-done
		if !sawBusy || busy.RetryAfterSeconds < 1 {
			t.Fatalf("no Busy answer while the pool was full (%d hashed)", hashed.Load())
		}
		// The Busy attempt left no failure behind.
		if n := modeltest.MustCount(t, db, &models.LoginFailure{}, "scope = ?", "addr:192.0.2.44"); n >= 20 {
			t.Fatalf("%d failures recorded", n)
		}
	})
}

// TestAcceptInvitationIsThrottled: accepting an invitation for an address
// that has an account checks its password under the sign-in throttle
// (issue 15 §2).
func TestAcceptInvitationIsThrottled(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@acme.example", "acme")
		compose := func(inv models.Invitation, token string) models.Mail { return models.Mail{To: inv.Email} }
		// member@bottega.example has an account; Acme invites that address.
		res, err := models.Invite(ctx, db, clock, owner, models.InviteInput{Email: "member@bottega.example", Role: models.RoleMember, Lang: "en"}, compose)
		if err != nil {
			t.Fatal(err)
		}
		h, hashed := countingHasher(models.DefaultHashSlots, time.Minute)
		for i := range 12 {
			_, _, err := models.AcceptInvitation(ctx, db, clock, h, res.Token, "", "wrong-password-"+fmt.Sprint(i), "192.0.2.70")
			var th *models.Throttled
			if i < models.MaxFailuresPerAccount && invalidKey(err) != "invite.accept.wrong_password" {
				t.Fatalf("attempt %d: %v", i, err)
			}
			if i >= models.MaxFailuresPerAccount && !errors.As(err, &th) {
				t.Fatalf("attempt %d not throttled: %v", i, err)
			}
		}
		if hashed.Load() != int64(models.MaxFailuresPerAccount) {
			t.Fatalf("%d passwords checked, want %d", hashed.Load(), models.MaxFailuresPerAccount)
		}
		// The right password is refused too while the account is locked, and
		// sign-in for that account is locked by the same failures.
		var th *models.Throttled
		if _, _, err := models.AcceptInvitation(ctx, db, clock, h, res.Token, "", "pw", "192.0.2.71"); !errors.As(err, &th) {
			t.Fatalf("right password during the lock: %v", err)
		}
		if _, err := models.Authenticate(ctx, db, clock, h, "member@bottega.example", "pw", "192.0.2.72"); !errors.As(err, &th) {
			t.Fatalf("sign-in during the lock: %v", err)
		}
		// After the window, the right password joins.
		later := modeltest.FixedClock{T: clock.Now().Add(models.LoginWindow + time.Minute)}
		if _, _, err := models.AcceptInvitation(ctx, db, later, h, res.Token, "", "pw", "192.0.2.71"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

// BenchmarkHashBurst: 60 password checks at once through the server's pool
// (2 slots); reports the process's peak resident memory (VmHWM), which stays
// near 2 × 64 MiB plus the runtime instead of 60 × 64 MiB.
func BenchmarkHashBurst(b *testing.B) {
	hash, err := models.HashPassword("burst-password")
	if err != nil {
		b.Fatal(err)
	}
	h := models.NewHasher(models.DefaultHashSlots, time.Hour)
	ctx := context.Background()
	for b.Loop() {
		var wg sync.WaitGroup
		for range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := h.Check(ctx, hash, "wrong"); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if kb := peakRSSKiB(); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "peak-RSS-MiB")
	}
}

func peakRSSKiB() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb
		}
	}
	return 0
}
