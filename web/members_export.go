package web

import (
	"net/http"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
)

// MembersExport streams the members table as filtered and sorted (the page's
// q, seat, status and sort) as CSV: every matching member, read row by row,
// with the headers and the role, seat type, status and source in the user's
// language and the date added in ISO 8601 (UTC). An invalid filter is
// refused before anything is sent, as on the page.
func (s *Server) MembersExport(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	actor := ActorFrom(ctx)
	allocs, err := models.Allocations(ctx, s.DB, actor.Org.ID)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := models.MemberFilter{Query: q.Get("q"), SeatType: q.Get("seat"), Status: q.Get("status"), Sort: q.Get("sort")}
	loc := locales.From(ctx)
	header := []string{loc.T("members.export.name", nil), loc.T("members.col.email", nil), loc.T("members.col.role", nil),
		loc.T("members.col.seat_type", nil), loc.T("members.col.status", nil), loc.T("members.col.source", nil),
		loc.T("members.col.added", nil)}
	name := "members-" + actor.Org.Slug + "-" + s.Clock.Now().UTC().Format("2006-01-02") + ".csv"
	labels := map[string]string{} // each label translated once
	label := func(key string) string {
		v, ok := labels[key]
		if !ok {
			v = loc.T(key, nil)
			labels[key] = v
		}
		return v
	}
	var out *csvStream
	start := func() error {
		if out != nil {
			return nil
		}
		var err error
		out, err = startCSV(w, name, header)
		return err
	}
	err = models.EachMember(ctx, s.DB, actor, allocs, f, func(m models.MemberRow) error {
		if err := start(); err != nil {
			return err
		}
		seat := label("seat.unassigned")
		if m.SeatTypeKey != nil {
			seat = label("seat.type." + *m.SeatTypeKey)
		}
		return out.Row([]string{m.Name, m.Email, label("role." + string(m.Role)), seat, label("status." + string(m.Status)),
			label("source." + string(m.Source)), m.CreatedAt.UTC().Format("2006-01-02")})
	})
	if err != nil {
		return err
	}
	if err := start(); err != nil { // no member matches: the header alone
		return err
	}
	return out.Close()
}
