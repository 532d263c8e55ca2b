package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// fuzzFields is every form and query parameter a handler reads.
var fuzzFields = []string{"email", "password", "next", "name", "from", "to", "confirm", "quote", "add", "quantity",
	"enabled", "cap", "role", "seat", "unassigned", "q", "page", "status", "edit", "done", "invoice", "invite", "lang",
	"id", "page_id", "scope", "action", "expect", "token", "n", "addresses", "csv_text", "csv_name", "buy_type", "buy_n"}

// FuzzRoutes sends every route of the table, as the Owner of an organization,
// a path value, a parameter of its choice and every known parameter set to a
// fuzzed value; no answer may be a server error. It runs on SQLite and, with
// TEST_DATABASE_URL, on PostgreSQL, with the same input. `go test` runs the
// seed corpus (testdata/fuzz/FuzzRoutes and the seeds below); `make fuzz`
// searches for more (issue 15 §6).
func FuzzRoutes(f *testing.F) {
	for _, v := range []string{"", "0", "-1", "99999999999999999999", "1.5", "1,5", "a\x00b", "\xff\xfe", strings.Repeat("x", 400),
		"' OR 1=1 --", "%00", "../../etc/passwd", "<script>", "enterprise", "owner", "ACME-00001", "owner@acme.example", "\u202e"} {
		f.Add(uint8(len(v)), "k", v, v)
	}
	kinds := []string{"sqlite"}
	if os.Getenv("TEST_DATABASE_URL") != "" || modeltest.RequirePostgres() {
		kinds = append(kinds, "postgres")
	}
	type target struct {
		kind    string
		h       *harness
		handler http.Handler
		c       *client
		member  string
	}
	var targets []target
	for _, kind := range kinds {
		db := modeltest.Open(f, kind)
		h := newHarness(f, db)
		var m models.Membership
		db.Joins("JOIN users ON users.id = memberships.user_id").Where("users.email = ?", "member@acme.example").Take(&m)
		targets = append(targets, target{kind: kind, h: h, handler: h.s.handler(), c: h.login("owner@acme.example"), member: fmt.Sprint(m.ID)})
	}
	routes := targets[0].h.s.routes()
	f.Fuzz(func(t *testing.T, route uint8, key, value, pathValue string) {
		rt := routes[int(route)%len(routes)]
		method, pattern, _ := strings.Cut(rt.Pattern, " ")
		for _, tg := range targets {
			for variant := range 2 {
				path := strings.TrimSuffix(pattern, "{$}")
				for _, w := range []string{"{org}", "{id}", "{type}", "{token}", "{number}"} {
					v := map[string]string{"{org}": "acme", "{id}": tg.member, "{type}": "enterprise", "{token}": "x", "{number}": "ACME-00001"}[w]
					if variant == 1 || w != "{org}" {
						v = pathValue // the fuzzed value in each path wildcard but the organization, then in all
					}
					if v == "" {
						v = "x"
					}
					path = strings.ReplaceAll(path, w, url.PathEscape(v))
				}
				vals := url.Values{}
				for _, field := range fuzzFields {
					vals.Set(field, value)
				}
				if key != "" {
					vals.Add(key, value)
				}
				var req *http.Request
				if method == http.MethodGet {
					req = httptest.NewRequest(method, "http://seatdesk.test"+path+"?"+vals.Encode(), nil)
				} else {
					req = httptest.NewRequest(method, "http://seatdesk.test"+path, strings.NewReader(vals.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if route%2 == 1 {
					req.Header.Set("HX-Request", "true")
				}
				for _, ck := range tg.c.http.Jar.Cookies(mustURL(tg.h.srv.URL)) {
					req.AddCookie(ck)
				}
				rec := httptest.NewRecorder()
				tg.handler.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					t.Fatalf("%s: %s %s with %q=%q: %d", tg.kind, method, path, key, value, rec.Code)
				}
			}
		}
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
