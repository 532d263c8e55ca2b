package templates

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/seatdesk/seatdesk/locales"
)

func render(t *testing.T, lang string, c templ.Component) *goquery.Document {
	t.Helper()
	cat, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := c.Render(locales.With(context.Background(), cat.Locale(lang)), &buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), locales.MissingMarker) {
		t.Fatalf("missing translation in %s", buf.String())
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSeatSummaries(t *testing.T) {
	doc := render(t, "it", SeatSummaries([]SeatSummary{
		{Key: "chat", Purchased: 20, Assigned: 14, Available: 6},
		{Key: "chat_code", Purchased: 1000, Assigned: 1000, Available: 0},
	}, false))
	code := doc.Find(`[data-testid="seat-summary-chat_code"]`)
	if got := code.Find("h3").Text(); got != "Chat + Claude Code" {
		t.Errorf("title = %q", got)
	}
	if got := code.Find(`[data-testid="purchased"]`).Text(); got != "1.000" {
		t.Errorf("purchased = %q", got)
	}
	if got := doc.Find(`[data-testid="seat-summary-chat"] [data-testid="available"]`).Text(); got != "6" {
		t.Errorf("available = %q", got)
	}
	if got := doc.Find("h2").Text(); got != "Posti" {
		t.Errorf("heading = %q", got)
	}
}

func TestMembersTable(t *testing.T) {
	doc := render(t, "fr", MembersTable(Members{
		BaseURL: "/orgs/a/settings/organization", FragmentURL: "/orgs/a/settings/organization/members",
		Rows: []MemberRow{
			{ID: 7, Name: "Léa Roux", Email: "lea@a.example", Role: "admin", SeatType: "", Status: "active", Source: "scim", Added: time.Date(2026, 8, 2, 0, 0, 0, 0, time.UTC)},
		},
		Total: 120, Page: 2, Pages: 3, First: 51, Last: 100,
		PrevURL: "/p1", PrevFragment: "/f1", NextURL: "/p3", NextFragment: "/f3",
	}))
	row := doc.Find(`[data-testid="member-row"]`)
	if row.Length() != 1 || row.AttrOr("data-member-id", "") != "7" {
		t.Fatalf("rows = %d", row.Length())
	}
	if got := strings.TrimSpace(row.Find(`[data-testid="member-seat-type"]`).Text()); got != "Non assigné" {
		t.Errorf("seat type = %q", got)
	}
	if got := row.Find("time").Text(); got != "02/08/2026" {
		t.Errorf("added = %q", got)
	}
	next := doc.Find(`a[rel="next"]`)
	if next.AttrOr("href", "") != "/p3" || next.AttrOr("hx-get", "") != "/f3" || next.AttrOr("hx-target", "") != "#members" {
		t.Errorf("next link = %v", next.Nodes)
	}
	if got := doc.Find(`[data-testid="members-count"]`).Text(); !strings.Contains(got, "51–100 sur 120 membres") {
		t.Errorf("count = %q", got)
	}
}
