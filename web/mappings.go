package web

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Organization settings › Organization › Group mappings (R-PROV-4): every
// change of the list (add, remove, reorder, change a type) shows its effect
// before it is saved; Save applies exactly what was previewed.

// mappingsVM is the section as saved.
func (s *Server) mappingsVM(r *http.Request, actor models.Actor, allocs []models.Allocation) (templates.Mappings, error) {
	rows, err := models.Mappings(r.Context(), s.DB, actor)
	if err != nil {
		return templates.Mappings{}, err
	}
	vm := mappingsShell(actor, allocs)
	for _, row := range rows {
		vm.Rows = append(vm.Rows, templates.MappingRow{Group: row.Group, SeatType: row.SeatType})
	}
	return vm, nil
}

func mappingsShell(actor models.Actor, allocs []models.Allocation) templates.Mappings {
	vm := templates.Mappings{BaseURL: membersPath(actor), CanEdit: actor.Allowed(models.ConfigureProvisioning), Currency: actor.Org.Currency}
	for _, a := range allocs {
		vm.SeatTypes = append(vm.SeatTypes, a.SeatTypeKey)
	}
	return vm
}

// postedMappings reads the list from the form, with the edit the pressed
// button asks for (op: add, remove:i, up:i, down:i).
func postedMappings(r *http.Request) ([]models.MappingRow, error) {
	groups, seats := r.PostForm["group"], r.PostForm["seat"]
	if len(groups) != len(seats) || len(groups) > models.MaxMappings {
		return nil, models.Invalidf("mappings", "mappings.too_many", map[string]any{"Max": models.MaxMappings})
	}
	rows := make([]models.MappingRow, len(groups))
	for i := range groups {
		rows[i] = models.MappingRow{Group: strings.TrimSpace(groups[i]), SeatType: seats[i]}
	}
	op, arg, _ := strings.Cut(r.PostFormValue("op"), ":")
	i, err := strconv.Atoi(arg)
	inRange := err == nil && i >= 0 && i < len(rows)
	switch {
	case op == "add":
		if g := strings.TrimSpace(r.PostFormValue("new_group")); g != "" {
			rows = append(rows, models.MappingRow{Group: g, SeatType: r.PostFormValue("new_seat")})
		} else {
			return rows, models.Invalidf("group", "mappings.group", nil)
		}
	case op == "remove" && inRange:
		rows = append(rows[:i], rows[i+1:]...)
	case op == "up" && inRange && i > 0:
		rows[i-1], rows[i] = rows[i], rows[i-1]
	case op == "down" && inRange && i < len(rows)-1:
		rows[i], rows[i+1] = rows[i+1], rows[i]
	}
	return rows, nil
}

// MappingsPreview shows the edited list and what saving it would do.
func (s *Server) MappingsPreview(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	allocs, err := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if err != nil {
		return err
	}
	vm := mappingsShell(actor, allocs)
	rows, err := postedMappings(r)
	for _, row := range rows {
		vm.Rows = append(vm.Rows, templates.MappingRow{Group: row.Group, SeatType: row.SeatType})
	}
	if err == nil {
		var plan models.MappingPlan
		plan, err = models.PreviewMappings(r.Context(), s.DB, actor, rows)
		if err == nil {
			vm.Preview = s.previewVM(r, actor, plan)
		}
	}
	return s.mappingsAnswer(w, r, vm, err)
}

// previewVM is a plan as the page shows it, with the Owner's offer to buy
// the seats of the one type people would wait for.
func (s *Server) previewVM(r *http.Request, actor models.Actor, plan models.MappingPlan) *templates.MappingPreview {
	p := &templates.MappingPreview{Token: plan.Token, Affected: plan.Affected, Moves: counts(plan.Moves), Waits: counts(plan.Waits)}
	if len(p.Waits) == 1 && actor.Allowed(models.ManageBilling) && !actor.Org.SalesAssisted {
		c := p.Waits[0]
		q, err := models.QuoteSeats(r.Context(), s.DB, s.Clock, actor, c.SeatType, c.N, models.PurposeMappings(plan.Token))
		if err == nil {
			p.Buy = &templates.MappingBuy{SeatType: c.SeatType, Quantity: c.N, AmountMinor: q.AmountMinor, Quote: q.Token}
		}
	}
	return p
}

func counts(m map[string]int) []templates.MappingCount {
	out := make([]templates.MappingCount, 0, len(m))
	for k, n := range m {
		if n > 0 {
			out = append(out, templates.MappingCount{SeatType: k, N: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SeatType < out[j].SeatType })
	return out
}

// MappingsSave saves exactly what was previewed.
func (s *Server) MappingsSave(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	rows, err := postedMappings(r)
	if err == nil {
		_, err = s.provisioner().SaveMappings(r.Context(), actor, rows, r.PostFormValue("token"))
	}
	return s.mappingsDone(w, r, rows, err)
}

// MappingsSaveAndBuy buys the seats the preview found missing and saves, in
// one step, charged once.
func (s *Server) MappingsSaveAndBuy(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	rows, err := postedMappings(r)
	if err == nil {
		var n int
		n, err = formInt(r, "buy_n", 1, models.MaxSeatsPerPurchase, "billing.seats.quantity_range")
		if err == nil {
			_, _, err = s.provisioner().SaveMappingsAndBuy(r.Context(), actor, rows, r.PostFormValue("token"),
				r.PostFormValue("quote"), r.PostFormValue("buy_type"), n)
		}
	}
	return s.mappingsDone(w, r, rows, err)
}

// mappingsDone answers a save: the section as saved, with a notice; a
// refusal shows its message above the list as it was edited.
func (s *Server) mappingsDone(w http.ResponseWriter, r *http.Request, rows []models.MappingRow, err error) error {
	actor := ActorFrom(r.Context())
	if err == nil && !isHTMX(r) {
		return s.redirectFlash(w, r, membersPath(actor), success(locales.T(r.Context(), "mappings.saved")))
	}
	allocs, aerr := models.Allocations(r.Context(), s.DB, actor.Org.ID)
	if aerr != nil {
		return aerr
	}
	if err == nil {
		vm, verr := s.mappingsVM(r, actor, allocs)
		if verr != nil {
			return verr
		}
		vm.Notice = locales.T(r.Context(), "mappings.saved")
		return s.fragment(w, r, http.StatusOK, templates.MappingsSaved(vm, seatSummaries(allocs)))
	}
	vm := mappingsShell(actor, allocs)
	for _, row := range rows {
		vm.Rows = append(vm.Rows, templates.MappingRow{Group: row.Group, SeatType: row.SeatType})
	}
	return s.mappingsAnswer(w, r, vm, err)
}

// mappingsAnswer renders the section, with a refusal's message; a plain
// form gets the section on a page of its own.
func (s *Server) mappingsAnswer(w http.ResponseWriter, r *http.Request, vm templates.Mappings, err error) error {
	status := http.StatusOK
	var invalid *models.Invalid
	switch {
	case errors.As(err, &invalid):
		status = http.StatusUnprocessableEntity
		vm.Error = locales.From(r.Context()).Message(invalid.Key, invalid.Args)
	case err != nil:
		return err
	}
	if isHTMX(r) {
		return s.fragment(w, r, status, templates.MappingsSection(vm))
	}
	return s.page(w, r, status, locales.T(r.Context(), "nav.organization"), "organization", templates.MappingsPage(vm))
}
