package templates

import (
	"strings"
	"testing"
)

func bulkMembers(total int64, rows int) Members {
	m := Members{BaseURL: "/orgs/a/settings/organization", FragmentURL: "/orgs/a/settings/organization/members",
		SeatTypes: []string{"chat", "chat_code"}, Total: total, Page: 1, SeatType: "chat",
		Can: MemberRights{AssignSeats: true, Bulk: true, RemoveMembers: true}}
	for i := range rows {
		m.Rows = append(m.Rows, MemberRow{ID: int64(i + 1), Name: "N", Role: "member", Status: "active", Source: "scim"})
	}
	return m
}

// TestBulkBar: the scopes offered follow the table; beyond the cap, the bar
// says so instead of offering every member.
func TestBulkBar(t *testing.T) {
	doc := render(t, "it", BulkBar(bulkMembers(1234, 50)))
	if doc.Find(`#bulk-form input[name="page_id"]`).Length() != 50 || doc.Find(`[data-testid="bulk-scope-all"]`).Length() != 1 {
		t.Fatal("page ids or every member missing")
	}
	if got := doc.Find(`[data-testid="bulk-scope-all"]`).Parent().Text(); !strings.Contains(got, "Tutti i 1.234 membri corrispondenti al filtro") {
		t.Errorf("every member = %q", got)
	}
	if doc.Find(`#bulk-form input[name="seat"]`).AttrOr("value", "") != "chat" {
		t.Error("the filter is not carried")
	}
	if doc.Find(`option[value="remove"]`).Length() != 1 || doc.Find(`option[value="seat:"]`).Text() != "Non assegnato" {
		t.Error("actions")
	}

	doc = render(t, "fr", BulkBar(bulkMembers(12345, 50)))
	if doc.Find(`[data-testid="bulk-scope-all"]`).Length() != 0 {
		t.Error("every member offered beyond the cap")
	}
	if got := doc.Find(`[data-testid="bulk-too-many"]`).Text(); !strings.Contains(got, "12\u00a0345 membres correspondent") || !strings.Contains(got, "10\u00a0000 au plus") {
		t.Errorf("cap message = %q", got)
	}

	m := bulkMembers(20, 20)
	m.Can.RemoveMembers = false
	doc = render(t, "en", BulkBar(m))
	if doc.Find(`[data-testid="bulk-scope-all"]`).Length() != 0 || doc.Find(`option[value="remove"]`).Length() != 0 {
		t.Error("every member on one page, or removal without the right")
	}
	m.Can.Bulk = false
	if doc := render(t, "en", BulkBar(m)); doc.Find(`#bulk`).Length() != 0 {
		t.Error("a bar without the right")
	}
}

// TestBulkCells: the checkbox cells belong to the bulk form, named for the
// member; none without the right.
func TestBulkCells(t *testing.T) {
	m := bulkMembers(1, 0)
	doc := render(t, "fr", MembersTable(Members{BaseURL: m.BaseURL, Can: m.Can, SeatTypes: m.SeatTypes, Total: 1, Page: 1, First: 1, Last: 1,
		Rows: []MemberRow{{ID: 7, Name: "Léa Roux", Role: "member", Status: "active", Source: "scim"}}}))
	box := doc.Find(`[data-testid="member-row"] tr.member-main > td.select:first-child input[type="checkbox"]`)
	if box.AttrOr("form", "") != "bulk-form" || box.AttrOr("name", "") != "id" || box.AttrOr("value", "") != "7" || box.AttrOr("aria-label", "") != "Sélectionner Léa Roux" {
		t.Fatalf("checkbox = %v", box.Nodes)
	}
	if doc.Find(`thead th.select:first-child input[data-bulk-all]`).Length() != 1 {
		t.Fatal("no page checkbox in the header")
	}
	m.Can.Bulk = false
	doc = render(t, "fr", MembersTable(Members{BaseURL: m.BaseURL, Can: m.Can, Total: 1, Page: 1, Rows: []MemberRow{{ID: 7, Name: "Léa", Role: "member", Status: "active", Source: "scim"}}}))
	if doc.Find(`td.select, th.select`).Length() != 0 {
		t.Fatal("checkboxes without the right")
	}
}

// TestBulkReviewAdminShortfall: an Admin reads the seats missing and who
// can buy them; no confirmation is offered.
func TestBulkReviewAdminShortfall(t *testing.T) {
	doc := render(t, "fr", BulkReviewView(BulkReview{Members: bulkMembers(3, 3), IDs: []int64{1, 2, 3}, Action: "set_seat", To: "chat_code",
		Selected: 3, Changing: 3, Need: 3, Available: 1, Shortfall: 2, Owners: []string{"Pat Primary", "Olive Owner"}}))
	if got := doc.Find(`[data-testid="bulk-shortfall"]`).Text(); !strings.Contains(got, "Il manque 2 sièges de type Chat + Claude Code") ||
		!strings.Contains(got, "Un Propriétaire peut les acheter : Pat Primary, Olive Owner.") {
		t.Errorf("shortfall = %q", got)
	}
	if doc.Find(`[data-testid="bulk-apply"], [data-testid="bulk-buy"]`).Length() != 0 || doc.Find(`[data-testid="bulk-cancel"]`).Length() != 1 {
		t.Error("an Admin may confirm, or cannot go back")
	}
}
