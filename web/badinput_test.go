package web

import (
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models/modeltest"
)

// TestBadBytesAtTheEdge: NUL bytes and invalid UTF-8 in path values, query
// and form values are refused at the edge with 404 or 422 in the user's
// language, on both databases, instead of reaching PostgreSQL, which
// rejects them with an error (issue 15 §6).
func TestBadBytesAtTheEdge(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		owner := h.login("owner@acme.example")
		owner.lang = "it"
		cases := []struct {
			c      *client
			method string
			path   string
			form   url.Values
			status int
		}{
			{h.anon(), "POST", "/login", url.Values{"email": {"owner@acme.example\x00"}, "password": {"x"}}, 422},
			{h.anon(), "POST", "/login", url.Values{"email": {"owner@acme.example\xff"}, "password": {"x"}}, 422},
			{owner, "GET", "/orgs/acme/settings/organization?q=a%00b", nil, 422},
			{owner, "GET", "/orgs/acme/settings/organization/members?q=%ff", nil, 422},
			{owner, "GET", "/orgs/acme/settings/billing/invoices/ACME-0%00001", nil, 404},
			{owner, "GET", "/orgs/acme%00/settings/organization", nil, 404},
			{owner, "GET", "/orgs/ac%ffme", nil, 404},
			{owner, "POST", "/orgs/acme/settings/billing/seats/enterprise/upgrade", url.Values{"add": {"1"}, "quote": {"abc\x00"}}, 422},
			{owner, "POST", "/orgs/acme/settings/billing/seats/enterprise/upgrade", url.Values{"add": {"1"}, "quote": {strings.Repeat("q", 5000)}}, 422},
			{h.anon(), "GET", "/invitations/abc%00def", nil, 404},
			{h.anon(), "POST", "/invitations/abc%00def", url.Values{"password": {"x"}}, 404},
		}
		for _, c := range cases {
			var res response
			if c.method == "GET" {
				res = c.c.get(c.path)
			} else {
				res = c.c.post(c.path, c.form)
			}
			if res.status != c.status {
				t.Errorf("%s %s %q: %d, want %d", c.method, c.path, c.form, res.status, c.status)
			}
			if c.c == owner && c.status == 422 && !strings.Contains(res.body, "caratteri non validi") && !strings.Contains(res.body, "troppo lungo") {
				t.Errorf("%s %s: the refusal is not in the user's language", c.method, c.path)
			}
		}
	})
}
