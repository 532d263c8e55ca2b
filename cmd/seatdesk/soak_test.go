package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestSoak (make soak; SEATDESK_SOAK=1): two instances of the real binary on
// one PostgreSQL database take a few thousand mixed requests (seat changes,
// purchases whose confirmation is replayed on both instances, invitations,
// removals, sign-ins, pages) from several clients; one instance is killed
// with SIGKILL half-way. Afterwards: no answer was a server error, the seat
// invariant holds, no quote was charged twice and no invoice lacks its
// quote, and every change that was acknowledged is in the database. Before
// the mix, 60 parallel sign-ins measure the server's peak RSS, which the
// bounded hashing pool keeps far below 60 × 64 MiB (issue 15 §1).
func TestSoak(t *testing.T) {
	if os.Getenv("SEATDESK_SOAK") == "" {
		t.Skip("the soak test runs with make soak (SEATDESK_SOAK=1)")
	}
	bin := os.Getenv("SEATDESK_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "seatdesk")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	total := 3000
	if v, err := strconv.Atoi(os.Getenv("SOAK_REQUESTS")); err == nil && v > 0 {
		total = v
	}
	dsn := modeltest.DSN(t, "postgres")
	const password = "soak-password-1"
	baseEnv := append(os.Environ(), "DATABASE_URL="+dsn, "SEATDESK_DEMO_PASSWORD="+password, "LOG_LEVEL=warn",
		"SEATDESK_SESSION_KEY=soak-session-key-0123456789abcdef0123")
	for _, cmd := range []string{"migrate", "demo"} {
		c := exec.Command(bin, cmd)
		c.Env = baseEnv
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
	}
	db, err := models.Open(dsn, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s, err := db.DB(); err == nil {
			_ = s.Close()
		}
	})
	a, b := startInstance(t, bin, baseEnv, "a"), startInstance(t, bin, baseEnv, "b")
	instances := []*instance{a, b}

	// Peak memory under a burst of sign-ins (right passwords: not throttled).
	logins := models.DemoLogins()
	var burst sync.WaitGroup
	burstStatus := newTally()
	for i := range 60 {
		burst.Add(1)
		go func() {
			defer burst.Done()
			c := newSoakClient(a.url)
			burstStatus.add(c.post("/login", url.Values{"email": {logins[i%len(logins)].Email}, "password": {password}}, false))
		}()
	}
	burst.Wait()
	peak := a.peakRSS(t)
	t.Logf("60 parallel sign-ins on one instance: answers %v; peak RSS %d MiB (VmHWM)", burstStatus.snapshot(), peak>>20)
	if peak > 512<<20 {
		t.Errorf("peak RSS %d MiB: password hashing is not bounded", peak>>20)
	}
	if burstStatus.count(500) > 0 {
		t.Fatalf("server errors during the sign-in burst: %v", burstStatus.snapshot())
	}

	// The clients sign in through the form (sessions live in the database,
	// so a cookie from one instance works on the other).
	signIn := func(email string) *soakClient {
		c := newSoakClient(a.url)
		for range 20 {
			if st := c.post("/login", url.Values{"email": {email}, "password": {password}}, false); st == http.StatusSeeOther {
				return c
			}
			time.Sleep(200 * time.Millisecond) // 429 while the hashing pool is full
		}
		t.Fatalf("cannot sign in as %s", email)
		return nil
	}
	bottegaOwner, bottegaAdmin, acmeAdmin := signIn("owner@bottega.example"), signIn("admin@bottega.example"), signIn("admin@acme.example")

	var members []models.Membership
	db.Joins("JOIN organizations ON organizations.id = memberships.org_id").
		Where("organizations.slug = ? AND memberships.role = ?", "bottega", models.RoleMember).Order("memberships.id").Find(&members)
	const workers = 6
	if len(members) < workers*2 {
		t.Fatalf("only %d members", len(members))
	}

	var (
		done      atomic.Int64
		killed    atomic.Bool
		statuses  = newTally()
		mu        sync.Mutex
		acked     = map[int64]string{} // membership → last acknowledged seat type ("" = Unassigned)
		uncertain = map[int64]bool{}   // a request on it got no answer (instance killed)
		removed   = map[int64]bool{}   // acknowledged removals
		invited   []string             // acknowledged invitations
		purchases []string             // acknowledged purchases: quote tokens
		refusals  atomic.Int64
	)
	pick := func(rng *rand.Rand) *instance {
		if killed.Load() {
			return a
		}
		return instances[rng.IntN(2)]
	}
	quoteRe := regexp.MustCompile(`name="quote" value="([^"]+)"`)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 15))
			var mine []models.Membership
			for i, m := range members {
				if i%workers == w {
					mine = append(mine, m)
				}
			}
			state := map[int64]string{}
			for _, m := range mine {
				if m.SeatTypeKey != nil {
					state[m.ID] = *m.SeatTypeKey
				}
			}
			targets := []string{"", "chat", "chat_code"}
			for {
				n := done.Add(1)
				if n > int64(total) {
					break
				}
				if n == int64(total/2) && killed.CompareAndSwap(false, true) {
					if err := b.cmd.Process.Signal(syscall.SIGKILL); err != nil {
						t.Errorf("kill: %v", err)
					}
					t.Logf("instance b killed with SIGKILL after %d requests", total/2)
				}
				inst := pick(rng)
				switch op := rng.IntN(100); {
				case op < 50 && len(mine) > 0: // seat change
					m := mine[rng.IntN(len(mine))]
					to := targets[rng.IntN(len(targets))]
					path := fmt.Sprintf("/orgs/bottega/settings/organization/members/%d/seat", m.ID)
					st := bottegaAdmin.on(inst).post(path, url.Values{"from": {state[m.ID]}, "to": {to}, "confirm": {"1"}}, true)
					statuses.add(st)
					switch st {
					case http.StatusOK:
						state[m.ID] = to
						mu.Lock()
						acked[m.ID] = to
						mu.Unlock()
					case 0: // no answer: the change may or may not have happened
						mu.Lock()
						uncertain[m.ID] = true
						mu.Unlock()
						var cur models.Membership
						if db.Take(&cur, m.ID).Error == nil {
							state[m.ID] = ""
							if cur.SeatTypeKey != nil {
								state[m.ID] = *cur.SeatTypeKey
							}
						}
					}
				case op < 60: // purchase, the confirmation replayed on both instances
					seat := targets[1+rng.IntN(2)]
					base := "/orgs/bottega/settings/billing/seats/" + seat
					n := strconv.Itoa(1 + rng.IntN(3))
					body, st := bottegaOwner.on(inst).postBody(base+"/review", url.Values{"add": {n}})
					statuses.add(st)
					match := quoteRe.FindStringSubmatch(body)
					if st != http.StatusOK || match == nil {
						continue
					}
					form := url.Values{"add": {n}, "quote": {match[1]}}
					var replay sync.WaitGroup
					var ok atomic.Bool
					for i := range 2 {
						replay.Add(1)
						go func() {
							defer replay.Done()
							target := instances[i]
							if killed.Load() {
								target = a
							}
							// htmx: the answer itself says whether this confirmation
							// bought the seats or found them bought already.
							c := bottegaOwner.on(target)
							body, _, st := c.do(c.request(base+"/upgrade", form, true))
							statuses.add(st)
							if st == http.StatusOK && strings.Contains(body, "Seats added. Invoice") {
								ok.Store(true)
							}
						}()
					}
					replay.Wait()
					done.Add(1)
					if ok.Load() {
						mu.Lock()
						purchases = append(purchases, match[1])
						mu.Unlock()
					}
					// The spent quote for a seat assignment: refused.
					if len(mine) > 0 {
						path := fmt.Sprintf("/orgs/bottega/settings/organization/members/%d/buy-seat", mine[0].ID)
						st := bottegaOwner.on(pick(rng)).post(path, url.Values{"from": {state[mine[0].ID]}, "to": {seat}, "quote": {match[1]}}, true)
						statuses.add(st)
						if ok.Load() && st == http.StatusUnprocessableEntity {
							refusals.Add(1)
						}
					}
				case op < 75: // invitation
					email := fmt.Sprintf("soak-%d-%d@example.com", w, done.Load())
					form := url.Values{"email": {email}, "role": {"member"}, "seat": {"enterprise"}}
					if rng.IntN(2) == 0 {
						form.Set("unassigned", "1")
					}
					st := acmeAdmin.on(inst).post("/orgs/acme/settings/organization/invite", form, true)
					statuses.add(st)
					if st == http.StatusOK {
						mu.Lock()
						invited = append(invited, email)
						mu.Unlock()
					}
				case op < 80 && len(mine) > 1: // removal
					i := rng.IntN(len(mine))
					m := mine[i]
					st := bottegaAdmin.on(inst).post(fmt.Sprintf("/orgs/bottega/settings/organization/members/%d/remove", m.ID), url.Values{"confirm": {"1"}}, true)
					statuses.add(st)
					if st == http.StatusOK || st == 0 {
						mine = append(mine[:i], mine[i+1:]...)
						mu.Lock()
						if st == http.StatusOK {
							removed[m.ID] = true
						} else {
							uncertain[m.ID] = true
						}
						mu.Unlock()
					}
				case op < 90: // sign-in, now and then with a wrong password
					l := logins[rng.IntN(len(logins))]
					pw := password
					if rng.IntN(5) == 0 {
						pw = "wrong password"
					}
					statuses.add(newSoakClient(inst.url).post("/login", url.Values{"email": {l.Email}, "password": {pw}}, false))
				default: // pages
					for _, p := range []string{"/orgs/bottega/settings/organization?q=a", "/orgs/bottega/settings/billing"} {
						statuses.add(bottegaOwner.on(inst).get(p))
					}
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests (and replays): answers %v", total, statuses.snapshot())
	for st, n := range statuses.snapshot() {
		if st >= 500 {
			t.Errorf("%d answers with status %d", n, st)
		}
	}
	if statuses.count(http.StatusOK) == 0 || len(purchases) == 0 || len(invited) == 0 {
		t.Fatalf("nothing went through: %d purchases, %d invitations, %v", len(purchases), len(invited), statuses.snapshot())
	}
	modeltest.CheckSeatInvariant(t, db)
	checkAcknowledged(t, db, acked, uncertain, removed, invited, purchases)
	t.Logf("acknowledged and present: %d seat changes, %d removals, %d invitations, %d purchases (each charged once); %d spent quotes refused for another change",
		len(acked), len(removed), len(invited), len(purchases), refusals.Load())
	a.stop(t)
}

func checkAcknowledged(t *testing.T, db *gorm.DB, acked map[int64]string, uncertain, removed map[int64]bool, invited, purchases []string) {
	t.Helper()
	for id, want := range acked {
		if uncertain[id] || removed[id] {
			continue
		}
		var m models.Membership
		if err := db.Take(&m, id).Error; err != nil {
			t.Errorf("member %d: %v", id, err)
			continue
		}
		got := ""
		if m.SeatTypeKey != nil {
			got = *m.SeatTypeKey
		}
		if got != want {
			t.Errorf("member %d: seat %q, the last acknowledged change said %q", id, got, want)
		}
	}
	for id := range removed {
		if n := modeltest.MustCount(t, db, &models.Membership{}, "id = ?", id); n != 0 {
			t.Errorf("member %d was removed (acknowledged) but is still there", id)
		}
	}
	for _, email := range invited {
		if n := modeltest.MustCount(t, db, &models.Invitation{}, "email = ?", email); n != 1 {
			t.Errorf("invitation of %s acknowledged, %d found", email, n)
		}
	}
	for _, token := range purchases {
		if n := modeltest.MustCount(t, db, &models.SeatQuote{}, "token = ? AND invoice_id IS NOT NULL", token); n != 1 {
			t.Errorf("purchase %s acknowledged but not charged", token)
		}
	}
	var twice int64
	db.Raw(`SELECT COUNT(*) FROM (SELECT invoice_id FROM seat_quotes WHERE invoice_id IS NOT NULL GROUP BY invoice_id HAVING COUNT(*) > 1) x`).Scan(&twice)
	if twice != 0 {
		t.Errorf("%d invoices charge more than one quote", twice)
	}
	charged := modeltest.MustCount(t, db, &models.SeatQuote{}, "invoice_id IS NOT NULL")
	lines := modeltest.MustCount(t, db, &models.InvoiceLine{}, "kind = ?", models.LineSeatPurchase)
	if charged != lines {
		t.Errorf("%d charged quotes but %d purchase invoice lines", charged, lines)
	}
}

// instance is one running seatdesk serve.
type instance struct {
	name string
	cmd  *exec.Cmd
	url  string
	logs *os.File
}

func startInstance(t *testing.T, bin string, env []string, name string) *instance {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logs, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(env, "SEATDESK_ADDR="+addr, "SEATDESK_BASE_URL=http://"+addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inst := &instance{name: name, cmd: cmd, url: "http://" + addr, logs: logs}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		if t.Failed() {
			inst.dumpErrors(t)
		}
	})
	for range 100 {
		if res, err := http.Get(inst.url + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return inst
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("instance %s did not start", name)
	return nil
}

// peakRSS is the process's high-water mark of resident memory (VmHWM).
func (i *instance) peakRSS(t *testing.T) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", i.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

func (i *instance) stop(t *testing.T) {
	_ = i.cmd.Process.Signal(syscall.SIGTERM)
	_, _ = i.cmd.Process.Wait()
}

func (i *instance) dumpErrors(t *testing.T) {
	b, _ := os.ReadFile(i.logs.Name())
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			t.Logf("%s: %s", i.name, line)
		}
	}
}

// soakClient is a signed-in (or anonymous) browser whose cookies work on
// every instance.
type soakClient struct {
	base string
	http *http.Client
}

func newSoakClient(base string) *soakClient {
	jar, _ := cookiejar.New(nil)
	return &soakClient{base: base, http: &http.Client{Jar: &anyHostJar{jar: jar}, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// on is the same browser talking to another instance.
func (c *soakClient) on(i *instance) *soakClient { return &soakClient{base: i.url, http: c.http} }

func (c *soakClient) do(req *http.Request) (string, string, int) {
	res, err := c.http.Do(req)
	if err != nil {
		return "", "", 0 // no answer (the instance was killed)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b), res.Header.Get("Location"), res.StatusCode
}

func (c *soakClient) get(path string) int {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	_, _, st := c.do(req)
	return st
}

func (c *soakClient) request(path string, form url.Values, htmx bool) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	return req
}

func (c *soakClient) post(path string, form url.Values, htmx bool) int {
	_, _, st := c.do(c.request(path, form, htmx))
	return st
}

func (c *soakClient) postBody(path string, form url.Values) (string, int) {
	body, _, st := c.do(c.request(path, form, false))
	return body, st
}

// anyHostJar keeps one set of cookies for every 127.0.0.1 port.
type anyHostJar struct{ jar http.CookieJar }

var jarKey = &url.URL{Scheme: "http", Host: "127.0.0.1"}

func (j *anyHostJar) SetCookies(_ *url.URL, cs []*http.Cookie) { j.jar.SetCookies(jarKey, cs) }
func (j *anyHostJar) Cookies(*url.URL) []*http.Cookie          { return j.jar.Cookies(jarKey) }

// tally counts answers by status (0 = no answer).
type tally struct {
	mu sync.Mutex
	m  map[int]int
}

func newTally() *tally { return &tally{m: map[int]int{}} }

func (t *tally) add(st int) {
	t.mu.Lock()
	t.m[st]++
	t.mu.Unlock()
}

func (t *tally) count(st int) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[st]
}

func (t *tally) snapshot() map[int]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[int]int, len(t.m))
	for k, v := range t.m {
		out[k] = v
	}
	return out
}
