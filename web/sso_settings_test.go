package web

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"
	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// Organization settings › Organization › Single sign-on, on both databases:
// who may save and test, the secret sealed and never shown, errors next to
// their field in the user's language, Test connection against a real
// discovery document and a closed port.

const ssoPage = "/orgs/acme/settings/organization"

// ssoSecret is a client secret that no page may ever contain.
const ssoSecret = "s3cret-never-shown-7f1c9e"

func ssoForm(issuer, clientID, secret, domains string) url.Values {
	return url.Values{"issuer": {issuer}, "client_id": {clientID}, "client_secret": {secret}, "domains": {domains},
		"groups_claim": {"groups"}}
}

func ssoConfig(t *testing.T, db *gorm.DB, slug string) (models.SSOConfig, bool) {
	t.Helper()
	org, err := models.OrgBySlug(context.Background(), db, slug)
	if err != nil {
		t.Fatal(err)
	}
	var cfg models.SSOConfig
	if err := db.Where("org_id = ?", org.ID).Limit(1).Find(&cfg).Error; err != nil {
		t.Fatal(err)
	}
	return cfg, cfg.OrgID != 0
}

// closedPort is an address on this machine where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func noSecret(t *testing.T, what string, res response) {
	t.Helper()
	if strings.Contains(res.body, ssoSecret) {
		t.Fatalf("%s: the page contains the client secret", what)
	}
}

func TestSSOSettingsSave(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		for i, who := range []string{"owner@acme.example", "primary@acme.example"} {
			c := h.login(who)
			// The form and the redirect URI; before the first save, no secret is stored.
			page := c.get(ssoPage)
			hint := "Never shown again once saved."
			if i > 0 {
				hint = "Stored; leave empty to keep it."
			}
			if page.status != http.StatusOK || !strings.Contains(page.body, `data-testid="sso-settings-form"`) ||
				!strings.Contains(page.body, "http://127.0.0.1/sso/callback") || !strings.Contains(page.body, hint) {
				t.Fatalf("%s: page %d %.300s", who, page.status, page.body)
			}
			// A form post without JavaScript: 303 to the page with a confirmation.
			res := c.post(ssoPage+"/sso", ssoForm("https://login.acme.example/", "seatdesk", ssoSecret, "acme-sso.example, Acme-SSO2.example"))
			if res.status != http.StatusSeeOther || res.header.Get("Location") != ssoPage {
				t.Fatalf("%s: save %d %q %.300s", who, res.status, res.header.Get("Location"), res.body)
			}
			cfg, ok := ssoConfig(t, db, "acme")
			if !ok || cfg.Issuer != "https://login.acme.example" || cfg.ClientID != "seatdesk" || cfg.GroupsClaim != "groups" || cfg.RequireSSO {
				t.Fatalf("%s: stored %+v", who, cfg)
			}
			// The secret is sealed: the database holds no trace of it, and it opens with the key.
			if cfg.ClientSecretEnc == "" || strings.Contains(cfg.ClientSecretEnc, ssoSecret) {
				t.Fatalf("%s: the secret is stored as %q", who, cfg.ClientSecretEnc)
			}
			if plain, err := h.s.Sealer.Open(cfg.ClientSecretEnc); err != nil || plain != ssoSecret {
				t.Fatalf("%s: the sealed secret opens to %q, %v", who, plain, err)
			}
			if n := modeltest.MustCount(t, db, &models.SSODomain{}, "org_id = ?", cfg.OrgID); n != 2 {
				t.Fatalf("%s: %d domains", who, n)
			}
			page = c.get(res.header.Get("Location"))
			noSecret(t, who+": page after saving", page)
			for _, want := range []string{`data-testid="flash-success"`, "Single sign-on saved.", `value="https://login.acme.example"`,
				`value="acme-sso.example, acme-sso2.example"`, "Stored; leave empty to keep it.", `name="client_secret" type="password" maxlength="1000" autocomplete="new-password" value=""`} {
				if !strings.Contains(page.body, want) {
					t.Fatalf("%s: the page lacks %q: %.2000s", who, want, page.body)
				}
			}
			// Saved again with the secret field empty: the stored secret stays.
			// With htmx the section comes back in place.
			form := ssoForm("https://login.acme.example", "seatdesk-2", "", "acme-sso.example")
			form.Set("require_sso", "on")
			res = c.post(ssoPage+"/sso", form, "HX-Request", "true")
			if res.status != http.StatusOK || !strings.HasPrefix(res.body, `<section id="sso"`) || strings.Contains(res.body, "<html") ||
				!strings.Contains(res.body, "Single sign-on saved.") || !strings.Contains(res.body, `value="seatdesk-2"`) {
				t.Fatalf("%s: htmx save %d %.500s", who, res.status, res.body)
			}
			noSecret(t, who+": htmx answer", res)
			again, _ := ssoConfig(t, db, "acme")
			if plain, err := h.s.Sealer.Open(again.ClientSecretEnc); err != nil || plain != ssoSecret || !again.RequireSSO || again.ClientID != "seatdesk-2" {
				t.Fatalf("%s: after saving with an empty secret: %+v (%q, %v)", who, again, plain, err)
			}
			// A new secret replaces it.
			res = c.post(ssoPage+"/sso", ssoForm("https://login.acme.example", "seatdesk", "another-secret", "acme-sso.example"))
			again, _ = ssoConfig(t, db, "acme")
			if plain, _ := h.s.Sealer.Open(again.ClientSecretEnc); res.status != http.StatusSeeOther || plain != "another-secret" {
				t.Fatalf("%s: new secret %d %q", who, res.status, plain)
			}
			// Put the first one back for the next role.
			c.post(ssoPage+"/sso", ssoForm("https://login.acme.example", "seatdesk", ssoSecret, "acme-sso.example"))
		}
		var n int64
		db.Model(&models.AuditEvent{}).Where("action = ?", "sso.saved").Count(&n)
		if n != 8 {
			t.Fatalf("%d audit events for 8 saves", n)
		}
	})
}

func TestSSOSettingsAdminReadOnly(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		admin := h.login("admin@acme.example")
		// Nothing configured: the Admin is told so, and sees no form.
		page := admin.get(ssoPage)
		if page.status != http.StatusOK || !strings.Contains(page.body, `data-testid="sso-not-configured"`) || strings.Contains(page.body, `data-testid="sso-settings-form"`) {
			t.Fatalf("admin, not configured: %d", page.status)
		}
		owner := h.login("owner@acme.example")
		if res := owner.post(ssoPage+"/sso", ssoForm("https://login.acme.example", "seatdesk", ssoSecret, "acme-sso.example")); res.status != http.StatusSeeOther {
			t.Fatalf("owner save: %d %.300s", res.status, res.body)
		}
		before, _ := ssoConfig(t, db, "acme")
		// The Admin sees the values, read-only: no secret, no buttons.
		page = admin.get(ssoPage)
		noSecret(t, "admin page", page)
		for _, want := range []string{`data-testid="sso-values"`, "https://login.acme.example", "acme-sso.example", "http://127.0.0.1/sso/callback",
			"Only Owners and the Primary Owner can change single sign-on."} {
			if !strings.Contains(page.body, want) {
				t.Fatalf("admin page lacks %q", want)
			}
		}
		for _, not := range []string{`data-testid="sso-settings-form"`, `name="client_secret"`, `data-testid="sso-save"`, `data-testid="sso-test"`, "Test connection"} {
			if strings.Contains(page.body, not) {
				t.Fatalf("admin page shows %q", not)
			}
		}
		// The server refuses the Admin's posts, with and without htmx.
		for _, path := range []string{"/sso", "/sso/test"} {
			for _, hx := range []bool{false, true} {
				var headers []string
				if hx {
					headers = []string{"HX-Request", "true"}
				}
				res := admin.post(ssoPage+path, ssoForm("https://evil.example", "x", "y", "evil.example"), headers...)
				if res.status != http.StatusForbidden || !strings.Contains(res.body, "for the Owner role") {
					t.Fatalf("admin POST %s (htmx %v): %d %.300s", path, hx, res.status, res.body)
				}
			}
		}
		after, _ := ssoConfig(t, db, "acme")
		if after.Issuer != before.Issuer || after.ClientSecretEnc != before.ClientSecretEnc || after.ClientID != before.ClientID {
			t.Fatalf("an Admin changed single sign-on: %+v", after)
		}
		// A Member does not even see the page.
		if res := h.login("member@acme.example").post(ssoPage+"/sso", ssoForm("https://evil.example", "x", "y", "evil.example")); res.status != http.StatusForbidden {
			t.Fatalf("member POST: %d", res.status)
		}
	})
}

func TestSSOSettingsInvalid(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		// bottega signs in with bottega-sso.example already.
		bottega, _ := models.OrgBySlug(context.Background(), db, "bottega")
		if err := models.SaveSSO(context.Background(), db, h.s.Sealer, models.SystemActor(bottega, "operator"), models.SSOInput{
			Issuer: "https://login.bottega.example", ClientID: "b", ClientSecret: "b-secret", Domains: "bottega-sso.example"}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name, lang string
			htmx       bool
			form       url.Values
			field      string
			message    string
		}{
			{"issuer not https", "en", false, ssoForm("http://login.acme.example", "seatdesk", ssoSecret, "acme-sso.example"),
				"issuer", "The issuer URL must use https"},
			{"issuer not a URL", "it", true, ssoForm("not a url", "seatdesk", ssoSecret, "acme-sso.example"),
				"issuer", "Inserisci l&#39;URL dell&#39;issuer"},
			{"domain of another organization", "en", true, ssoForm("https://login.acme.example", "seatdesk", ssoSecret, "acme-sso.example, bottega-sso.example"),
				"domains", "The domain bottega-sso.example already signs in to another organization."},
			{"domain of another organization, in French", "fr", false, ssoForm("https://login.acme.example", "seatdesk", ssoSecret, "bottega-sso.example"),
				"domains", "Le domaine bottega-sso.example se connecte déjà à une autre organisation."},
			{"not a domain", "en", false, ssoForm("https://login.acme.example", "seatdesk", ssoSecret, "acme sso.example, @@"),
				"domains", "is not an email domain"},
			{"no client ID", "en", true, ssoForm("https://login.acme.example", " ", ssoSecret, "acme-sso.example"),
				"client_id", "Enter the client ID"},
			{"empty secret on the first save", "en", false, ssoForm("https://login.acme.example", "seatdesk", "", "acme-sso.example"),
				"client_secret", "Enter the client secret, 1,000 characters at most."},
			{"empty secret on the first save, htmx, Italian", "it", true, ssoForm("https://login.acme.example", "seatdesk", "", "acme-sso.example"),
				"client_secret", "Inserisci il client secret, al massimo 1.000 caratteri."},
		}
		owner := h.login("owner@acme.example")
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				owner.lang = tc.lang
				var headers []string
				if tc.htmx {
					headers = []string{"HX-Request", "true"}
				}
				res := owner.post(ssoPage+"/sso", tc.form, headers...)
				if res.status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422: %.300s", res.status, res.body)
				}
				noSecret(t, tc.name, res)
				// The message sits next to its field, which says it is invalid.
				errID := `id="sso-` + tc.field + `-error"`
				at := strings.Index(res.body, errID)
				if at < 0 || !strings.Contains(res.body[at:], tc.message) {
					t.Fatalf("no %q next to %s: %.3000s", tc.message, tc.field, res.body)
				}
				if !strings.Contains(res.body, `aria-invalid="true" aria-describedby="`) || !strings.Contains(res.body, "sso-"+tc.field+"-error\"") {
					t.Fatalf("the %s field is not marked invalid", tc.field)
				}
				// What was typed is still there (but the secret).
				if !strings.Contains(res.body, `value="`+strings.TrimSpace(tc.form.Get("client_id"))) {
					t.Fatalf("the form lost what was typed")
				}
				if tc.htmx != !strings.Contains(res.body, "<html") {
					t.Fatalf("htmx %v: full page %v", tc.htmx, strings.Contains(res.body, "<html"))
				}
				if _, ok := ssoConfig(t, db, "acme"); ok {
					t.Fatal("invalid input was stored")
				}
				if n := modeltest.MustCount(t, db, &models.SSODomain{}, "domain = ?", "bottega-sso.example"); n != 1 {
					t.Fatal("bottega's domain changed")
				}
			})
		}
	})
}

func TestSSOSettingsTestConnection(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		idp, err := mockoidc.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = idp.Shutdown() })
		h := newHarness(t, db)
		owner := h.login("owner@acme.example")
		// With htmx only the result comes back; the issuer typed is the one tested.
		res := owner.post(ssoPage+"/sso/test", ssoForm(idp.Issuer(), "", ssoSecret, ""), "HX-Request", "true")
		if res.status != http.StatusOK || !strings.HasPrefix(res.body, `<div id="sso-test"`) || !strings.Contains(res.body, `class="alert ok" role="status"`) ||
			!strings.Contains(res.body, "The identity provider answered.") || !strings.Contains(res.body, idp.AuthorizationEndpoint()) ||
			!strings.Contains(res.body, idp.TokenEndpoint()) {
			t.Fatalf("test against mockoidc: %d %.600s", res.status, res.body)
		}
		noSecret(t, "test answer", res)
		// A closed port: what is wrong, in the user's language.
		closed := "http://" + closedPort(t) + "/oidc"
		owner.lang = "fr"
		res = owner.post(ssoPage+"/sso/test", ssoForm(closed, "", "", ""), "HX-Request", "true")
		if res.status != http.StatusOK || !strings.Contains(res.body, `class="alert error" role="alert"`) ||
			!strings.Contains(res.body, "Le document de découverte n’a pas pu être lu") || !strings.Contains(res.body, "connection refused") {
			t.Fatalf("test against a closed port: %d %.600s", res.status, res.body)
		}
		// An issuer that is not https: the rule, before anything is fetched.
		owner.lang = "en"
		res = owner.post(ssoPage+"/sso/test", ssoForm("http://login.acme.example", "", "", ""), "HX-Request", "true")
		if res.status != http.StatusOK || !strings.Contains(res.body, "The issuer URL must use https") {
			t.Fatalf("test of a plain-http issuer: %d %.600s", res.status, res.body)
		}
		// Without JavaScript: the page, with the form as typed (but the secret) and the result.
		res = owner.post(ssoPage+"/sso/test", ssoForm(idp.Issuer(), "typed-client", ssoSecret, "acme-sso.example"))
		if res.status != http.StatusOK || !strings.Contains(res.body, "<html") || !strings.Contains(res.body, "The identity provider answered.") ||
			!strings.Contains(res.body, `value="typed-client"`) || !strings.Contains(res.body, `value="`+idp.Issuer()+`"`) {
			t.Fatalf("test without JavaScript: %d %.600s", res.status, res.body)
		}
		noSecret(t, "test page", res)
		// Nothing was saved by testing.
		if _, ok := ssoConfig(t, db, "acme"); ok {
			t.Fatal("Test connection saved the configuration")
		}
		// With the field empty, the stored issuer is tested.
		if res := owner.post(ssoPage+"/sso", ssoForm(idp.Issuer(), idp.ClientID, idp.ClientSecret, "acme-sso.example")); res.status != http.StatusSeeOther {
			t.Fatalf("save: %d %.300s", res.status, res.body)
		}
		res = owner.post(ssoPage+"/sso/test", url.Values{"issuer": {""}}, "HX-Request", "true")
		if res.status != http.StatusOK || !strings.Contains(res.body, idp.AuthorizationEndpoint()) {
			t.Fatalf("test of the stored issuer: %d %.600s", res.status, res.body)
		}
		noSecret(t, "stored issuer test", res)
		if strings.Contains(owner.get(ssoPage).body, idp.ClientSecret) {
			t.Fatal("the page contains the stored client secret")
		}
	})
}

// TestSSOFormActionOnSignInPage: browsers hold a form post's redirects to the
// page's form-action, so the sign-in page lets its single sign-on form lead to
// an identity provider (https, or http on this machine); every other page
// keeps form-action 'self'.
func TestSSOFormActionOnSignInPage(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		for _, res := range []response{h.anon().get("/login"),
			h.anon().post("/sso/start", url.Values{"email": {"someone@nowhere.example"}})} {
			csp := res.header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "form-action 'self' https: http://127.0.0.1:* http://localhost:*;") || !strings.Contains(csp, "script-src 'self';") {
				t.Fatalf("sign-in page: %d %q", res.status, csp)
			}
		}
		page := h.login("owner@acme.example").get(ssoPage)
		if csp := page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self';") || strings.Contains(csp, "https:") {
			t.Fatalf("organization page: %q", csp)
		}
	})
}
