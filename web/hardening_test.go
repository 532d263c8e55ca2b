package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// Issue 15: defects found by probing every route, one test each.

// TestNextStaysOnSite: a post-login destination that a browser would
// normalize to another host is refused (issue 15 §3).
func TestNextStaysOnSite(t *testing.T) {
	for _, next := range []string{
		"/\t/evil.example", "/%09/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\x00/evil.example",
		"//evil.example", "/\\evil.example", "\\\\evil.example", "/x\\..\\evil", "https://evil.example",
		"javascript:alert(1)", "/ok//evil.example", " /x", "/\x7f/evil.example", "/\u2028x", "",
	} {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", next, got)
		}
	}
	for _, next := range []string{"/", "/orgs/acme/settings/organization", "/orgs/acme/settings/organization/members?q=a+b&page=2", "/orgs?lang=it#x"} {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("admin@acme.example")
		// Signed in already: GET /login?next= redirects at once.
		res := c.get("/login?next=/%09/host/evil")
		if loc := res.header.Get("Location"); res.status != http.StatusSeeOther || loc != "/" {
			t.Fatalf("GET /login?next=/%%09/host/evil: %d Location %q", res.status, loc)
		}
	})
}

// TestSpentQuoteIsBoundToItsAction: a quote charged for one member or one
// address answers its own action again, and refuses any other with a
// message; nothing is charged or changed twice (issue 15 §5).
func TestSpentQuoteIsBoundToItsAction(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		owner := h.login("owner@bottega.example")
		hx := []string{"HX-Request", "true"}
		a := mid(t, db, "member@bottega.example")
		var other models.Membership
		if err := db.Joins("JOIN users ON users.id = memberships.user_id").
			Where("memberships.seat_type_key = ? AND users.email LIKE ? AND users.email <> ?", "chat", "%@bottega.example", "member@bottega.example").
			Take(&other).Error; err != nil {
			t.Fatal(err)
		}
		b := strconv.FormatInt(other.ID, 10)
		members := "/orgs/bottega/settings/organization/members/"
		res := owner.post(members+a+"/seat", url.Values{"from": {"chat"}, "to": {"chat_code"}}, hx...)
		token := quoteRe.FindStringSubmatch(res.body)[1]
		if res := owner.post(members+a+"/buy-seat", url.Values{"from": {"chat"}, "to": {"chat_code"}, "quote": {token}}, hx...); res.status != http.StatusOK {
			t.Fatalf("buy and assign: %d", res.status)
		}
		before := invoices(t, db)
		// The same quote for another member: refused, with a message, nothing changes.
		res = owner.post(members+b+"/buy-seat", url.Values{"from": {"chat"}, "to": {"chat_code"}, "quote": {token}}, hx...)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "This review was made for another change and cannot be used for this one.") {
			t.Fatalf("spent quote for another member: %d %s", res.status, res.body)
		}
		if strings.Contains(res.body, "and assigned it") {
			t.Fatalf("claims an assignment that never happened: %s", res.body)
		}
		var after models.Membership
		db.Take(&after, other.ID)
		if after.SeatTypeKey == nil || *after.SeatTypeKey != "chat" || invoices(t, db) != before || purchased(t, db, "bottega", "chat_code") != 11 {
			t.Fatal("the other member or the bill changed")
		}
		// The same quote on Billing's Upgrade: refused too.
		up := owner.post("/orgs/bottega/settings/billing/seats/chat_code/upgrade", url.Values{"quote": {token}, "add": {"1"}}, hx...)
		if up.status != http.StatusUnprocessableEntity || !strings.Contains(up.body, "This review was made for another change and cannot be used for this one.") {
			t.Fatalf("spent assign quote on Upgrade: %d", up.status)
		}

		// Buy and invite: the quote offered for one address.
		base := "/orgs/bottega/settings/organization"
		res = owner.post(base+"/invite", url.Values{"email": {"first@example.com"}, "role": {"member"}, "seat": {"chat_code"}}, hx...)
		if res.status != http.StatusConflict {
			t.Fatalf("invite without a seat: %d", res.status)
		}
		token = quoteRe.FindStringSubmatch(res.body)[1]
		form := url.Values{"email": {"first@example.com"}, "role": {"member"}, "seat": {"chat_code"}, "quote": {token}}
		if res := owner.post(base+"/invite/buy", form, hx...); res.status != http.StatusOK || !strings.Contains(res.body, "Invitation sent to first@example.com.") {
			t.Fatalf("buy and invite: %d %s", res.status, res.body)
		}
		outbox := modeltest.MustCount(t, db, &models.OutboxMessage{}, "")
		// Replayed (double click): its own result again, no second email.
		if res := owner.post(base+"/invite/buy", form, hx...); res.status != http.StatusOK || !strings.Contains(res.body, "Invitation sent to first@example.com.") {
			t.Fatalf("replayed buy and invite: %d %s", res.status, res.body)
		}
		// For another address: refused with a message, nobody invited.
		form.Set("email", "second@example.com")
		res = owner.post(base+"/invite/buy", form, hx...)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "This review was made for another change and cannot be used for this one.") || strings.Contains(res.body, "Invitation sent to") {
			t.Fatalf("spent quote for another address: %d %s", res.status, res.body)
		}
		if n := modeltest.MustCount(t, db, &models.OutboxMessage{}, ""); n != outbox {
			t.Fatalf("%d emails queued, want %d", n, outbox)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, "email = ?", "second@example.com"); n != 0 {
			t.Fatal("invited with a spent quote")
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBillingRefusalsAreVisible: every refused billing change shows its
// message where the user is looking (issue 15 §7).
func TestBillingRefusalsAreVisible(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		owner := h.login("owner@acme.example")
		base := "/orgs/acme/settings/billing"
		for _, hx := range [][]string{nil, {"HX-Request", "true"}} {
			for _, c := range []struct {
				path string
				form url.Values
				msg  string
			}{
				{"/seats/premium/reduction", url.Values{"quantity": {"3"}}, "That seat type does not exist on your plan."},
				{"/seats/premium/reduction/cancel", nil, "That seat type does not exist on your plan."},
				{"/seats/premium/upgrade", url.Values{"add": {"1"}, "quote": {"x"}}, "This review is not valid. Review the change again."},
				{"/extra-usage", url.Values{"enabled": {"on"}, "cap": {"100"}}, "Extra usage applies to seat-based plans only."},
			} {
				res := owner.post(base+c.path, c.form, hx...)
				if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, c.msg) {
					t.Errorf("%s (htmx %v): %d, message %q not shown", c.path, hx != nil, res.status, c.msg)
				}
			}
		}
	})
}

// TestAdminsInviteMembersOnly: making someone Admin needs GrantAdmin (SPEC §2),
// also through an invitation.
func TestAdminsInviteMembersOnly(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		base := "/orgs/acme/settings/organization"
		admin := h.login("admin@acme.example")
		res := admin.post(base+"/invite", url.Values{"email": {"new-admin@example.com"}, "role": {"admin"}, "seat": {"enterprise"}}, "HX-Request", "true")
		if res.status != http.StatusForbidden {
			t.Fatalf("an Admin invites an Admin: %d", res.status)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, ""); n != 0 {
			t.Fatalf("%d invitations", n)
		}
		if form := admin.get(base+"/invite", "HX-Request", "true"); strings.Contains(form.body, `value="admin"`) {
			t.Fatal("the Admin's invite form offers the Admin role")
		}
		owner := h.login("owner@acme.example")
		if res := owner.post(base+"/invite", url.Values{"email": {"new-admin@example.com"}, "role": {"admin"}, "seat": {"enterprise"}}, "HX-Request", "true"); res.status != http.StatusOK {
			t.Fatalf("an Owner invites an Admin: %d", res.status)
		}
	})
}

// TestSecureFollowsBaseURL: behind a TLS-terminating proxy the request is
// plain HTTP, yet the language cookie is Secure and HSTS is sent because the
// configured base URL is https.
func TestSecureFollowsBaseURL(t *testing.T) {
	db := modeltest.Open(t, "sqlite")
	h := newHarness(t, db)
	for _, base := range []string{"https://seatdesk.example", "http://127.0.0.1"} {
		s := newServer(Config{BaseURL: base, SessionKey: []byte("0123456789abcdef0123456789abcdef")}, h.s.Deps)
		rec := httptest.NewRecorder()
		s.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://seatdesk.example/login?lang=it", nil))
		var lang *http.Cookie
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == langCookie {
				lang = ck
			}
		}
		https := strings.HasPrefix(base, "https://")
		if lang == nil || lang.Secure != https {
			t.Errorf("%s: language cookie %+v, want Secure=%v", base, lang, https)
		}
		if hsts := rec.Header().Get("Strict-Transport-Security") != ""; hsts != https {
			t.Errorf("%s: HSTS sent = %v, want %v", base, hsts, https)
		}
	}
}

// TestSignInBurst: 50 parallel sign-ins on one account over HTTP hash at
// most the account's limit; the others answer 429 with Retry-After and a
// message; an address longer than any account is refused like a wrong
// password, and counted (issue 15 §1, §6).
func TestSignInBurst(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		var hashed atomic.Int64
		h.s.Hasher.OnHash = func() { hashed.Add(1) }
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := h.anon().post("/login", url.Values{"email": {"owner@bottega.example"}, "password": {"wrong-" + strconv.Itoa(i)}})
				if res.status == http.StatusTooManyRequests && (res.header.Get("Retry-After") == "" || !strings.Contains(res.body, "Too many")) {
					t.Errorf("429 without Retry-After or message: %v", res.header)
				}
				mu.Lock()
				statuses[res.status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if got := hashed.Load(); got > models.MaxFailuresPerAccount {
			t.Fatalf("%d passwords hashed for one account (answers %v)", got, statuses)
		}
		for status := range statuses {
			if status != http.StatusTooManyRequests && status != http.StatusUnprocessableEntity {
				t.Fatalf("answers %v", statuses)
			}
		}
		t.Logf("50 parallel sign-ins: %d hashed, answers %v", hashed.Load(), statuses)

		// A 400-character address: a wrong credential, counted per address.
		db.Exec("DELETE FROM login_failures") // the burst came from this address too
		c := h.anon()
		for i := range models.MaxFailuresPerAddress + 1 {
			long := strings.Repeat("a", 390) + strconv.Itoa(i) + "@example.com"
			res := c.post("/login", url.Values{"email": {long}, "password": {"x"}})
			want := http.StatusUnprocessableEntity
			if i == models.MaxFailuresPerAddress {
				want = http.StatusTooManyRequests
			}
			if res.status != want {
				t.Fatalf("long address, attempt %d: %d", i+1, res.status)
			}
		}
	})
}

// TestAcceptIsThrottled: POST /invitations/{token} for an address with an
// account checks its password under the sign-in throttle (issue 15 §2).
func TestAcceptIsThrottled(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h, box := withInbox(t, db)
		var hashed atomic.Int64
		h.s.Hasher.OnHash = func() { hashed.Add(1) }
		owner := h.login("owner@acme.example")
		if res := owner.post("/orgs/acme/settings/organization/invite", url.Values{"email": {"member@bottega.example"}, "role": {"member"}, "unassigned": {"1"}}, "HX-Request", "true"); res.status != http.StatusOK {
			t.Fatalf("invite: %d", res.status)
		}
		token := linkRe.FindStringSubmatch(box.last(t, "member@bottega.example").Body)[1]
		guest := h.anon()
		for i := range 12 {
			res := guest.post("/invitations/"+token, url.Values{"password": {"wrong-" + strconv.Itoa(i)}})
			want := http.StatusUnprocessableEntity
			if i >= models.MaxFailuresPerAccount {
				want = http.StatusTooManyRequests
			}
			if res.status != want {
				t.Fatalf("attempt %d: %d", i+1, res.status)
			}
			if want == http.StatusTooManyRequests && !strings.Contains(res.body, `data-testid="accept-error"`) {
				t.Fatalf("attempt %d: the throttle's message is not on the form", i+1)
			}
		}
		if hashed.Load() != int64(models.MaxFailuresPerAccount) {
			t.Fatalf("%d passwords checked", hashed.Load())
		}
		if res := guest.post("/invitations/"+token, url.Values{"password": {demoPassword}}); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
			t.Fatalf("right password while locked: %d", res.status)
		}
		if res := h.anon().post("/login", url.Values{"email": {"member@bottega.example"}, "password": {demoPassword}}); res.status != http.StatusTooManyRequests {
			t.Fatalf("sign-in while locked: %d", res.status)
		}
	})
}
