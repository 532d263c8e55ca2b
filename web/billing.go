package web

import (
	"net/http"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Billing is Organization settings › Billing: plan, term, seats and prices,
// and invoices.
func (s *Server) Billing(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	b, err := models.LoadBilling(r.Context(), s.db, actor)
	if err != nil {
		return err
	}
	org := actor.Org
	vm := templates.Billing{
		PlanModel:     string(org.PlanModel),
		SalesAssisted: org.SalesAssisted,
		TermStart:     org.TermStart,
		TermEnd:       org.TermEnd,
		LastDay:       org.TermEnd.AddDate(0, 0, -1),
		Currency:      org.Currency,
		YearlyMinor:   b.YearlyMinor,
		ExtraUsage:    org.ExtraUsage,
	}
	for _, p := range b.Pools {
		vm.Seats = append(vm.Seats, templates.BillingSeat{Key: p.SeatTypeKey, Purchased: p.Purchased, Assigned: p.Assigned,
			Available: p.Available(), PriceMinor: p.PriceMinor, YearMinor: int64(p.Purchased) * p.PriceMinor * 12})
	}
	for _, inv := range b.Invoices {
		vm.Invoices = append(vm.Invoices, templates.Invoice{Number: inv.Number, IssuedAt: inv.IssuedAt, TotalMinor: inv.TotalMinor, Currency: inv.Currency})
	}
	return s.page(w, r, http.StatusOK, locales.T(r.Context(), "nav.billing"), "billing", templates.BillingPage(vm))
}
