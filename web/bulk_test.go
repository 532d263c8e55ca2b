package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

const orgPage = "/orgs/%s/settings/organization"

var (
	tokenRe  = regexp.MustCompile(`name="token" value="([^"]+)"`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)"`)
)

// hiddenFields are the hidden inputs of the first form after marker in body.
func hiddenFields(t *testing.T, body, marker string) url.Values {
	t.Helper()
	at := strings.Index(body, marker)
	if at < 0 {
		t.Fatalf("no %q in %s", marker, body)
	}
	form := body[strings.LastIndex(body[:at], "<form"):]
	form = form[:strings.Index(form, "</form>")]
	vals := url.Values{}
	for _, m := range hiddenRe.FindAllStringSubmatch(form, -1) {
		vals.Add(m[1], strings.ReplaceAll(m[2], "&amp;", "&"))
	}
	return vals
}

func membershipIDs(t *testing.T, db *gorm.DB, slug, where string, args ...any) []string {
	t.Helper()
	var ids []int64
	q := db.Model(&models.Membership{}).Where("org_id = (SELECT id FROM organizations WHERE slug = ?)", slug)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprint(id)
	}
	return out
}

func countWhere(t *testing.T, db *gorm.DB, where string, args ...any) int64 {
	return modeltest.MustCount(t, db, &models.Membership{}, where, args...)
}

// TestBulkWithoutJavaScript: the bar posts, a review page follows, then the
// result page; every member row's first cell is its checkbox, part of the
// bar's form.
func TestBulkWithoutJavaScript(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		admin := h.login("admin@acme.example")
		base := fmt.Sprintf(orgPage, "acme")
		page := admin.get(base)
		if page.status != 200 || !strings.Contains(page.body, `id="bulk-form"`) || !strings.Contains(page.body, `data-testid="bulk-bar"`) {
			t.Fatalf("page: %d", page.status)
		}
		mia, owner, primary := mid(t, db, "member@acme.example"), mid(t, db, "owner@acme.example"), mid(t, db, "primary@acme.example")
		row := regexp.MustCompile(`<tbody id="member-` + mia + `"[^>]*><tr class="member-main"><td class="select"><input type="checkbox" name="id" value="` + mia + `" form="bulk-form" aria-label="Select Mia Member"`)
		if !row.MatchString(page.body) {
			t.Fatal("the row's first cell is not its checkbox of the bulk form")
		}
		if !strings.Contains(page.body, `All 24 members of the organization`) || !strings.Contains(page.body, `All 24 members on this page`) {
			// 24 members fit one page: no "every member" beyond it
			if strings.Contains(page.body, `data-testid="bulk-scope-all"`) {
				t.Fatal("every member offered while the page shows them all")
			}
		}
		form := url.Values{"scope": {"selected"}, "id": {mia, owner, primary}, "action": {"seat:"}}
		res := admin.post(base+"/bulk/review", form)
		if res.status != 200 || !strings.Contains(res.body, "Set 3 selected members to Unassigned") ||
			!strings.Contains(res.body, "2 of them will lose access to Claude until a seat is assigned again") ||
			!strings.Contains(res.body, "The Primary Owner always keeps a seat.") || !strings.Contains(res.body, "<html") {
			t.Fatalf("review page: %d %s", res.status, res.body)
		}
		if seatTypeOf(t, db, "member@acme.example") != "enterprise" {
			t.Fatal("the review changed something")
		}
		confirm := hiddenFields(t, res.body, `data-testid="bulk-apply"`)
		if confirm.Get("token") == "" || len(confirm["id"]) != 3 {
			t.Fatalf("the confirmation does not carry the selection: %v", confirm)
		}
		res = admin.post(base+"/bulk/apply", confirm)
		if res.status != 200 || !strings.Contains(res.body, "2 members set to Unassigned. 1 skipped, listed below.") || !strings.Contains(res.body, `data-testid="bulk-back"`) {
			t.Fatalf("result page: %d %s", res.status, res.body)
		}
		if seatTypeOf(t, db, "member@acme.example") != "" || seatTypeOf(t, db, "owner@acme.example") != "" || seatTypeOf(t, db, "primary@acme.example") != "enterprise" {
			t.Fatal("not applied")
		}
		if !strings.Contains(res.body, `data-testid="assigned">19<`) {
			t.Fatal("the result's seat summary is not the new one")
		}
		// The same confirmation again (a reload): stale, nothing more happens.
		res = admin.post(base+"/bulk/apply", confirm)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "The selection changed since your review") || !strings.Contains(res.body, `data-testid="bulk-nothing"`) {
			t.Fatalf("reposted: %d %s", res.status, res.body)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkOtherOrganization: ids of another organization's members refuse
// the whole change, on every step; nothing changes in either organization.
func TestBulkOtherOrganization(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		owner := h.login("owner@acme.example")
		hx := []string{"HX-Request", "true"}
		base := fmt.Sprintf(orgPage, "acme")
		mine, theirs := mid(t, db, "member@acme.example"), mid(t, db, "member@bottega.example")
		form := url.Values{"scope": {"selected"}, "id": {mine, theirs}, "action": {"remove"}}
		for _, step := range []string{"review", "apply", "buy"} {
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("token", "x")
			f.Set("quote", "x")
			f.Set("n", "1")
			for _, headers := range [][]string{nil, hx} {
				res := owner.post(base+"/bulk/"+step, f, headers...)
				if res.status != http.StatusNotFound || strings.Contains(res.body, "Bottega") || strings.Contains(res.body, "Mia Member") && step != "review" {
					t.Fatalf("%s: %d %s", step, res.status, res.body)
				}
			}
		}
		if countWhere(t, db, "id IN ?", []string{mine, theirs}) != 2 {
			t.Fatal("a refused change removed someone")
		}
		// Another organization in the URL: not found either.
		if res := owner.post("/orgs/bottega/settings/organization/bulk/review", url.Values{"id": {theirs}, "action": {"remove"}}); res.status != http.StatusNotFound {
			t.Fatalf("other organization's URL: %d", res.status)
		}
	})
}

// TestBulkOwnerBuysAndApplies: with htmx, an Owner moves three members to a
// type without free seats, reads the charge, buys and applies in one step;
// the table and the seat summary come back out of band; a double post
// charges once.
func TestBulkOwnerBuysAndApplies(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		owner := h.login("owner@bottega.example")
		owner.lang = "fr"
		hx := []string{"HX-Request", "true"}
		base := fmt.Sprintf(orgPage, "bottega")
		chat := membershipIDs(t, db, "bottega", "seat_type_key = 'chat' AND role = 'member'")[:3]
		res := owner.post(base+"/bulk/review", url.Values{"scope": {"selected"}, "id": chat, "action": {"seat:chat_code"}, "seat": {"chat"}}, hx...)
		if res.status != 200 || !strings.HasPrefix(res.body, `<div id="bulk"`) ||
			!strings.Contains(res.body, "Passer 3 membres sélectionnés à Chat + Claude Code") ||
			!strings.Contains(res.body, "Il manque 3 sièges de type Chat + Claude Code") ||
			!strings.Contains(res.body, `data-testid="review-amount"`) || !strings.Contains(res.body, "Acheter 3 sièges (Chat + Claude Code) pour") {
			t.Fatalf("review: %d %s", res.status, res.body)
		}
		buy := hiddenFields(t, res.body, `data-testid="bulk-buy"`)
		if buy.Get("quote") == "" || buy.Get("n") != "3" || buy.Get("seat") != "chat" {
			t.Fatalf("buy form: %v", buy)
		}
		before := invoices(t, db)
		res = owner.post(base+"/bulk/buy", buy, hx...)
		if res.status != 200 || !strings.Contains(res.body, "3 membres passés à Chat + Claude Code. 3 sièges achetés (Chat + Claude Code, facture BOTTEGA-00002).") {
			t.Fatalf("buy and apply: %d %s", res.status, res.body)
		}
		card := regexp.MustCompile(`data-testid="seat-summary-chat_code">.*?<dt>Achetés</dt><dd data-testid="purchased">13</dd>`)
		if !strings.Contains(res.body, `<div id="members" data-testid="members" hx-swap-oob="true"`) || !strings.Contains(res.body, `id="seat-summary"`) ||
			!card.MatchString(res.body) {
			t.Fatalf("the table and the summary are not swapped: %s", res.body)
		}
		if !strings.Contains(res.body, `role="status"`) {
			t.Fatal("the result is not announced")
		}
		// The table came back at the filter it showed (Chat only).
		if strings.Contains(res.body, "member-"+chat[0]+`"`) {
			t.Fatal("the table is not the filtered one")
		}
		res = owner.post(base+"/bulk/buy", buy, hx...)
		if res.status != 200 || !strings.Contains(res.body, "Cette modification a déjà été appliquée et payée (facture BOTTEGA-00002)") {
			t.Fatalf("double post: %d %s", res.status, res.body)
		}
		if invoices(t, db) != before+1 || purchased(t, db, "bottega", "chat_code") != 13 {
			t.Fatal("charged twice")
		}
		if n := countWhere(t, db, "id IN ? AND seat_type_key = 'chat_code'", chat); n != 3 {
			t.Fatalf("%d moved", n)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkAdminShortfall: an Admin is told how many seats are missing and
// who can buy them, and cannot buy.
func TestBulkAdminShortfall(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		admin := h.login("admin@bottega.example")
		admin.lang = "it"
		hx := []string{"HX-Request", "true"}
		base := fmt.Sprintf(orgPage, "bottega")
		chat := membershipIDs(t, db, "bottega", "seat_type_key = 'chat' AND role = 'member'")[:2]
		form := url.Values{"scope": {"selected"}, "id": chat, "action": {"seat:chat_code"}}
		res := admin.post(base+"/bulk/review", form, hx...)
		if res.status != 200 || !strings.Contains(res.body, "Mancano 2 posti di tipo Chat + Claude Code") ||
			!strings.Contains(res.body, "Un Proprietario può acquistarli: Pat Primary, Olive Owner.") ||
			strings.Contains(res.body, "bulk-buy") || strings.Contains(res.body, "bulk-apply") {
			t.Fatalf("admin review: %d %s", res.status, res.body)
		}
		// Confirming anyway (a forged form): refused, nothing changes.
		var u models.User
		db.Take(&u, "email = ?", "admin@bottega.example")
		actor, _ := models.ActorFor(context.Background(), db, u, "bottega")
		ids := make([]int64, len(chat))
		for i, id := range chat {
			fmt.Sscan(id, &ids[i])
		}
		plan, err := models.PlanBulk(context.Background(), db, actor, models.BulkChange{IDs: ids, Action: models.BulkSetSeat, To: "chat_code"})
		if err != nil {
			t.Fatal(err)
		}
		form.Set("token", plan.Token)
		res = admin.post(base+"/bulk/apply", form, hx...)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "Alcuni posti sono stati occupati") {
			t.Fatalf("forged apply: %d %s", res.status, res.body)
		}
		form.Set("quote", "x")
		form.Set("n", "2")
		if res := admin.post(base+"/bulk/buy", form, hx...); res.status != http.StatusForbidden {
			t.Fatalf("admin buys: %d", res.status)
		}
		if n := countWhere(t, db, "id IN ? AND seat_type_key = 'chat'", chat); n != 2 {
			t.Fatal("something moved")
		}
	})
}

// TestBulkBadInput: bad forms say why in the user's language and change
// nothing.
func TestBulkBadInput(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		base := fmt.Sprintf(orgPage, "bottega")
		hx := []string{"HX-Request", "true"}
		mia := mid(t, db, "member@bottega.example")
		cases := []struct {
			lang string
			form url.Values
			msg  string
		}{
			{"it", url.Values{"scope": {"selected"}, "action": {"remove"}}, "Seleziona almeno un membro"},
			{"fr", url.Values{"scope": {"selected"}, "action": {"remove"}}, "Sélectionnez au moins un membre"},
			{"it", url.Values{"id": {mia}, "action": {"promote"}}, "Scegli cosa fare"},
			{"fr", url.Values{"id": {"abc"}, "action": {"remove"}}, "La sélection n&#39;a pas pu être lue"},
			{"fr", url.Values{"id": {mia}, "action": {"seat:enterprise"}}, "Ce type de siège n&#39;existe pas dans votre plan."},
			{"it", url.Values{"scope": {"all"}, "seat": {"premium"}, "action": {"remove"}}, "⟦"},
			{"it", url.Values{"scope": {"all"}, "q": {"nessuno-si-chiama-cosi"}, "action": {"remove"}}, "Nessun membro corrisponde più al filtro."},
			{"fr", url.Values{"scope": {"everyone"}, "id": {mia}, "action": {"remove"}}, "La sélection n&#39;a pas pu être lue"},
		}
		for _, c := range cases {
			admin := h.login("admin@bottega.example")
			admin.lang = c.lang
			for _, headers := range [][]string{nil, hx} {
				res := admin.post(base+"/bulk/review", c.form, headers...)
				if c.msg == "⟦" { // an unknown filter: the members table's own message
					if res.status != 422 || strings.Contains(res.body, "⟦") {
						t.Errorf("%v: %d", c.form, res.status)
					}
					continue
				}
				if res.status != 422 || !strings.Contains(res.body, c.msg) || strings.Contains(res.body, "⟦") {
					t.Errorf("%s %v (htmx %v): %d, lacks %q: %s", c.lang, c.form, headers != nil, res.status, c.msg, res.body)
				}
			}
		}
		member := h.login("member@bottega.example")
		if res := member.post(base+"/bulk/review", url.Values{"id": {mia}, "action": {"remove"}}); res.status != http.StatusForbidden {
			t.Fatalf("a Member: %d", res.status)
		}
		if countWhere(t, db, "id = ?", mia) != 1 {
			t.Fatal("bad input changed something")
		}
	})
}

// TestBulkEveryMatchingAndStale: "every member matching" applies to the
// filter's members; a member moved after the review makes the confirmation
// stale, and the review comes back saying so.
func TestBulkEveryMatchingAndStale(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		admin := h.login("admin@bottega.example")
		hx := []string{"HX-Request", "true"}
		base := fmt.Sprintf(orgPage, "bottega")
		// The fragment of a filter brings the bar with it, counting its members.
		frag := admin.get(base+"/members?seat=chat&sort=-name", hx...)
		if !strings.Contains(frag.body, `id="bulk" class="bulk" data-testid="bulk-bar" hx-swap-oob="true"`) || !strings.Contains(frag.body, `name="seat" value="chat"`) ||
			!strings.Contains(frag.body, `name="sort" value="-name"`) {
			t.Fatalf("the bar does not follow the filter: %s", frag.body)
		}
		form := url.Values{"scope": {"all"}, "seat": {"chat"}, "expect": {"14"}, "action": {"seat:"}}
		res := admin.post(base+"/bulk/review", form, hx...)
		if res.status != 200 || !strings.Contains(res.body, "14 members will be set to Unassigned.") {
			t.Fatalf("review: %d %s", res.status, res.body)
		}
		confirm := hiddenFields(t, res.body, `data-testid="bulk-apply"`)
		if confirm.Get("scope") != "all" || confirm.Get("seat") != "chat" || len(confirm["id"]) != 0 {
			t.Fatalf("confirmation: %v", confirm)
		}
		// Someone moves one of them meanwhile.
		one := membershipIDs(t, db, "bottega", "seat_type_key = 'chat'")[0]
		if res := admin.post(base+"/members/"+one+"/seat", url.Values{"from": {"chat"}, "to": {""}, "confirm": {"1"}}, hx...); res.status != 200 {
			t.Fatalf("move: %d", res.status)
		}
		res = admin.post(base+"/bulk/apply", confirm, hx...)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "The selection changed since your review") ||
			!strings.Contains(res.body, "13 members will be set to Unassigned.") || !strings.Contains(res.body, "13 members match now (the page showed 14).") {
			t.Fatalf("stale: %d %s", res.status, res.body)
		}
		if countWhere(t, db, "seat_type_key = 'chat'") != 13 {
			t.Fatal("a stale confirmation changed something")
		}
		res = admin.post(base+"/bulk/apply", hiddenFields(t, res.body, `data-testid="bulk-apply"`), hx...)
		if res.status != 200 || !strings.Contains(res.body, "13 members set to Unassigned.") || countWhere(t, db, "seat_type_key = 'chat'") != 0 {
			t.Fatalf("apply: %d %s", res.status, res.body)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// failingMailer delivers nothing to some addresses.
type failingMailer struct {
	mu   sync.Mutex
	fail map[string]bool
	sent []string
}

func (m *failingMailer) Configured() bool { return true }

func (m *failingMailer) Send(_ context.Context, to, _, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail[to] {
		return errors.New("mailbox unavailable")
	}
	m.sent = append(m.sent, to)
	return nil
}

// multipartForm is a form with a CSV file, as a browser sends it.
func (c *client) upload(path string, fields url.Values, file string, headers ...string) response {
	c.h.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if file != "" {
		fw, _ := w.CreateFormFile("csv", "people.csv")
		_, _ = fw.Write([]byte(file))
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.do(req)
}

// TestBulkInviteAddresses: 500 pasted addresses are invited in one step;
// 501 are refused whole.
func TestBulkInviteAddresses(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		admin := h.login("admin@acme.example")
		base := fmt.Sprintf(orgPage, "acme")
		open := admin.get(base + "/bulk-invite")
		if open.status != 200 || !strings.Contains(open.body, `data-testid="bulk-invite-form"`) || !strings.Contains(open.body, "email,role,seat type") {
			t.Fatalf("form: %d", open.status)
		}
		var lines []string
		for i := range 501 {
			sep := "\n"
			if i%3 == 0 {
				sep = ", "
			}
			lines = append(lines, fmt.Sprintf("person%03d@example.com%s", i, sep))
		}
		res := admin.post(base+"/bulk-invite", url.Values{"addresses": {strings.Join(lines, "")}, "role": {"member"}, "seat": {""}})
		if res.status != 422 || !strings.Contains(res.body, "At most 500 addresses at a time; there are 501.") {
			t.Fatalf("501: %d", res.status)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, ""); n != 0 {
			t.Fatalf("%d sent", n)
		}
		res = admin.upload(base+"/bulk-invite", url.Values{"addresses": {strings.Join(lines[:500], "")}, "role": {"member"}, "seat": {""}}, "", "HX-Request", "true")
		if res.status != 200 || !strings.Contains(res.body, "500 invitations sent.") || !strings.Contains(res.body, `hx-swap-oob="true"`) {
			t.Fatalf("500: %d %.300s", res.status, res.body)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, "status = 'pending' AND seat_type_key IS NULL"); n != 500 {
			t.Fatalf("%d invitations", n)
		}
		if n := modeltest.MustCount(t, db, &models.OutboxMessage{}, "sent_at IS NOT NULL"); n != 500 {
			t.Fatalf("%d emails delivered", n)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkInviteCSV: a CSV file (semicolons, Italian labels) with bad rows:
// each is reported with its reason in Italian; the good ones are sent; a
// failed delivery is that row's.
func TestBulkInviteCSV(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		mail := &failingMailer{fail: map[string]bool{"bounce@example.com": true}}
		h := newHarness(t, db)
		h = serveDB(t, db, h.s.Clock, mail)
		admin := h.login("admin@acme.example")
		admin.lang = "it"
		base := fmt.Sprintf(orgPage, "acme")
		csv := "\ufeffEmail;Ruolo;Tipo di posto\r\n" +
			"nina@example.com;Membro;Posto Enterprise\r\n" + // 2 sent
			"non è un indirizzo;membro;\r\n" + // 3 malformed
			"boss@example.com;Amministratore;enterprise\r\n" + // 4 an Admin invites Members only
			"pia@example.com;member;Premium\r\n" + // 5 not a seat type of the plan
			"NINA@example.com;;\r\n" + // 6 twice
			"member@acme.example;;\r\n" + // 7 a member
			"\"broken@example.com;member\r\n" + // 8 unreadable
			"carl@example.com;chef;\r\n" + // 9 no such role
			";;\r\n" + // blank
			"bounce@example.com;;Non assegnato\r\n" // 11 sent, not delivered
		res := admin.upload(base+"/bulk-invite", url.Values{"role": {"member"}, "seat": {"enterprise"}}, csv)
		if res.status != 200 || strings.Contains(res.body, "⟦") {
			t.Fatalf("upload: %d %s", res.status, res.body)
		}
		want := map[int]string{
			2:  "Inviato",
			3:  "Non inviato: «non è un indirizzo» non è un indirizzo email valido.",
			4:  "Non inviato: Solo un Proprietario può invitare qualcuno come Amministratore; gli Amministratori invitano Membri.",
			5:  "Non inviato: Il tuo piano non ha il tipo di posto «Premium».",
			6:  "Non inviato: Presente due volte: è già alla riga 2.",
			7:  "Non inviato: member@acme.example è già membro di questa organizzazione.",
			8:  "Non inviato: Questa riga non può essere letta come CSV",
			9:  "Non inviato: Ruolo sconosciuto «chef»",
			11: "Inviato; non è stato possibile consegnare ora l&#39;email",
		}
		rowRe := regexp.MustCompile(`(?s)<tr data-testid="bulk-invite-row" data-outcome="(\w+)"><td data-label="Riga">(\d+)</td>.*?<td data-testid="bulk-invite-outcome" data-label="Esito">(.*?)</td>`)
		got := map[string]string{}
		for _, m := range rowRe.FindAllStringSubmatch(res.body, -1) {
			got[m[2]] = m[3]
		}
		if len(got) != len(want) {
			t.Fatalf("%d rows reported, want %d: %v", len(got), len(want), got)
		}
		for line, w := range want {
			if !strings.HasPrefix(got[fmt.Sprint(line)], w) {
				t.Errorf("line %d: %q, want %q…", line, got[fmt.Sprint(line)], w)
			}
		}
		if !strings.Contains(res.body, "2 inviti inviati. 7 righe non inviate: il motivo è indicato qui sotto.") ||
			!strings.Contains(res.body, "Non è stato possibile consegnare ora 1 email; resta nella posta in uscita.") {
			t.Fatalf("summary: %s", res.body)
		}
		var nina models.Invitation
		if err := db.Take(&nina, "email = ?", "nina@example.com").Error; err != nil || nina.SeatTypeKey == nil || *nina.SeatTypeKey != "enterprise" || nina.Lang != "it" {
			t.Fatalf("nina: %+v %v", nina, err)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, ""); n != 2 {
			t.Fatalf("%d invitations", n)
		}
		if n := modeltest.MustCount(t, db, &models.OutboxMessage{}, "to_addr = ? AND sent_at IS NULL AND last_error <> ''", "bounce@example.com"); n != 1 {
			t.Fatal("the undelivered email is not kept in the outbox")
		}
		// Bad files, said in Italian; nothing sent.
		for file, msg := range map[string]string{
			"name;ruolo\nnina@example.com;membro\n": "La prima riga del file deve indicare i nomi delle colonne",
			"email\n":                               "Il file indica le colonne ma non contiene righe da invitare.",
			"email\n" + strings.Repeat("x@example.com\n", 501): "Al massimo 500 righe alla volta; il file ne ha 501.",
			"email\nok@example.com\x00\n":                      "Il file non è testo UTF-8.",
		} {
			res := admin.upload(base+"/bulk-invite", url.Values{"role": {"member"}, "seat": {""}}, file)
			if res.status != 422 || !strings.Contains(res.body, msg) {
				t.Errorf("%.30q: %d, lacks %q", file, res.status, msg)
			}
		}
		res = admin.upload(base+"/bulk-invite", url.Values{"addresses": {"a@example.com"}, "role": {"member"}}, "email\nb@example.com\n")
		if res.status != 422 || !strings.Contains(res.body, "Incolla gli indirizzi oppure scegli un file CSV, non entrambi.") {
			t.Fatalf("both: %d", res.status)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, ""); n != 2 {
			t.Fatalf("bad files sent %d", n-2)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestBulkInviteShortfall: too few seats sends nothing; the Owner reads the
// charge and buys and sends in one step (charged once under a double
// post); the Admin is told who can buy, or sends as Unassigned.
func TestBulkInviteShortfall(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		base := fmt.Sprintf(orgPage, "acme")
		hx := []string{"HX-Request", "true"}
		six := "a1@example.com\na2@example.com\na3@example.com\na4@example.com\na5@example.com\na6@example.com"
		form := url.Values{"addresses": {six}, "role": {"member"}, "seat": {"enterprise"}}

		admin := h.login("admin@acme.example")
		res := admin.upload(base+"/bulk-invite", form, "", hx...)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "These invitations need 6 seats of type Enterprise seat and 4 are available: 2 seats are missing. Nothing was sent.") ||
			!strings.Contains(res.body, "An Owner can buy the seats missing: Pat Primary, Olive Owner.") || strings.Contains(res.body, "bulk-invite-buy") {
			t.Fatalf("admin: %d %s", res.status, res.body)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, ""); n != 0 {
			t.Fatalf("%d sent", n)
		}

		owner := h.login("owner@acme.example")
		res = owner.upload(base+"/bulk-invite", form, "", hx...)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "Buy the seats missing for $") || !strings.Contains(res.body, `data-testid="review-amount"`) {
			t.Fatalf("owner: %d %s", res.status, res.body)
		}
		buy := url.Values{"addresses": {six}, "role": {"member"}, "seat": {"enterprise"}, "token": {tokenRe.FindStringSubmatch(res.body)[1]},
			"buy_type": {"enterprise"}, "buy_n": {"2"}, "quote": {quoteRe.FindStringSubmatch(res.body)[1]}}
		before := invoices(t, db)
		res = owner.upload(base+"/bulk-invite/buy", buy, "", hx...)
		if res.status != 200 || !strings.Contains(res.body, "6 invitations sent.") || !strings.Contains(res.body, "Seats bought: invoice ACME-00002.") {
			t.Fatalf("buy and invite: %d %s", res.status, res.body)
		}
		res = owner.upload(base+"/bulk-invite/buy", buy, "", hx...)
		if res.status != 200 || !strings.Contains(res.body, "These invitations were already sent with this confirmation") {
			t.Fatalf("double post: %d %s", res.status, res.body)
		}
		if invoices(t, db) != before+1 || purchased(t, db, "acme", "enterprise") != 27 || reservedOf(t, db, "acme") != 6 {
			t.Fatal("not charged once")
		}
		// The quote cannot pay for other rows.
		other := url.Values{}
		for k, v := range buy {
			other[k] = v
		}
		other.Set("addresses", "b1@example.com")
		if res := owner.upload(base+"/bulk-invite/buy", other, "", hx...); res.status != 409 || !strings.Contains(res.body, "The invitations changed since their seats were reviewed. Nothing was bought or sent") {
			t.Fatalf("other rows: %d %s", res.status, res.body)
		}
		if reservedOf(t, db, "acme") != 6 {
			t.Fatal("another change used the quote")
		}

		// The Admin, with no seat free, sends as Unassigned.
		res = admin.upload(base+"/bulk-invite", url.Values{"addresses": {"u1@example.com, u2@example.com"}, "role": {"member"}, "seat": {"enterprise"}, "unassigned": {"1"}}, "")
		if res.status != 200 || !strings.Contains(res.body, "2 invitations sent.") {
			t.Fatalf("as Unassigned: %d", res.status)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, "email IN ? AND seat_type_key IS NULL", []string{"u1@example.com", "u2@example.com"}); n != 2 {
			t.Fatalf("%d sent as Unassigned", n)
		}
		// An Admin cannot use the purchase route.
		if res := admin.upload(base+"/bulk-invite/buy", buy, ""); res.status != http.StatusForbidden {
			t.Fatalf("admin buys: %d", res.status)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestLargeFormsAreRoutes: the routes allowed larger forms exist.
func TestLargeFormsAreRoutes(t *testing.T) {
	known := map[string]bool{}
	for _, rt := range (&Server{}).routes() {
		known[rt.Pattern] = true
	}
	for p := range largeForms {
		if !known[p] {
			t.Errorf("largeForms names %q, which is not a route", p)
		}
	}
}
