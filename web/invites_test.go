package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
	"github.com/seatdesk/seatdesk/web/mailer"
)

var linkRe = regexp.MustCompile(`http://127\.0\.0\.1/invitations/([A-Za-z0-9_-]+)`)

// withInbox serves the demo data with emails delivered to a real SMTP server.
func withInbox(t *testing.T, db *gorm.DB) (*harness, *inbox) {
	t.Helper()
	box := newInbox(t)
	m, err := mailer.New(box.url(), "seatdesk@example.test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, db)
	return serveDB(t, db, h.s.Clock, m), box
}

func reservedOf(t *testing.T, db *gorm.DB, slug string) int64 {
	return modeltest.MustCount(t, db, &models.Invitation{},
		"status = 'pending' AND org_id = (SELECT id FROM organizations WHERE slug = ?)", slug)
}

func TestInviteAndAccept(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h, box := withInbox(t, db)
		admin := h.login("admin@acme.example")
		admin.lang = "it"
		hx := []string{"HX-Request", "true"}
		base := "/orgs/acme/settings/organization"

		form := admin.get(base+"/invite", hx...)
		if !strings.Contains(form.body, `data-testid="invite-form"`) || strings.Contains(form.body, `value="owner"`) {
			t.Fatalf("invite form for an Admin: %s", form.body)
		}
		res := admin.post(base+"/invite", url.Values{"email": {"Nina.Nuova@Example.com"}, "role": {"member"}, "seat": {"enterprise"}}, hx...)
		if res.status != http.StatusOK || !strings.Contains(res.body, "Invito inviato a nina.nuova@example.com.") {
			t.Fatalf("invite: %d %s", res.status, res.body)
		}
		if !strings.Contains(res.body, `data-testid="reserved">1<`) || !strings.Contains(res.body, `data-testid="available">3<`) {
			t.Fatalf("the summary does not show the reserved seat: %s", res.body)
		}
		msg := box.last(t, "nina.nuova@example.com")
		if !strings.Contains(msg.Subject, "Adam Admin ti ha invitato a unirti a Acme Corp") || !strings.Contains(msg.Body, "Accetta l'invito") {
			t.Fatalf("the email is not in the inviter's language: %+v", msg)
		}
		token := linkRe.FindStringSubmatch(msg.Body)[1]
		var out models.OutboxMessage
		db.Last(&out)
		if out.SentAt == nil || out.ToAddr != "nina.nuova@example.com" {
			t.Fatalf("outbox = %+v", out)
		}

		// The invitee opens the link, sets a name and password, lands signed in.
		guest := h.anon()
		page := guest.get("/invitations/" + token)
		if page.status != 200 || !strings.Contains(page.body, "Join Acme Corp") {
			t.Fatalf("accept page: %d", page.status)
		}
		if bad := guest.post("/invitations/"+token, url.Values{"name": {"Nina"}, "password": {"short"}}); bad.status != 422 || !strings.Contains(bad.body, "at least 12 characters") {
			t.Fatalf("short password: %d", bad.status)
		}
		done := guest.post("/invitations/"+token, url.Values{"name": {"Nina Nuova"}, "password": {"nina-password-123"}})
		if done.status != http.StatusSeeOther || done.header.Get("Location") != "/orgs/acme" {
			t.Fatalf("accept: %d %q", done.status, done.header.Get("Location"))
		}
		home := guest.get("/orgs/acme")
		if home.status != 200 || !strings.Contains(home.body, "Your seat type: Enterprise seat") || !strings.Contains(home.body, "Nina Nuova") {
			t.Fatalf("the new member's home: %d", home.status)
		}
		if used := h.anon().get("/invitations/" + token); used.status != http.StatusGone || !strings.Contains(used.body, "already accepted") {
			t.Fatalf("used link: %d", used.status)
		}
		if p := h.anon().get("/invitations/not-a-real-token"); p.status != http.StatusGone || !strings.Contains(p.body, "not valid") {
			t.Fatalf("unknown link: %d", p.status)
		}
		if reservedOf(t, db, "acme") != 0 {
			t.Fatal("the accepted invitation still reserves a seat")
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestInviteWhenFull(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h, box := withInbox(t, db)
		owner := h.login("owner@acme.example")
		hx := []string{"HX-Request", "true"}
		base := "/orgs/acme/settings/organization"
		// The Owner fills the 4 free seats.
		for _, e := range []string{"a1@example.com", "a2@example.com", "a3@example.com", "a4@example.com"} {
			if res := owner.post(base+"/invite", url.Values{"email": {e}, "role": {"member"}, "seat": {"enterprise"}}, hx...); res.status != 200 {
				t.Fatalf("%s: %d", e, res.status)
			}
		}
		// Then is prompted to buy.
		res := owner.post(base+"/invite", url.Values{"email": {"a5@example.com"}, "role": {"admin"}, "seat": {"enterprise"}}, hx...)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "Buy 1 seat (Enterprise seat) for $522.74 and send the invitation") {
			t.Fatalf("no buy prompt: %d %s", res.status, res.body)
		}
		token := quoteRe.FindStringSubmatch(res.body)[1]
		bought := owner.post(base+"/invite/buy", url.Values{"email": {"a5@example.com"}, "role": {"admin"}, "seat": {"enterprise"}, "quote": {token}}, hx...)
		if bought.status != 200 || !strings.Contains(bought.body, "Invitation sent to a5@example.com.") {
			t.Fatalf("buy and invite: %d %s", bought.status, bought.body)
		}
		if purchased(t, db, "acme", "enterprise") != 26 || invoices(t, db) != 4 {
			t.Fatal("not bought once")
		}
		// Double click: one charge, one invitation.
		owner.post(base+"/invite/buy", url.Values{"email": {"a5@example.com"}, "role": {"admin"}, "seat": {"enterprise"}, "quote": {token}}, hx...)
		if purchased(t, db, "acme", "enterprise") != 26 || invoices(t, db) != 4 || reservedOf(t, db, "acme") != 5 {
			t.Fatal("the repeat charged or invited again")
		}
		box.last(t, "a5@example.com")

		// An Admin meets the same and invites as Unassigned instead.
		admin := h.login("admin@acme.example")
		res = admin.post(base+"/invite", url.Values{"email": {"a6@example.com"}, "role": {"member"}, "seat": {"enterprise"}}, hx...)
		if res.status != http.StatusConflict || !strings.Contains(res.body, "an Owner must buy one first") || strings.Contains(res.body, "buy-and-invite") {
			t.Fatalf("admin no-seat: %d %s", res.status, res.body)
		}
		res = admin.post(base+"/invite", url.Values{"email": {"a6@example.com"}, "role": {"member"}, "seat": {"enterprise"}, "unassigned": {"1"}}, hx...)
		if res.status != 200 || !strings.Contains(res.body, "Invitation sent to a6@example.com.") {
			t.Fatalf("invite as Unassigned: %d", res.status)
		}
		// An Admin cannot use the buy route.
		if res := admin.post(base+"/invite/buy", url.Values{"email": {"a7@example.com"}, "role": {"member"}, "seat": {"enterprise"}, "quote": {token}}); res.status != 403 {
			t.Fatalf("admin buy: %d", res.status)
		}
		// Revoking frees the seat.
		var inv models.Invitation
		db.Take(&inv, "email = ?", "a1@example.com")
		res = admin.post(base+"/invitations/"+strconv.FormatInt(inv.ID, 10)+"/revoke", nil, hx...)
		if res.status != 200 || !strings.Contains(res.body, "is revoked; its seat is available") || !strings.Contains(res.body, `data-testid="available">1<`) {
			t.Fatalf("revoke: %d %s", res.status, res.body)
		}
		if res := admin.post(base+"/invitations/"+strconv.FormatInt(inv.ID, 10)+"/revoke", nil, hx...); res.status != 404 {
			t.Fatalf("revoke twice: %d", res.status)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestInviteBadInput(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h, box := withInbox(t, db)
		admin := h.login("admin@bottega.example")
		admin.lang = "fr"
		hx := []string{"HX-Request", "true"}
		base := "/orgs/bottega/settings/organization"
		cases := []struct {
			form   url.Values
			status int
			msg    string
		}{
			{url.Values{"email": {""}, "role": {"member"}, "seat": {"chat"}}, 422, "Saisissez l&#39;adresse e-mail"},
			{url.Values{"email": {"not an email"}, "role": {"member"}, "seat": {"chat"}}, 422, "n&#39;est pas une adresse e-mail valide"},
			{url.Values{"email": {"a@b.com, c@d.com"}, "role": {"member"}, "seat": {"chat"}}, 422, "n&#39;est pas une adresse e-mail valide"},
			{url.Values{"email": {"Member@Bottega.example"}, "role": {"member"}, "seat": {"chat"}}, 422, "est déjà membre de cette organisation"},
			{url.Values{"email": {"x@example.com"}, "role": {"owner"}, "seat": {"chat"}}, 403, ""},
			{url.Values{"email": {"x@example.com"}, "role": {"primary_owner"}, "seat": {"chat"}}, 422, "Ce rôle ne peut pas être attribué ici."},
			{url.Values{"email": {"x@example.com"}, "role": {"member"}, "seat": {"enterprise"}}, 422, "Ce type de siège n&#39;existe pas"},
		}
		for _, c := range cases {
			res := admin.post(base+"/invite", c.form, hx...)
			if res.status != c.status || !strings.Contains(res.body, c.msg) {
				t.Errorf("%v: %d, lacks %q", c.form, res.status, c.msg)
			}
		}
		if res := admin.post(base+"/invite", url.Values{"email": {"dup@example.com"}, "role": {"member"}, "seat": {"chat"}}, hx...); res.status != 200 {
			t.Fatalf("first: %d", res.status)
		}
		if res := admin.post(base+"/invite", url.Values{"email": {"DUP@example.com"}, "role": {"member"}, "seat": {"chat"}}, hx...); res.status != 422 || !strings.Contains(res.body, "a déjà une invitation en attente") {
			t.Fatalf("twice: %d", res.status)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, ""); n != 1 {
			t.Fatalf("%d invitations", n)
		}
		if box.count() != 1 {
			t.Fatalf("%d emails sent", box.count())
		}
		member := h.login("member@bottega.example")
		if res := member.post(base+"/invite", url.Values{"email": {"m@example.com"}, "role": {"member"}}); res.status != 403 {
			t.Fatalf("a Member invites: %d", res.status)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}
