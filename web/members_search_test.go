package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
	"github.com/seatdesk/seatdesk/web/mailer"
)

var rowIDRe = regexp.MustCompile(`id="member-(\d+)"`)

// addMembers puts n Unassigned members named "<prefix> NN" in acme.
func addMembers(t *testing.T, db *gorm.DB, prefix string, n int) {
	t.Helper()
	var acme models.Organization
	db.Take(&acme, "slug = 'acme'")
	for i := range n {
		u := models.User{Email: fmt.Sprintf("%s%02d@acme.example", strings.ToLower(strings.ReplaceAll(prefix, " ", ".")), i),
			Name: fmt.Sprintf("%s %02d", prefix, i), PasswordHash: "x"}
		if err := db.Create(&u).Error; err != nil {
			t.Fatal(err)
		}
		m := models.Membership{OrgID: acme.ID, UserID: u.ID, Role: models.RoleMember, Status: models.StatusActive, Source: models.SourceInvitation}
		if err := db.Create(&m).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// TestMembersSort: every order, ascending and descending, pages that never
// overlap or skip (ties broken by id), an unknown order refused in the
// user's language, and the form's select.
func TestMembersSort(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		addMembers(t, db, "Extra Person", 60)
		// Five namesakes: the order between them is the id's.
		var acme models.Organization
		db.Take(&acme, "slug = 'acme'")
		for i := range 5 {
			u := models.User{Email: fmt.Sprintf("namesake%d@acme.example", i), Name: "Nora Namesake", PasswordHash: "x"}
			db.Create(&u)
			db.Create(&models.Membership{OrgID: acme.ID, UserID: u.ID, Role: models.RoleMember, Status: models.StatusActive, Source: models.SourceSCIM})
		}
		c := h.login("admin@acme.example")
		base := "/orgs/acme/settings/organization"
		names := func(body string) []string {
			var out []string
			for _, m := range regexp.MustCompile(`data-testid="member-name"[^>]*>([^<]+)<`).FindAllStringSubmatch(body, -1) {
				out = append(out, m[1])
			}
			return out
		}
		ids := func(sort string) []string {
			var all []string
			for page := 1; page <= 2; page++ {
				res := c.get(base + "?sort=" + sort + "&page=" + fmt.Sprint(page))
				if res.status != http.StatusOK {
					t.Fatalf("sort=%s page %d: status %d", sort, page, res.status)
				}
				for _, m := range rowIDRe.FindAllStringSubmatch(res.body, -1) {
					all = append(all, m[1])
				}
			}
			return all
		}
		var total int64
		db.Model(&models.Membership{}).Where("org_id = ?", acme.ID).Count(&total)
		for _, sort := range []string{"added", "-added", "name", "-name", "seat", "-seat"} {
			got := ids(sort)
			seen := map[string]bool{}
			for _, id := range got {
				if seen[id] {
					t.Errorf("sort=%s: member %s on two pages", sort, id)
				}
				seen[id] = true
			}
			if int64(len(got)) != total {
				t.Errorf("sort=%s: %d members over the pages, want %d", sort, len(got), total)
			}
		}
		res := c.get(base + "?sort=name")
		if n := names(res.body); len(n) == 0 || !slices.IsSorted(n) {
			t.Errorf("sort=name: not by name: %v", n)
		}
		if !strings.Contains(res.body, `<option value="name" selected>Name, A to Z</option>`) {
			t.Error("the select does not show the order")
		}
		res = c.get(base + "?sort=-name")
		n := names(res.body)
		if len(n) == 0 || !slices.IsSortedFunc(n, func(a, b string) int { return strings.Compare(b, a) }) {
			t.Errorf("sort=-name: not by name descending: %v", n)
		}
		// Namesakes in id order, ascending and descending.
		var namesakes []string
		db.Model(&models.Membership{}).Joins("JOIN users ON users.id = memberships.user_id").
			Where("users.name = 'Nora Namesake'").Order("memberships.id").Pluck("memberships.id", &namesakes)
		res = c.get(base + "?sort=name&q=namesake")
		if got := rowIDRe.FindAllStringSubmatch(res.body, -1); len(got) != 5 || got[0][1] != namesakes[0] || got[4][1] != namesakes[4] {
			t.Errorf("namesakes by name: %v, want %v", got, namesakes)
		}
		res = c.get(base + "?sort=-name&q=namesake")
		if got := rowIDRe.FindAllStringSubmatch(res.body, -1); len(got) != 5 || got[0][1] != namesakes[4] {
			t.Errorf("namesakes by name descending: %v, want %v reversed", got, namesakes)
		}
		// By seat type: Unassigned first, then last.
		res = c.get(base + "?sort=seat")
		if first := between(res.body, `data-testid="member-row"`, `</tr>`); strings.Contains(first, `value="enterprise" selected`) {
			t.Error("sort=seat: an Enterprise seat comes before Unassigned")
		}
		res = c.get(base + "?sort=-seat&page=2")
		if rows := rowIDRe.FindAllString(res.body, -1); len(rows) == 0 {
			t.Fatal("sort=-seat page 2: no rows")
		}
		// Newest first: the last added comes first.
		res = c.get(base + "?sort=-added")
		if got := rowIDRe.FindStringSubmatch(res.body); got == nil || got[1] != namesakes[4] {
			t.Errorf("sort=-added: first row %v, want %s", got, namesakes[4])
		}
		// The pagination keeps the order and the filters.
		if !strings.Contains(res.body, `href="/orgs/acme/settings/organization?page=2&amp;sort=-added"`) {
			t.Error("the next page loses the order")
		}
		// An unknown order: a message in the user's language, nothing else.
		for lang, msg := range map[string]string{"en": "That sort order does not exist.", "it": "Questo ordinamento non esiste.",
			"fr": "Cet ordre de tri n&#39;existe pas."} {
			c.lang = lang
			res = c.get(base + "?sort=age")
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, msg) || strings.Contains(res.body, `data-testid="member-row"`) {
				t.Errorf("%s: unknown sort: %d, message %v", lang, res.status, strings.Contains(res.body, msg))
			}
		}
		c.lang = "en"
		// The status filter offers those waiting for a seat; the form
		// has a labelled select for the order.
		res = c.get(base)
		for _, want := range []string{`<option value="pending">Waiting for a seat</option>`, `<label for="sort">Sort by</label>`,
			`<select id="sort" name="sort"`, `<option value="added" selected>`} {
			if !strings.Contains(res.body, want) {
				t.Errorf("the filters lack %q", want)
			}
		}
	})
}

// TestMembersExport: the CSV of the members as filtered and sorted, with
// headers and labels in the user's language, streamed, safe in a
// spreadsheet, and only for the organization's own viewers.
func TestMembersExport(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		addMembers(t, db, "Extra Person", 3)
		var acme models.Organization
		db.Take(&acme, "slug = 'acme'")
		evil := models.User{Email: "evil@acme.example", Name: "=HYPERLINK(\"http://x.example\")", PasswordHash: "x"}
		db.Create(&evil)
		db.Create(&models.Membership{OrgID: acme.ID, UserID: evil.ID, Role: models.RoleMember, Status: models.StatusPending, Source: models.SourceSCIM})
		c := h.login("admin@acme.example")
		base := "/orgs/acme/settings/organization"
		res := c.get(base + "/members.csv")
		if res.status != http.StatusOK || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") ||
			res.header.Get("Content-Disposition") != `attachment; filename="members-acme-2026-11-21.csv"` {
			t.Fatalf("export: %d %v", res.status, res.header)
		}
		recs := readCSV(t, res.body)
		if want := []string{"Name", "Email", "Role", "Seat type", "Status", "Source", "Added on"}; !slices.Equal(recs[0], want) {
			t.Errorf("header %v, want %v", recs[0], want)
		}
		var total int64
		db.Model(&models.Membership{}).Where("org_id = ?", acme.ID).Count(&total)
		if int64(len(recs)-1) != total {
			t.Errorf("%d rows, want %d", len(recs)-1, total)
		}
		byEmail := map[string][]string{}
		for _, r := range recs[1:] {
			byEmail[r[1]] = r
		}
		if got := byEmail["admin@acme.example"]; !slices.Equal(got[2:6], []string{"Admin", "Enterprise seat", "Active", "Invitation"}) ||
			!regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`).MatchString(got[6]) {
			t.Errorf("admin row %v", got)
		}
		if got := byEmail["extra.person00@acme.example"]; got == nil || got[3] != "Unassigned" {
			t.Errorf("unassigned row %v", got)
		}
		if got := byEmail["evil@acme.example"]; got == nil || got[0] != `'=HYPERLINK("http://x.example")` || got[4] != "Waiting for a seat" {
			t.Errorf("a formula is not escaped: %v", got)
		}
		// The filters and the order of the page.
		res = c.get(base + "/members.csv?q=extra+person&seat=unassigned&sort=-name")
		recs = readCSV(t, res.body)
		if len(recs) != 4 || recs[1][0] != "Extra Person 02" || recs[3][0] != "Extra Person 00" {
			t.Errorf("filtered and sorted: %v", recs)
		}
		res = c.get(base + "/members.csv?q=nobody-matches")
		if recs = readCSV(t, res.body); len(recs) != 1 {
			t.Errorf("no match: %v", recs)
		}
		// Headers and labels in Italian and French.
		for lang, want := range map[string][]string{
			"it": {"Nome", "Email", "Ruolo", "Tipo di posto", "Stato", "Origine", "Aggiunto il"},
			"fr": {"Nom", "E-mail", "Rôle", "Type de siège", "Statut", "Origine", "Ajouté le"},
		} {
			c.lang = lang
			recs = readCSV(t, c.get(base+"/members.csv?q=admin%40acme").body)
			if len(recs) != 2 || !slices.Equal(recs[0], want) {
				t.Errorf("%s: %v", lang, recs)
			}
			if lang == "it" && recs[1][2] != "Amministratore" {
				t.Errorf("it: role %q", recs[1][2])
			}
			if lang == "fr" && recs[1][2] != "Administrateur" {
				t.Errorf("fr: role %q", recs[1][2])
			}
		}
		c.lang = "en"
		// The link on the page carries the filters and the order.
		page := c.get(base + "?q=extra&sort=name")
		if !strings.Contains(page.body, `href="/orgs/acme/settings/organization/members.csv?q=extra&amp;sort=name"`) {
			t.Error("the export link does not carry the filters")
		}
		frag := c.get(base+"/members?status=active", "HX-Request", "true")
		if !strings.Contains(frag.body, `id="members-export"`) || !strings.Contains(frag.body, `members.csv?status=active"`) {
			t.Error("the htmx answer does not update the export link")
		}
		// An invalid filter: refused before anything is sent.
		if res = c.get(base + "/members.csv?sort=bogus"); res.status != http.StatusUnprocessableEntity || strings.Contains(res.header.Get("Content-Type"), "csv") {
			t.Errorf("invalid filter: %d %s", res.status, res.header.Get("Content-Type"))
		}
		// Another organization's admin cannot export acme; a Member cannot.
		other := h.login("admin@bottega.example")
		if res = other.get(base + "/members.csv"); res.status != http.StatusNotFound || strings.Contains(res.body, "acme.example") {
			t.Errorf("another organization: %d", res.status)
		}
		m := h.login("member@acme.example")
		if res = m.get(base + "/members.csv"); res.status != http.StatusForbidden || strings.Contains(res.body, "admin@acme.example") {
			t.Errorf("a Member: %d", res.status)
		}
	})
}

// TestNoJSMessages: without JavaScript, every change that redirects leaves
// its message for the next page, shown once, by kind (a success as a
// status, a warning as an alert).
func TestNoJSMessages(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		// No SMTP server listens there: every email fails.
		m, err := mailer.New("smtp://127.0.0.1:1?tls=none", "seatdesk@example.test", slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		h = serveDB(t, db, h.s.Clock, m)
		owner := h.login("owner@acme.example")
		orgPath := "/orgs/acme/settings/organization"
		member := mid(t, db, "member@acme.example")
		follow := func(name string, c *client, res response, kind, want string) {
			t.Helper()
			if res.status != http.StatusSeeOther {
				t.Fatalf("%s: status %d: %.300s", name, res.status, res.body)
			}
			page := c.get(res.header.Get("Location"))
			region := between(page.body, `data-testid="flash"`, `<h1`)
			if !strings.Contains(region, `data-testid="flash-`+kind+`"`) || !strings.Contains(region, want) {
				t.Errorf("%s: the page lacks the %s %q: %s", name, kind, want, region)
			}
			role := map[string]string{"success": `role="status"`, "warning": `role="alert"`}[kind]
			if !strings.Contains(region, role) {
				t.Errorf("%s: the %s is not in a %s region", name, kind, role)
			}
			if again := c.get(res.header.Get("Location")); strings.Contains(again.body, want) {
				t.Errorf("%s: the message is shown twice", name)
			}
		}
		// Seats.
		res := owner.post(orgPath+"/members/"+member+"/seat", url.Values{"from": {"enterprise"}, "to": {""}, "confirm": {"1"}})
		follow("seat", owner, res, "success", "The seat type of Mia Member is now Unassigned.")
		// Members: role, removal.
		res = owner.post(orgPath+"/members/"+member+"/role", url.Values{"from": {"member"}, "to": {"admin"}})
		follow("role", owner, res, "success", "The role of Mia Member is now Admin.")
		res = owner.post(orgPath+"/members/"+member+"/remove", url.Values{"confirm": {"1"}})
		follow("remove", owner, res, "success", "Mia Member was removed from the organization")
		// Invitations: sent, but the email could not be delivered.
		res = owner.post(orgPath+"/invite", url.Values{"email": {"new.person@example.com"}, "role": {"member"}, "seat": {"enterprise"}})
		follow("invite", owner, res, "warning", "The email to new.person@example.com could not be delivered right now")
		var inv models.Invitation
		db.Take(&inv, "email = ?", "new.person@example.com")
		res = owner.post(orgPath+"/invitations/"+fmt.Sprint(inv.ID)+"/revoke", nil)
		follow("revoke invitation", owner, res, "success", "The invitation to new.person@example.com is revoked")
		// Billing.
		res = owner.post("/orgs/acme/settings/billing/cancel", nil)
		follow("cancel plan", owner, res, "success", "The plan will be cancelled at the end of the term")
		res = owner.post("/orgs/acme/settings/billing/resume", nil)
		follow("resume plan", owner, res, "success", "The plan is resumed and will renew.")
		// Group mappings.
		prev := owner.post(orgPath+"/mappings/preview", url.Values{"op": {"add"}, "new_group": {"engineering"}, "new_seat": {"enterprise"}})
		token := between(prev.body, `name="token" value="`, `"`)
		if token == "" {
			t.Fatalf("mappings preview: %d %.300s", prev.status, prev.body)
		}
		res = owner.post(orgPath+"/mappings/save", url.Values{"group": {"engineering"}, "seat": {"enterprise"}, "token": {token}})
		follow("mappings", owner, res, "success", "Group mappings saved and applied.")
		// Single sign-on and provisioning tokens have their own tests
		// (TestSSOSettingsSave, TestSCIMTokensPage), as have the wait-list
		// (TestWaitlistPage) and seat purchases (TestBuySeats).
	})
}

// TestFlashesBounded: redirects never followed (a script, a closed tab) keep
// only the last messages, so the session never outgrows its encoding.
func TestFlashesBounded(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		owner := h.login("owner@acme.example")
		orgPath := "/orgs/acme/settings/organization"
		member := mid(t, db, "member@acme.example")
		var res response
		for i := range 40 {
			from, to := "enterprise", ""
			if i%2 == 1 {
				from, to = "", "enterprise"
			}
			res = owner.post(orgPath+"/members/"+member+"/seat", url.Values{"from": {from}, "to": {to}, "confirm": {"1"}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("change %d: status %d: %.300s", i, res.status, res.body)
			}
		}
		page := owner.get(res.header.Get("Location"))
		if n := strings.Count(page.body, `data-testid="flash-success"`); n != 5 {
			t.Errorf("%d messages shown after 40 changes, want the last 5", n)
		}
	})
}
