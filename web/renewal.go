package web

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/templates"
	"github.com/seatdesk/seatdesk/web/mailer"
)

// lifecycleVM fills the renewal planner, the history of terms and the ended
// plan's notice of Billing.
func (s *Server) lifecycleVM(r *http.Request, vm *templates.Billing) error {
	ren, err := models.LoadRenewal(r.Context(), s.DB, ActorFrom(r.Context()))
	if err != nil {
		return err
	}
	p := ren.Plan
	lc := templates.Lifecycle{Ended: p.Ended}
	if p.Ended {
		lc.EndedOn = vm.TermEnd
		vm.CanManage = false
		vm.CancelAtTermEnd = false
	} else {
		lc.Planner = &templates.RenewalPlanner{Date: p.Date, LastDay: p.NewTermEnd.AddDate(0, 0, -1), Ends: p.Ends, SeatType: p.SeatType,
			Seats: p.Seats, PriceMinor: p.PriceMinor, AmountMinor: p.AmountMinor, Currency: p.Currency, NoPrice: p.NoPrice, Kept: keptVM(p.Kept)}
		for _, l := range p.Legacy {
			lc.Planner.Legacy = append(lc.Planner.Legacy, templates.LegacyRow{SeatType: l.SeatType, Seats: l.Purchased, InUse: l.InUse})
		}
		lc.Terms = append(lc.Terms, templates.TermRow{Start: vm.TermStart, LastDay: vm.LastDay, Seats: vm.TotalSeats, Current: true})
	}
	for _, t := range ren.Terms {
		lc.Terms = append(lc.Terms, templates.TermRow{Start: t.TermStart, LastDay: t.TermEnd.AddDate(0, 0, -1), Seats: t.Seats,
			Outcome: string(t.Outcome), Invoice: t.InvoiceNumber, Kept: keptVM(t.KeptOf())})
	}
	vm.Lifecycle = lc
	return nil
}

func keptVM(k *models.KeptSeats) *templates.KeptSeats {
	if k == nil {
		return nil
	}
	return &templates.KeptSeats{Scheduled: k.Scheduled, Seats: k.Seats, InUse: k.InUse, Minimum: k.Minimum}
}

// RenewalComposer writes the Owners' renewal emails (reminders, renewed,
// ended), each in the Owner's language.
func RenewalComposer(catalog *locales.Catalog, baseURL string) models.RenewalComposer {
	return func(owner models.User, org models.Organization, n models.RenewalNotice) models.Mail {
		loc := catalog.Locale(owner.Lang)
		p := n.Plan
		args := map[string]any{"Name": owner.Name, "Org": org.Name, "Date": loc.Date(p.Date), "End": loc.Date(p.NewTermEnd.AddDate(0, 0, -1)),
			"Days": n.Days, "Seats": loc.Number(int64(p.Seats)), "Amount": loc.Money(p.AmountMinor, p.Currency), "Invoice": n.Invoice,
			"Link": baseURL + billingPath(org.Slug)}
		var details []string
		if len(p.Legacy) > 0 {
			details = append(details, loc.T("billing.renewal.legacy", nil))
		}
		if k := p.Kept; k != nil {
			kargs := map[string]any{"Seats": loc.Number(int64(k.Seats)), "Scheduled": loc.Number(int64(k.Scheduled)), "InUse": loc.Number(int64(k.InUse))}
			if k.Minimum {
				details = append(details, loc.T("billing.renewal.kept_minimum", kargs))
			} else {
				details = append(details, loc.T("billing.renewal.kept", kargs))
			}
		}
		args["Details"] = strings.Join(details, "\n")
		kind := string(n.Kind)
		switch {
		case n.Kind == models.NoticeReminder && p.Ends:
			kind = "ends"
		case n.Kind == models.NoticeEnded:
			args["Date"] = loc.Date(org.TermEnd)
		case n.Kind == models.NoticeRenewed:
			args["Date"] = loc.Date(p.Date)
		}
		return models.Mail{To: owner.Email, Subject: loc.T("renewal.mail."+kind+"_subject", args), Body: loc.T("renewal.mail."+kind+"_body", args)}
	}
}

// Renewals is the renewal job of the server's periodic check and of
// `seatdesk renew`: renewals and reminders through models.Renewer, then the
// emails they queued sent after each commit.
type Renewals struct {
	Renewer models.Renewer
	Mailer  mailer.Mailer
	Log     *slog.Logger
}

// NewRenewals builds the renewal job.
func NewRenewals(db *gorm.DB, clock models.Clock, catalog *locales.Catalog, m mailer.Mailer, log *slog.Logger, baseURL string) Renewals {
	return Renewals{Renewer: models.Renewer{DB: db, Clock: clock, Compose: RenewalComposer(catalog, baseURL)}, Mailer: m, Log: log}
}

// Renew runs the renewals due as of asOf (of one organization with slug).
func (j Renewals) Renew(ctx context.Context, asOf time.Time, slug string) ([]models.RenewalResult, error) {
	res, err := j.Renewer.RenewDue(ctx, asOf, slug)
	for _, r := range res {
		j.send(ctx, r.Mails)
	}
	return res, err
}

// Sweep sends the reminders due and renews the terms ended as of now.
func (j Renewals) Sweep(ctx context.Context) error {
	mails, err := j.Renewer.SendReminders(ctx)
	j.send(ctx, mails)
	if err != nil {
		return err
	}
	_, err = j.Renew(ctx, j.Renewer.Clock.Now(), "")
	return err
}

func (j Renewals) send(ctx context.Context, msgs []models.OutboxMessage) {
	for _, m := range msgs {
		err := j.Mailer.Send(ctx, m.ToAddr, m.Subject, m.Body)
		if err != nil {
			j.Log.WarnContext(ctx, "email not delivered; kept in the outbox", "outbox_id", m.ID, "error", err.Error())
		}
		if merr := models.MarkSent(ctx, j.Renewer.DB, j.Renewer.Clock, m.ID, err); merr != nil {
			j.Log.ErrorContext(ctx, "outbox update failed", "outbox_id", m.ID, "error", merr.Error())
		}
	}
}
