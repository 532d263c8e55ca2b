package templates

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestSingleSignOnSection: every control has a label in each language, the
// secret field is always empty, an error sits under its field, and an Admin
// gets the values without a form.
func TestSingleSignOnSection(t *testing.T) {
	owner := SingleSignOn{BaseURL: "/orgs/a/settings/organization", RedirectURI: "https://seatdesk.example/sso/callback",
		CanEdit: true, Configured: true, Issuer: "https://login.a.example", ClientID: "seatdesk", HasSecret: true,
		Domains: "a.example, a.fr", GroupsClaim: "groups", Errors: map[string]string{"domains": "taken"},
		Test: &SSOTestResult{Message: "unreachable", OK: false}}
	for _, lang := range []string{"en", "it", "fr"} {
		doc := render(t, lang, SingleSignOnSection(owner))
		sec := doc.Find(`[data-testid="sso"]`)
		if sec.AttrOr("id", "") != "sso" || sec.Find(`[data-testid="sso-redirect-uri"]`).Text() != owner.RedirectURI {
			t.Fatalf("%s: section %q", lang, sec.Text())
		}
		form := sec.Find(`form[data-testid="sso-settings-form"]`)
		if form.AttrOr("action", "") != "/orgs/a/settings/organization/sso" || form.AttrOr("hx-post", "") != "/orgs/a/settings/organization/sso" ||
			form.AttrOr("hx-target", "") != "#sso" {
			t.Fatalf("%s: form %v", lang, form.Nodes)
		}
		// Every input and button has an accessible name.
		form.Find("input").Each(func(_ int, in *goquery.Selection) {
			id := in.AttrOr("id", "")
			if id == "" || (doc.Find(`label[for="`+id+`"]`).Length() == 0 && in.ParentFiltered("label").Length() == 0) {
				t.Errorf("%s: input %q has no label", lang, in.AttrOr("name", ""))
			}
		})
		if v, ok := form.Find(`input[name="client_secret"]`).Attr("value"); !ok || v != "" {
			t.Errorf("%s: the secret field holds %q", lang, v)
		}
		if got := form.Find(`#sso-domains-error`).Text(); got != "taken" || form.Find(`#sso-domains`).AttrOr("aria-invalid", "") != "true" ||
			!strings.Contains(form.Find(`#sso-domains`).AttrOr("aria-describedby", ""), "sso-domains-error") {
			t.Errorf("%s: domains error %q", lang, got)
		}
		test := form.Find(`button[data-testid="sso-test"]`)
		if test.AttrOr("formaction", "") != "/orgs/a/settings/organization/sso/test" || test.AttrOr("hx-target", "") != "#sso-test" {
			t.Errorf("%s: test button %v", lang, test.Nodes)
		}
		if got := sec.Find(`#sso-test [role="alert"]`).Text(); got != "unreachable" {
			t.Errorf("%s: test result %q", lang, got)
		}
	}
	admin := owner
	admin.CanEdit, admin.Errors, admin.Test = false, nil, nil
	doc := render(t, "it", SingleSignOnSection(admin))
	if doc.Find("form, input, button").Length() != 0 {
		t.Fatal("an Admin gets a form")
	}
	if got := doc.Find(`[data-testid="sso-domains"]`).Text(); got != "a.example, a.fr" {
		t.Errorf("admin domains %q", got)
	}
	if got := doc.Find(`[data-testid="sso-require"]`).Text(); got != "Disattivato" {
		t.Errorf("admin require %q", got)
	}
	if got := doc.Find(`h2`).Text(); got != "Single sign-on" {
		t.Errorf("heading %q", got)
	}
	none := render(t, "fr", SingleSignOnSection(SingleSignOn{BaseURL: "/x", RedirectURI: "https://s.example/sso/callback"}))
	if none.Find(`[data-testid="sso-not-configured"]`).Length() != 1 || none.Find("h2").Text() != "Authentification unique (SSO)" {
		t.Fatal("not configured, in French")
	}
}
