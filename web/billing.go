package web

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
)

// Billing is Organization settings › Billing. ?edit=<type> opens the seat
// editor without JavaScript; the confirmation of a change made by a form
// post comes as a message kept for the page (flash.go).
func (s *Server) Billing(w http.ResponseWriter, r *http.Request) error {
	vm, err := s.billingVM(r)
	if err != nil {
		return err
	}
	if t := r.URL.Query().Get("edit"); t != "" && vm.CanManage && hasSeat(vm, t) {
		vm.Editor = &templates.SeatEditor{SeatType: t}
	}
	return s.page(w, r, http.StatusOK, locales.T(r.Context(), "nav.billing"), "billing", templates.BillingPage(vm))
}

// BillingSeats is the Seats section alone: what Cancel brings back.
func (s *Server) BillingSeats(w http.ResponseWriter, r *http.Request) error {
	vm, err := s.billingVM(r)
	if err != nil {
		return err
	}
	if !isHTMX(r) {
		redirect(w, r, billingPath(vm.Slug))
		return nil
	}
	return s.fragment(w, r, http.StatusOK, templates.BillingSeats(vm))
}

// EditSeats opens the pencil's editor for one seat type.
func (s *Server) EditSeats(w http.ResponseWriter, r *http.Request) error {
	vm, err := s.billingVM(r)
	if err != nil {
		return err
	}
	seatType := r.PathValue("type")
	if !hasSeat(vm, seatType) {
		return models.ErrNotFound
	}
	if !vm.CanManage {
		return models.Invalidf("", "billing.sales_assisted_refused", nil)
	}
	vm.Editor = &templates.SeatEditor{SeatType: seatType}
	return s.seatsSection(w, r, http.StatusOK, vm)
}

// ReviewSeats shows the change and the prorated charge; nothing is bought.
func (s *Server) ReviewSeats(w http.ResponseWriter, r *http.Request) error {
	vm, err := s.billingVM(r)
	if err != nil {
		return err
	}
	actor := ActorFrom(r.Context())
	seatType := r.PathValue("type")
	loc := locales.From(r.Context())
	n, err := formInt(r, "add", 1, models.MaxSeatsPerPurchase, "billing.seats.quantity_range")
	var q models.Quote
	if err == nil {
		q, err = models.QuoteSeats(r.Context(), s.DB, s.Clock, actor, seatType, n, models.PurposeSeats)
	}
	var invalid *models.Invalid
	if errors.As(err, &invalid) {
		if !hasSeat(vm, seatType) {
			return models.ErrNotFound
		}
		vm.Editor = &templates.SeatEditor{SeatType: seatType, Value: r.PostFormValue("add"), Error: loc.Message(invalid.Key, invalid.Args)}
		return s.seatsSection(w, r, http.StatusUnprocessableEntity, vm)
	}
	if err != nil {
		return err
	}
	vm.Review = reviewVM(q)
	return s.seatsSection(w, r, http.StatusOK, vm)
}

// UpgradeSeats buys the reviewed seats: exactly the reviewed amount, once.
func (s *Server) UpgradeSeats(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	seatType := r.PathValue("type")
	n, err := formInt(r, "add", 1, models.MaxSeatsPerPurchase, "billing.seats.quantity_range")
	var p models.Purchase
	if err == nil {
		p, err = models.PurchaseSeats(r.Context(), s.DB, s.Clock, actor, r.PostFormValue("quote"), seatType, n, models.PurposeSeats, nil)
	}
	if err != nil {
		return s.billingRefused(w, r, err, func(vm *templates.Billing, msg string) {
			vm.Editor = &templates.SeatEditor{SeatType: seatType, Value: r.PostFormValue("add"), Error: msg}
		})
	}
	done := "purchased"
	if p.Repeat {
		done = "already_purchased"
	}
	return s.billingDone(w, r, done, p.Invoice.Number)
}

// ScheduleReduction schedules a lower quantity for renewal.
func (s *Server) ScheduleReduction(w http.ResponseWriter, r *http.Request) error {
	seatType := r.PathValue("type")
	n, err := formInt(r, "quantity", 0, 1_000_000, "billing.reduction.whole")
	if err == nil {
		err = models.ScheduleReduction(r.Context(), s.DB, ActorFrom(r.Context()), seatType, n)
	}
	if err != nil {
		return s.billingRefused(w, r, err, func(vm *templates.Billing, msg string) {
			vm.Reduction = &templates.ReductionForm{SeatType: seatType, Value: r.PostFormValue("quantity"), Error: msg}
		})
	}
	return s.billingDone(w, r, "reduction_scheduled", "")
}

// CancelReduction drops a scheduled reduction.
func (s *Server) CancelReduction(w http.ResponseWriter, r *http.Request) error {
	seatType := r.PathValue("type")
	if err := models.CancelReduction(r.Context(), s.DB, ActorFrom(r.Context()), seatType); err != nil {
		return s.billingRefused(w, r, err, func(vm *templates.Billing, msg string) {
			vm.Reduction = &templates.ReductionForm{SeatType: seatType, Error: msg}
		})
	}
	return s.billingDone(w, r, "reduction_cancelled", "")
}

// CancelPlan schedules the cancellation at the end of the term.
func (s *Server) CancelPlan(w http.ResponseWriter, r *http.Request) error {
	if err := models.SetCancellation(r.Context(), s.DB, ActorFrom(r.Context()), true); err != nil {
		return s.billingRefused(w, r, err, nil)
	}
	return s.billingDone(w, r, "cancelled", "")
}

// ResumePlan withdraws a scheduled cancellation.
func (s *Server) ResumePlan(w http.ResponseWriter, r *http.Request) error {
	if err := models.SetCancellation(r.Context(), s.DB, ActorFrom(r.Context()), false); err != nil {
		return s.billingRefused(w, r, err, nil)
	}
	return s.billingDone(w, r, "resumed", "")
}

// ExtraUsage turns extra usage on or off, with an optional monthly cap.
func (s *Server) ExtraUsage(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	on := r.PostFormValue("enabled") == "on"
	var capMinor *int64
	var err error
	if raw := strings.TrimSpace(r.PostFormValue("cap")); raw != "" && on {
		var v int64
		if v, err = locales.ParseMoney(raw, actor.Org.Currency); err != nil {
			err = models.Invalidf("cap", "billing.extra_usage.cap_format", nil)
		}
		capMinor = &v
	}
	if err == nil {
		err = models.SetExtraUsage(r.Context(), s.DB, actor, on, capMinor)
	}
	if err != nil {
		return s.billingRefused(w, r, err, func(vm *templates.Billing, msg string) {
			vm.ExtraUsageError = msg
			vm.ExtraUsageCap = r.PostFormValue("cap")
		})
	}
	return s.billingDone(w, r, "extra_usage_saved", "")
}

// Invoice is a printable invoice.
func (s *Server) Invoice(w http.ResponseWriter, r *http.Request) error {
	actor := ActorFrom(r.Context())
	inv, err := models.InvoiceByNumber(r.Context(), s.DB, actor, r.PathValue("number"))
	if err != nil {
		return err
	}
	vm := invoiceVM(inv)
	vm.OrgName, vm.Slug = actor.Org.Name, actor.Org.Slug
	title := locales.T(r.Context(), "billing.invoice.title", map[string]any{"Number": inv.Number})
	return s.page(w, r, http.StatusOK, title, "billing", templates.InvoicePage(vm))
}

// billingDone answers a successful change: htmx gets the refreshed body with
// the confirmation; a plain form post is redirected (so that reloading does
// not post again).
func (s *Server) billingDone(w http.ResponseWriter, r *http.Request, done, invoice string) error {
	org := ActorFrom(r.Context()).Org
	notice := noticeText(r, done, invoice, org.TermEnd.AddDate(0, 0, -1))
	if !isHTMX(r) {
		return s.redirectFlash(w, r, billingPath(org.Slug), success(notice))
	}
	vm, err := s.billingVM(r)
	if err != nil {
		return err
	}
	vm.Notice = notice
	return s.fragment(w, r, http.StatusOK, templates.BillingBody(vm))
}

// billingRefused shows why a change was refused, next to the form that made
// it (place), with status 422; other errors go to the generic error page.
func (s *Server) billingRefused(w http.ResponseWriter, r *http.Request, err error, place func(*templates.Billing, string)) error {
	var invalid *models.Invalid
	if !errors.As(err, &invalid) {
		return err
	}
	vm, verr := s.billingVM(r)
	if verr != nil {
		return verr
	}
	msg := locales.From(r.Context()).Message(invalid.Key, invalid.Args)
	if place == nil || errors.Is(err, models.ErrSalesAssisted) {
		vm.Error = msg // about the plan, not about one form
	} else {
		place(&vm, msg)
		if !refusalShown(vm) {
			// The form that asked is not on the page (a seat type the plan
			// lacks, extra usage on a usage-based plan): say it on top.
			vm.Editor, vm.Reduction, vm.ExtraUsageError = nil, nil, ""
			vm.Error = msg
		}
	}
	if isHTMX(r) {
		return s.fragment(w, r, http.StatusUnprocessableEntity, templates.BillingBody(vm))
	}
	return s.page(w, r, http.StatusUnprocessableEntity, locales.T(r.Context(), "nav.billing"), "billing", templates.BillingPage(vm))
}

// refusalShown reports whether the form a refusal was placed next to is on
// the page (see BillingBody and its sections).
func refusalShown(vm templates.Billing) bool {
	switch {
	case vm.Editor != nil:
		return vm.CanManage && hasSeat(vm, vm.Editor.SeatType)
	case vm.Reduction != nil:
		return vm.CanManage && hasSeat(vm, vm.Reduction.SeatType)
	case vm.ExtraUsageError != "":
		return vm.IsOwner && vm.PlanModel == string(models.PlanLegacySeat)
	}
	return false
}

// seatsSection renders the Seats section for htmx, or the whole page.
func (s *Server) seatsSection(w http.ResponseWriter, r *http.Request, status int, vm templates.Billing) error {
	if isHTMX(r) {
		return s.fragment(w, r, status, templates.BillingSeats(vm))
	}
	return s.page(w, r, status, locales.T(r.Context(), "nav.billing"), "billing", templates.BillingPage(vm))
}

// billingVM loads the Billing page's view model for the actor.
func (s *Server) billingVM(r *http.Request) (templates.Billing, error) {
	actor := ActorFrom(r.Context())
	b, err := models.LoadBilling(r.Context(), s.DB, actor)
	if err != nil {
		return templates.Billing{}, err
	}
	org := b.Org
	loc := locales.From(r.Context())
	isOwner := actor.Allowed(models.ManageBilling)
	vm := templates.Billing{
		Slug:            org.Slug,
		PlanModel:       string(org.PlanModel),
		SalesAssisted:   org.SalesAssisted,
		IsOwner:         isOwner,
		CanManage:       isOwner && !org.SalesAssisted,
		TermStart:       org.TermStart,
		TermEnd:         org.TermEnd,
		LastDay:         org.TermEnd.AddDate(0, 0, -1),
		Currency:        org.Currency,
		YearlyMinor:     b.YearlyMinor,
		MinSeats:        models.MinEnterpriseSeats,
		CancelAtTermEnd: org.CancelAtTermEnd,
		ExtraUsage:      org.ExtraUsage,
	}
	if org.ExtraUsageCapMinor != nil {
		vm.HasCap, vm.CapMinor = true, *org.ExtraUsageCapMinor
		vm.ExtraUsageCap = locales.PlainAmount(*org.ExtraUsageCapMinor, org.Currency)
	}
	for _, p := range b.Pools {
		seat := templates.BillingSeat{Key: p.SeatTypeKey, Purchased: p.Purchased, Assigned: p.Members(), Reserved: p.Reserved,
			InUse: p.Assigned, Available: p.Available(), PriceMinor: p.PriceMinor, YearMinor: p.YearlyMinor()}
		if p.RenewalQuantity != nil {
			seat.Reduced, seat.RenewalQuantity = true, *p.RenewalQuantity
		}
		seat.EditLabel = loc.T("billing.seats.edit", nil)
		if len(b.Pools) > 1 {
			seat.EditLabel = loc.T("billing.seats.edit_type", map[string]any{"Type": loc.T("seat.type."+p.SeatTypeKey, nil)})
		}
		vm.TotalSeats += p.Purchased
		vm.HasReserved = vm.HasReserved || p.Reserved > 0
		vm.Seats = append(vm.Seats, seat)
	}
	for _, inv := range b.Invoices {
		vm.Invoices = append(vm.Invoices, templates.Invoice{Number: inv.Number, IssuedAt: inv.IssuedAt, TotalMinor: inv.TotalMinor, Currency: inv.Currency})
	}
	if err := s.lifecycleVM(r, &vm); err != nil {
		return templates.Billing{}, err
	}
	if vm.Ledger, err = s.ledgerRows(r, actor); err != nil {
		return templates.Billing{}, err
	}
	return vm, nil
}

// noticeText is the confirmation of a change (billing.notice.<done>), with
// the invoice of a purchase and the last day of the term.
func noticeText(r *http.Request, done, invoice string, lastDay time.Time) string {
	return locales.T(r.Context(), "billing.notice."+done, map[string]any{"Date": locales.Date(r.Context(), lastDay), "Invoice": invoice})
}

func reviewVM(q models.Quote) *templates.SeatReview {
	return &templates.SeatReview{SeatType: q.SeatTypeKey, Token: q.Token, Quantity: q.Quantity, Current: q.Current, New: q.New,
		PriceMinor: q.PriceMinor, RemainingDays: q.RemainingDays, TermDays: q.TermDays, AmountMinor: q.AmountMinor,
		NewYearlyMinor: q.NewYearlyMinor, LastDay: q.TermEnd.AddDate(0, 0, -1)}
}

func invoiceVM(inv models.Invoice) templates.Invoice {
	vm := templates.Invoice{Number: inv.Number, IssuedAt: inv.IssuedAt, TotalMinor: inv.TotalMinor, Currency: inv.Currency}
	for _, l := range inv.Lines {
		vm.Lines = append(vm.Lines, templates.InvoiceLine{Kind: string(l.Kind), SeatType: l.SeatTypeKey, Quantity: l.Quantity,
			UnitPriceMinor: l.UnitPriceMinor, AmountMinor: l.AmountMinor, PeriodStart: l.PeriodStart, PeriodEnd: l.PeriodEnd})
	}
	return vm
}

func hasSeat(vm templates.Billing, key string) bool {
	for _, s := range vm.Seats {
		if s.Key == key {
			return true
		}
	}
	return false
}

func billingPath(slug string) string { return "/orgs/" + slug + "/settings/billing" }
