package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Organization is Organization settings › Organization: the seat summary and
// the members table.
func (s *Server) Organization(w http.ResponseWriter, r *http.Request) error {
	return s.organizationPage(w, r, http.StatusOK, nil)
}

// orgParts are sections of the Organization page as a change left them (a
// form with its error, a question, a token shown once); nil ones are read
// afresh.
type orgParts struct {
	inv  *templates.Invitations
	wait *templates.Waitlist
	prov *templates.Provisioning
}

// organizationPage renders the page; inv, when given, is the invitations
// section as an invite form left it (?invite=1 opens the form).
func (s *Server) organizationPage(w http.ResponseWriter, r *http.Request, status int, inv *templates.Invitations) error {
	return s.organizationWith(w, r, status, orgParts{inv: inv})
}

// organizationWith renders the page with some sections as a change left them.
func (s *Server) organizationWith(w http.ResponseWriter, r *http.Request, status int, parts orgParts) error {
	inv := parts.inv
	actor := ActorFrom(r.Context())
	if err := models.ExpireInvitations(r.Context(), s.DB, s.Clock, actor.Org.ID); err != nil {
		return err
	}
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return err
	}
	members, mstatus, err := s.members(r, actor, allocs)
	if err != nil {
		return err
	}
	if status == http.StatusOK {
		status = mstatus
	}
	if inv == nil {
		v, err := s.invitationsWith(r, allocs)
		if err != nil {
			return err
		}
		if r.URL.Query().Get("invite") == "1" && v.CanInvite {
			v.Form = &templates.InviteForm{Role: string(models.RoleMember), SeatType: firstSeat(v)}
		}
		inv = &v
	}
	if parts.wait == nil {
		v, err := s.waitlistWith(r, allocs)
		if err != nil {
			return err
		}
		parts.wait = &v
	}
	if parts.prov == nil {
		v, err := s.provisioningVM(r)
		if err != nil {
			return err
		}
		parts.prov = &v
	}
	mappings, err := s.mappingsVM(r, actor, allocs)
	if err != nil {
		return err
	}
	vm := templates.Organization{Seats: seatSummaries(allocs), Waitlist: *parts.wait, Members: members, Invitations: *inv,
		Provisioning: *parts.prov, Mappings: mappings}
	if vm.SSO, err = s.ssoSection(r); err != nil {
		return err
	}
	return s.page(w, r, status, locales.T(r.Context(), "nav.organization"), "organization", templates.OrganizationPage(vm))
}

// MembersFragment is the members table alone, for htmx search, filters and
// pagination; the address bar and the language links follow the page URL.
func (s *Server) MembersFragment(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return err
	}
	members, status, err := s.members(r, actor, allocs)
	if err != nil {
		return err
	}
	// A choice (a filter, the form, a page) is a step in the history; typing
	// in the search field only replaces the address, so that Back does not
	// replay every keystroke.
	page, err := url.Parse(members.BaseURL + filterQuery(members, members.Page))
	if err != nil {
		return err
	}
	header := "HX-Push-Url"
	if strings.HasPrefix(r.Header.Get("HX-Source"), "input") {
		header = "HX-Replace-Url"
	}
	w.Header().Set(header, page.String())
	return s.fragment(w, r, status, templates.MembersResponse(members, langLinks(r, page)))
}

// members reads the filters from the query and loads one page; an invalid
// filter shows its message above an empty table with status 422.
func (s *Server) members(r *http.Request, actor models.Actor, allocs []models.Allocation) (templates.Members, int, error) {
	q := r.URL.Query()
	vm := membersShell(actor, allocs)
	base := vm.BaseURL
	vm.Query, vm.SeatType, vm.Status, vm.Sort = q.Get("q"), q.Get("seat"), q.Get("status"), q.Get("sort")
	vm.ExportURL = base + "/members.csv" + filterQuery(vm, 1)
	loc := locales.From(r.Context())
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			vm.Error = loc.T("members.filter.bad_page", nil)
			return vm, http.StatusUnprocessableEntity, nil
		}
		vm.Page = n
	}
	page, err := models.ListMembers(r.Context(), s.DB, actor, allocs, models.MemberFilter{
		Query: vm.Query, SeatType: vm.SeatType, Status: vm.Status, Sort: vm.Sort, Page: vm.Page})
	var invalid *models.Invalid
	if errors.As(err, &invalid) {
		vm.Error = loc.Message(invalid.Key, invalid.Args)
		return vm, http.StatusUnprocessableEntity, nil
	}
	if err != nil {
		return vm, 0, err
	}
	vm.Total, vm.Pages, vm.Page = page.Total, page.Pages, page.Filter.Page
	for _, m := range page.Rows {
		vm.Rows = append(vm.Rows, memberRow(actor, m))
	}
	if len(vm.Rows) > 0 {
		vm.First = int64((vm.Page-1)*models.MembersPageSize + 1)
		vm.Last = vm.First + int64(len(vm.Rows)) - 1
	}
	if vm.Page > 1 {
		prev := min(vm.Page-1, max(vm.Pages, 1))
		vm.PrevURL = base + filterQuery(vm, prev)
		vm.PrevFragment = vm.FragmentURL + filterQuery(vm, prev)
	}
	if vm.Page < vm.Pages {
		vm.NextURL = base + filterQuery(vm, vm.Page+1)
		vm.NextFragment = vm.FragmentURL + filterQuery(vm, vm.Page+1)
	}
	return vm, http.StatusOK, nil
}

// filterQuery is the query string of the members table's filters at a page.
func filterQuery(m templates.Members, page int) string {
	q := url.Values{}
	if m.Query != "" {
		q.Set("q", m.Query)
	}
	if m.SeatType != "" {
		q.Set("seat", m.SeatType)
	}
	if m.Status != "" {
		q.Set("status", m.Status)
	}
	if m.Sort != "" && m.Sort != string(models.SortAdded) {
		q.Set("sort", m.Sort)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// seatSummaries shows each seat type's allocation: seats held by members,
// reserved by pending invitations, and available. Billing shows the same.
func seatSummaries(allocs []models.Allocation) []templates.SeatSummary {
	out := make([]templates.SeatSummary, len(allocs))
	for i, a := range allocs {
		out[i] = templates.SeatSummary{Key: a.SeatTypeKey, Purchased: a.Purchased, Assigned: a.Members(),
			Reserved: a.Reserved, Available: a.Available()}
	}
	return out
}
