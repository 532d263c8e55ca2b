package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestPagesInEveryLanguage renders every page a role can open, in every
// language, and looks for missing translations and the seeds' wording.
func TestPagesInEveryLanguage(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		pages := []struct {
			email, path string
			status      int
			want        map[string][]string
		}{
			{"", "/login", 200, map[string][]string{"en": {"Sign in"}, "it": {"Accedi"}, "fr": {"Se connecter"}}},
			{"primary@acme.example", "/orgs/acme/settings/organization", 200, map[string][]string{
				"en": {"Organization settings", "Seats", "Seat type", "Enterprise seat", "Unassigned"},
				"it": {"Impostazioni organizzazione", "Posti", "Tipo di posto", "Posto Enterprise", "Non assegnato"},
				"fr": {"Paramètres de l&#39;organisation", "Sièges", "Type de siège", "Siège Enterprise", "Non assigné"}}},
			{"owner@acme.example", "/orgs/acme/settings/billing", 200, map[string][]string{
				"en": {"Billing", "$60.00", "$18,000.00", "Self-serve"},
				"it": {"Fatturazione", "60,00\u00a0USD", "18.000,00\u00a0USD", "Self-serve"},
				"fr": {"Facturation", "60,00\u00a0$US", "18\u202f000,00\u00a0$US", "Libre-service"}}},
			{"owner@bottega.example", "/orgs/bottega/settings/billing", 200, map[string][]string{
				"en": {"Chat + Claude Code", "€45.00", "€20.00"},
				"it": {"Chat + Claude Code", "45,00\u00a0€"},
				"fr": {"Chat + Claude Code", "45,00\u00a0€"}}},
			{"primary@maison.example", "/orgs/maison/settings/billing", 200, map[string][]string{
				"en": {"Sales-assisted", "contact your account manager", "Standard", "Premium"},
				"it": {"Assistito da vendite", "account manager"},
				"fr": {"Assisté par les ventes", "gestionnaire de compte"}}},
			{"member@acme.example", "/orgs/acme", 200, map[string][]string{
				"en": {"Your access · Acme Corp · Seatdesk", "Your seat type: Enterprise seat", "To get a seat or change your access, contact:"},
				"it": {"Il tuo accesso · Acme Corp · Seatdesk", "Il tuo tipo di posto: Posto Enterprise", "Per avere un posto o cambiare il tuo accesso, contatta:"},
				"fr": {"Votre accès · Acme Corp · Seatdesk", "Votre type de siège : Siège Enterprise", "Pour obtenir un siège ou modifier votre accès, contactez :"}}},
			{"member@acme.example", "/orgs/acme/settings/organization", 403, map[string][]string{
				"en": {"for the Admin role"}, "it": {"riservata al ruolo Amministratore"}, "fr": {"réservée au rôle Administrateur"}}},
			{"admin@acme.example", "/orgs/acme/settings/billing", 403, map[string][]string{
				"en": {"for the Owner role"}, "it": {"riservata al ruolo Proprietario"}, "fr": {"réservée au rôle Propriétaire"}}},
			{"admin@acme.example", "/orgs/acme/settings/nothing", 404, nil},
			{"admin@acme.example", "/orgs/bottega/settings/organization", 404, map[string][]string{
				"en": {"Page not found"}, "it": {"Pagina non trovata"}, "fr": {"Page introuvable"}}},
		}
		for _, lang := range locales.Languages {
			for _, p := range pages {
				t.Run(fmt.Sprintf("%s%s/%s", p.email, p.path, lang), func(t *testing.T) {
					c := h.anon()
					if p.email != "" {
						c = h.login(p.email)
					}
					c.lang = lang
					res := c.get(p.path)
					if res.status != p.status {
						t.Fatalf("status %d, want %d", res.status, p.status)
					}
					if res.status == http.StatusNotFound && p.want == nil {
						return // the mux's own 404 for an unknown path
					}
					if strings.Contains(res.body, locales.MissingMarker) {
						t.Fatalf("missing translation: %s", regexp.MustCompile(`⟦[^⟧]*⟧`).FindAllString(res.body, -1))
					}
					if !strings.Contains(res.body, `<html lang="`+lang+`"`) {
						t.Errorf("html lang is not %s", lang)
					}
					for _, w := range p.want[lang] {
						if !strings.Contains(res.body, w) {
							t.Errorf("page lacks %q", w)
						}
					}
				})
			}
		}
	})
}

func TestLanguageChoice(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.anon()
		c.lang = "fr-FR,fr;q=0.9"
		if res := c.get("/login"); !strings.Contains(res.body, `lang="fr"`) {
			t.Fatal("Accept-Language fr was not followed")
		}
		// ?lang= wins over Accept-Language and is remembered.
		if res := c.get("/login?lang=it"); !strings.Contains(res.body, `<html lang="it"`) {
			t.Fatal("?lang=it was not followed")
		}
		if res := c.get("/login"); !strings.Contains(res.body, `<html lang="it"`) {
			t.Fatal("the language choice was not remembered")
		}
		// An unsupported choice falls back without error.
		if res := c.get("/login?lang=xx"); res.status != http.StatusOK || !strings.Contains(res.body, `<html lang="it"`) {
			t.Fatalf("?lang=xx: %d", res.status)
		}
		// The switcher links keep the page and its query.
		res := h.login("admin@acme.example").get("/orgs/acme/settings/organization?q=rossi")
		if !strings.Contains(res.body, `href="/orgs/acme/settings/organization?lang=fr&amp;q=rossi"`) {
			t.Fatal("the language switcher does not keep the page")
		}
	})
}

var rowRe = regexp.MustCompile(`data-testid="member-row"`)

func TestMembersTable(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		var acme models.Organization
		db.Take(&acme, "slug = 'acme'")
		// 60 more Unassigned members, so that the table has two pages.
		for i := range 60 {
			u := models.User{Email: fmt.Sprintf("extra%02d@acme.example", i), Name: fmt.Sprintf("Extra Person %02d", i), PasswordHash: "x"}
			db.Create(&u)
			db.Create(&models.Membership{OrgID: acme.ID, UserID: u.ID, Role: models.RoleMember, Status: models.StatusActive, Source: models.SourceInvitation})
		}
		c := h.login("admin@acme.example")
		base := "/orgs/acme/settings/organization"
		cases := []struct {
			query  string
			status int
			rows   int
			want   []string
			not    []string
		}{
			{"", 200, 50, []string{"Showing 1–50 of 84 members", "Page 1 of 2", `rel="next"`}, []string{`rel="prev"`}},
			{"?page=2", 200, 34, []string{"Showing 51–84 of 84 members", `rel="prev"`}, []string{`rel="next"`}},
			{"?page=9", 200, 34, []string{"Showing 51–84 of 84 members", "Page 2 of 2"}, nil},
			{"?q=ROSSI", 200, -1, []string{"Giulia Rossi"}, []string{"Mia Member"}},
			{"?q=member%40acme", 200, 1, []string{"Mia Member", "Showing 1–1 of 1 member<"}, nil},
			{"?q=%25", 200, 0, []string{"No members match."}, nil},
			{"?q=_", 200, 0, nil, nil},
			{"?seat=unassigned", 200, 50, []string{"of 63 members"}, []string{"Mia Member"}},
			// Each word on its own, in any order: 00–09 and 10, 20, … 50.
			{"?seat=unassigned&q=person+extra+0", 200, 15, []string{"of 15 members"}, nil},
			{"?seat=unassigned&q=extra+person+0", 200, 15, []string{"of 15 members"}, nil},
			{"?q=rossi+zzz", 200, 0, []string{"No members match."}, nil},
			{"?seat=enterprise", 200, 21, []string{"Mia Member"}, nil},
			{"?status=pending", 200, 0, []string{"No members match."}, nil},
			{"?seat=chat_code", 422, 0, []string{"That seat type does not exist on your plan."}, nil},
			{"?status=bogus", 422, 0, []string{"That status does not exist."}, nil},
			{"?page=0", 422, 0, []string{"The page number must be a whole number"}, nil},
			{"?page=abc", 422, 0, []string{"The page number must be a whole number"}, nil},
			{"?q=" + strings.Repeat("a", 201), 422, 0, []string{"at most 200 characters"}, nil},
		}
		for _, tc := range cases {
			t.Run(tc.query, func(t *testing.T) {
				res := c.get(base + tc.query)
				if res.status != tc.status {
					t.Fatalf("status %d, want %d", res.status, tc.status)
				}
				if n := len(rowRe.FindAllString(res.body, -1)); tc.rows >= 0 && n != tc.rows {
					t.Errorf("%d rows, want %d", n, tc.rows)
				}
				for _, w := range tc.want {
					if !strings.Contains(res.body, w) {
						t.Errorf("lacks %q", w)
					}
				}
				for _, w := range tc.not {
					if strings.Contains(res.body, w) {
						t.Errorf("has %q", w)
					}
				}
				if !strings.Contains(res.body, `data-testid="seat-summary-enterprise"`) {
					t.Error("the page lost its seat summary")
				}
			})
		}
	})
}

func TestMembersFragment(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		c := h.login("admin@bottega.example")
		res := c.get("/orgs/bottega/settings/organization/members?seat=chat_code&q=a", "HX-Request", "true")
		if res.status != http.StatusOK {
			t.Fatalf("status %d", res.status)
		}
		if strings.Contains(res.body, "<html") || !strings.HasPrefix(res.body, `<div id="members"`) {
			t.Fatalf("not a fragment: %.200s", res.body)
		}
		if got := res.header.Get("HX-Push-Url"); got != "/orgs/bottega/settings/organization?q=a&seat=chat_code" {
			t.Errorf("HX-Push-Url = %q", got)
		}
		typed := c.get("/orgs/bottega/settings/organization/members?q=ab", "HX-Request", "true", "HX-Source", "input#q")
		if got := typed.header.Get("HX-Replace-Url"); got != "/orgs/bottega/settings/organization?q=ab" || typed.header.Get("HX-Push-Url") != "" {
			t.Errorf("typing: HX-Replace-Url = %q", got)
		}
		if !strings.Contains(res.body, `id="language-switcher"`) || !strings.Contains(res.body, `hx-swap-oob="true"`) ||
			!strings.Contains(res.body, `href="/orgs/bottega/settings/organization?lang=it&amp;q=a&amp;seat=chat_code"`) {
			t.Error("the language links do not follow the new URL")
		}
		if !strings.Contains(strings.Join(res.header.Values("Vary"), ","), "HX-Request") {
			t.Error("no Vary: HX-Request")
		}
		// An htmx request that is refused gets a fragment, not a page.
		m := h.login("member@bottega.example")
		res = m.get("/orgs/bottega/settings/organization/members", "HX-Request", "true")
		if res.status != http.StatusForbidden || strings.Contains(res.body, "<html") || !strings.Contains(res.body, "error-403") {
			t.Fatalf("refused fragment: %d %.200s", res.status, res.body)
		}
	})
}

// TestOrganizationPicker: a user of several organizations picks one; the
// URL carries the slug.
func TestOrganizationPicker(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		var u models.User
		var bottega models.Organization
		db.Take(&u, "email = ?", "admin@acme.example")
		db.Take(&bottega, "slug = ?", "bottega")
		db.Create(&models.Membership{OrgID: bottega.ID, UserID: u.ID, Role: models.RoleMember, Status: models.StatusActive, Source: models.SourceInvitation})
		c := h.login("admin@acme.example")
		c.lang = "it"
		res := c.get("/")
		if res.status != http.StatusOK || !strings.Contains(res.body, "Scegli un&#39;organizzazione") {
			t.Fatalf("picker: %d", res.status)
		}
		for _, w := range []string{`href="/orgs/acme"`, `href="/orgs/bottega"`, "Amministratore", "Membro"} {
			if !strings.Contains(res.body, w) {
				t.Errorf("picker lacks %q", w)
			}
		}
		if res := c.get("/orgs/bottega"); res.status != http.StatusOK || !strings.Contains(res.body, "member-home") {
			t.Errorf("bottega as a member: %d", res.status)
		}
		if res := c.get("/orgs/acme"); res.status != http.StatusSeeOther || res.header.Get("Location") != "/orgs/acme/settings/organization" {
			t.Errorf("acme as an admin: %d %q", res.status, res.header.Get("Location"))
		}
	})
}

// TestPageFrame: a member's home names the people who manage the
// organization, Primary Owner first; "Switch organization" shows only to
// people in several organizations.
func TestPageFrame(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		home := h.login("member@acme.example").get("/orgs/acme")
		if home.status != http.StatusOK {
			t.Fatalf("member home: %d", home.status)
		}
		primary, owner, admin := strings.Index(home.body, "mailto:primary@acme.example"),
			strings.Index(home.body, "mailto:owner@acme.example"), strings.Index(home.body, "mailto:admin@acme.example")
		if primary < 0 || owner < primary || admin < owner {
			t.Errorf("contacts in order Primary Owner, Owner, Admin: %d %d %d", primary, owner, admin)
		}
		if strings.Contains(home.body, "mailto:member@acme.example") {
			t.Error("a Member is named as a contact")
		}
		if strings.Contains(home.body, `class="switch-org"`) {
			t.Error("Switch organization shown to someone in one organization")
		}
		var u models.User
		var bottega models.Organization
		db.Take(&u, "email = ?", "admin@acme.example")
		db.Take(&bottega, "slug = ?", "bottega")
		db.Create(&models.Membership{OrgID: bottega.ID, UserID: u.ID, Role: models.RoleMember, Status: models.StatusActive, Source: models.SourceInvitation})
		page := h.login("admin@acme.example").get("/orgs/acme/settings/organization")
		if page.status != http.StatusOK || !strings.Contains(page.body, `class="switch-org"`) {
			t.Errorf("Switch organization for someone in two organizations: %d", page.status)
		}
	})
}
