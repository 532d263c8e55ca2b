package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/web"
	"github.com/seatdesk/seatdesk/web/mailer"
)

// renewCommand runs the renewals due as of a date (default today; a date
// before today is refused), for one organization or all: exactly once per
// organization and term, also while servers run their own check.
func renewCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("renew", "Renew the plans whose term has ended (as of --as-of): reductions apply, legacy plans move to the Enterprise seat, cancelled plans end.", stdout)
	slug := fs.String("org", "", "only this organization (its slug)")
	asOfText := fs.String("as-of", "", "renew the terms ended by this date, YYYY-MM-DD (default today, UTC; not before today)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	now := models.SystemClock{}.Now()
	asOf := models.Day(now)
	if *asOfText != "" {
		d, err := time.Parse(time.DateOnly, *asOfText)
		if err != nil {
			fmt.Fprintf(stderr, "seatdesk renew: --as-of %q: use YYYY-MM-DD\n", *asOfText)
			return errUsage
		}
		asOf = d
	}
	_, job, err := renewalJob(ctx, cfg, log)
	if err != nil {
		return err
	}
	res, err := job.Renew(ctx, asOf, *slug)
	for _, r := range res {
		if r.Term.Outcome == models.TermEnded {
			fmt.Fprintf(stdout, "%s: the cancelled plan ended on %s\n", r.Org.Slug, r.Org.TermEnd.Format(time.DateOnly))
			continue
		}
		kept := ""
		if k := r.Plan.Kept; k != nil {
			kept = fmt.Sprintf(" (%d scheduled, %d kept: in use)", k.Scheduled, k.Seats)
		}
		fmt.Fprintf(stdout, "%s: renewed %s → %s, %d %s seats%s, invoice %s\n", r.Org.Slug, r.Plan.Date.Format(time.DateOnly),
			r.Plan.NewTermEnd.AddDate(0, 0, -1).Format(time.DateOnly), r.Plan.Seats, r.Plan.SeatType, kept, r.Term.InvoiceNumber)
	}
	if len(res) == 0 && err == nil {
		fmt.Fprintf(stdout, "no renewal due as of %s\n", asOf.Format(time.DateOnly))
	}
	return explain(err, *slug)
}

// planCommand: `seatdesk plan migrate --org SLUG` moves a legacy plan to the
// Enterprise seat before its renewal (R-PLAN-4, the sales path).
func planCommand(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		fmt.Fprint(stderr, "Usage: seatdesk plan migrate --org SLUG\n")
		return errUsage
	}
	fs := newFlagSet("plan migrate", "Move a legacy plan (Chat and Chat + Claude Code, or Standard and Premium) to the Enterprise seat now.", stdout)
	slug := fs.String("org", "", "the organization's slug")
	if err := fs.Parse(args[1:]); err != nil {
		return flagErr(err)
	}
	if *slug == "" {
		fmt.Fprint(stderr, "seatdesk plan migrate: --org is required\n")
		return errUsage
	}
	db, err := openDB(cfg, log)
	if err != nil {
		return err
	}
	org, err := models.OrgBySlug(ctx, db, *slug)
	if err != nil {
		return explain(err, *slug)
	}
	res, err := models.MigratePlan(ctx, db, models.SystemActor(org, "operator"))
	if err != nil {
		return explain(err, *slug)
	}
	for _, l := range res.From {
		fmt.Fprintf(stdout, "%s: %d %s seats (%d in use)\n", *slug, l.Purchased, l.SeatType, l.InUse)
	}
	fmt.Fprintf(stdout, "%s now has %d Enterprise seats (%d in use) at %d minor units of %s per seat per month\n",
		*slug, res.Pool.Purchased, res.Pool.Assigned, res.Pool.PriceMinor, org.Currency)
	return nil
}

// explain turns model errors into the English message.
func explain(err error, slug string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, models.ErrNotFound) {
		return fmt.Errorf("no organization %q", slug)
	}
	var invalid *models.Invalid
	if errors.As(err, &invalid) {
		catalog, lerr := locales.Load()
		if lerr != nil {
			return lerr
		}
		return errors.New(catalog.Locale("en").Message(invalid.Key, invalid.Args))
	}
	return err
}

func renewalJob(ctx context.Context, cfg config, log *slog.Logger) (*gorm.DB, web.Renewals, error) {
	db, err := openDB(cfg, log)
	if err != nil {
		return nil, web.Renewals{}, err
	}
	catalog, err := locales.Load()
	if err != nil {
		return nil, web.Renewals{}, err
	}
	mail, err := mailer.New(cfg.smtpURL, cfg.mailFrom, log)
	if err != nil {
		return nil, web.Renewals{}, err
	}
	return db, web.NewRenewals(db, models.SystemClock{}, catalog, mail, log, cfg.baseURL), nil
}

// renewals runs the renewal check once a minute (every instance may: each
// term is renewed once, under its organization's lock and the terms' unique
// index), and once at start.
func renewals(ctx context.Context, job web.Renewals, log *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		if err := job.Sweep(ctx); err != nil && ctx.Err() == nil {
			log.Error("renewals", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
