package templates

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
)

// TestSeatCards: a meter of the seats in use named in words, "Full" when
// none is free, and the Owner's "Add seats" (a GET form to Billing's editor)
// that an out-of-band refresh keeps (an empty hx-preserve placeholder).
func TestSeatCards(t *testing.T) {
	seats := []SeatSummary{
		{Key: "chat", Purchased: 20, Assigned: 14, Reserved: 1, Available: 5},
		{Key: "chat_code", Purchased: 1000, Assigned: 1000, Available: 0},
	}
	doc := render(t, "it", seatSummary(seats, false, seatAdd{Can: true, BillingURL: "/orgs/a/settings/billing"}))
	chat, code := doc.Find(`[data-testid="seat-summary-chat"]`), doc.Find(`[data-testid="seat-summary-chat_code"]`)
	meter := chat.Find(`meter[data-testid="seat-meter"]`)
	if meter.AttrOr("value", "") != "15" || meter.AttrOr("max", "") != "20" || meter.AttrOr("aria-label", "") != "Chat: 15 su 20 posti in uso" {
		t.Errorf("meter = %v", meter.Nodes[0].Attr)
	}
	if chat.HasClass("full") || chat.Find(`[data-testid="seat-full"]`).Length() != 0 {
		t.Error("a card with seats free says Full")
	}
	if !code.HasClass("full") || code.Find(`[data-testid="seat-full"]`).Text() != "Esauriti" {
		t.Error("a card without a free seat does not say Full")
	}
	form := chat.Find(`#seat-add-chat form`)
	button := form.Find(`button[type="submit"]`)
	if form.AttrOr("method", "") != "get" || form.AttrOr("action", "") != "/orgs/a/settings/billing" ||
		form.Find(`input[name="edit"]`).AttrOr("value", "") != "chat" ||
		strings.TrimSpace(button.Text()) != "Aggiungi posti" || button.AttrOr("aria-label", "") != "Aggiungi posti: Chat" {
		t.Errorf("Add seats = form %v, button %q named %q", form.Nodes, button.Text(), button.AttrOr("aria-label", ""))
	}

	admin := render(t, "en", seatSummary(seats, false, seatAdd{}))
	if admin.Find(`[data-testid="add-seats"]`).Length() != 0 {
		t.Error("Add seats without the right to buy")
	}
	oob := render(t, "en", SeatSummaries(seats, true))
	keep := oob.Find(`#seat-add-chat`)
	if oob.Find(`#seat-summary`).AttrOr("hx-swap-oob", "") != "true" || keep.AttrOr("hx-preserve", "") != "true" || keep.Children().Length() != 0 {
		t.Error("the out-of-band summary does not keep the card's button")
	}
}

// inTable renders a member's row group inside a table, where the HTML parser
// keeps it.
func inTable(row templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := io.WriteString(w, "<table>"); err != nil {
			return err
		}
		if err := row.Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, "</table>")
		return err
	})
}

// TestMemberRowFocus: a question's button takes the focus, an answer gives
// it back to the control named by the panel, and the actions menu holds the
// row's actions, named by their visible words.
func TestMemberRowFocus(t *testing.T) {
	m := Members{BaseURL: "/orgs/a/settings/organization", SeatTypes: []string{"chat", "chat_code"}, Can: MemberRights{AssignSeats: true, Actions: true}}
	r := MemberRow{ID: 7, Name: "Olive Owner", Email: "o@a.example", Role: "owner", SeatType: "chat", Status: "active", Source: "invitation",
		Added: time.Date(2026, 8, 25, 0, 0, 0, 0, time.UTC), SetSeat: true, Unassign: true, Roles: []string{"member", "admin", "owner"}, Remove: true, Transfer: true}

	plain := render(t, "en", inTable(MemberRowView(m, r)))
	group := plain.Find(`tbody#member-7[data-testid="member-row"]`)
	if group.Find(`[autofocus]`).Length() != 0 {
		t.Error("a row without an answer takes the focus")
	}
	if got := group.Find(`select#seat-7`).AttrOr("hx-post", "x"); got != "x" {
		t.Errorf("the dropdown posts on change: %q", got)
	}
	if group.Find(`form.seat-form`).AttrOr("hx-post", "") != "/orgs/a/settings/organization/members/7/seat" || group.Find(`[data-testid="seat-apply"]`).Text() != "Apply" {
		t.Error("the seat form has no Apply button posting the change")
	}
	menu := group.Find(`details.row-menu`)
	if strings.TrimSpace(menu.Find(`summary#actions-7`).Text()) != "Actions for Olive Owner" {
		t.Errorf("menu button = %q", menu.Find("summary").Text())
	}
	var items []string
	menu.Find(`.menu-item`).Each(func(_ int, s *goquery.Selection) {
		if _, named := s.Attr("aria-label"); named {
			t.Errorf("%q has an aria-label", s.Text())
		}
		items = append(items, strings.TrimSpace(s.Text()))
	})
	if strings.Join(items, "|") != "Change role to Member|Change role to Admin|Make Primary Owner|History|Remove" {
		t.Errorf("menu = %q", items)
	}

	r.Panel = &RowPanel{Kind: "confirm_seat", To: "", Loss: "access"}
	ask := render(t, "en", inTable(MemberRowView(m, r)))
	confirm := ask.Find(`[data-testid="panel-confirm_seat"] button[autofocus]`)
	if confirm.Text() != "Move to Unassigned" || confirm.AttrOr("aria-describedby", "") != "panel-text-7" {
		t.Errorf("confirmation = %q", confirm.Text())
	}
	if ask.Find(`tr.panel-row > td`).AttrOr("colspan", "") != "7" {
		t.Error("the panel does not span the row")
	}
	cancel := ask.Find(`[data-cancel]`)
	if cancel.AttrOr("data-return-focus", "") != "seat-7" || cancel.AttrOr("hx-get", "") != "/orgs/a/settings/organization/members/7/row" {
		t.Error("Cancel does not give the focus back to the dropdown")
	}

	r.Panel = &RowPanel{Kind: "done", Message: "The seat type of Olive Owner is now Chat.", Focus: "seat"}
	done := render(t, "en", inTable(MemberRowView(m, r)))
	if _, ok := done.Find(`select#seat-7`).Attr("autofocus"); !ok {
		t.Error("the dropdown does not take the focus back")
	}
	if _, ok := done.Find(`[data-testid="panel-done"] p`).Attr("data-announce"); !ok {
		t.Error("the answer is not read out")
	}
	r.Panel.Focus = "actions"
	if _, ok := render(t, "en", inTable(MemberRowView(m, r))).Find(`summary#actions-7`).Attr("autofocus"); !ok {
		t.Error("the menu button does not take the focus back")
	}
}
