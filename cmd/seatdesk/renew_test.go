package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seatdesk/seatdesk/locales"
	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
	"github.com/seatdesk/seatdesk/web"
	"github.com/seatdesk/seatdesk/web/mailer"
)

// TestRenewRace: two server instances (each its own connection pool, running
// its periodic renewal check) and `seatdesk renew` race over terms three
// years behind: one renewal, one invoice per organization and term. On
// PostgreSQL (SEATDESK_REQUIRE_POSTGRES makes it mandatory) and SQLite.
func TestRenewRace(t *testing.T) {
	for _, kind := range modeltest.Kinds {
		t.Run(kind, func(t *testing.T) {
			dsn := modeltest.DSN(t, kind)
			ctx := context.Background()
			e := env(map[string]string{"DATABASE_URL": dsn, "LOG_LEVEL": "error"})
			var out, errOut bytes.Buffer
			for _, cmd := range []string{"migrate", "demo"} {
				if err := run(ctx, []string{cmd}, e, &out, &errOut); err != nil {
					t.Fatalf("%s: %v %s", cmd, err, errOut.String())
				}
			}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			catalog, err := locales.Load()
			if err != nil {
				t.Fatal(err)
			}
			mail, _ := mailer.New("", "seatdesk@localhost", log)
			var orgs []models.Organization
			var instances []web.Renewals
			for range 2 {
				db, err := models.Open(dsn, log)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					if s, err := db.DB(); err == nil {
						_ = s.Close()
					}
				})
				if orgs == nil {
					db.Order("id").Find(&orgs)
				}
				asOf := orgs[0].TermEnd.AddDate(2, 0, 0) // three terms due
				instances = append(instances, web.NewRenewals(db, modeltest.FixedClock{T: asOf.Add(time.Hour)}, catalog, mail, log, "http://seatdesk.test"))
			}
			asOf := orgs[0].TermEnd.AddDate(2, 0, 0).Format(time.DateOnly)
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make(chan error, 16)
			for _, inst := range instances {
				for range 3 {
					wg.Go(func() {
						<-start
						errs <- inst.Sweep(ctx)
					})
				}
			}
			var cmdOut, cmdErr bytes.Buffer
			wg.Go(func() {
				<-start
				errs <- run(ctx, []string{"renew", "--as-of", asOf}, e, &cmdOut, &cmdErr)
			})
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("%v %s", err, cmdErr.String())
				}
			}
			db := instances[0].Renewer.DB
			for _, o := range orgs {
				for y := range 3 {
					day := o.TermEnd.AddDate(y, 0, 0)
					if n := modeltest.MustCount(t, db, &models.Invoice{}, "org_id = ? AND issued_at = ?", o.ID, day); n != 1 {
						t.Errorf("%s: %d renewal invoices for the term ending %s, want 1", o.Slug, n, day.Format(time.DateOnly))
					}
					if n := modeltest.MustCount(t, db, &models.Term{}, "org_id = ? AND term_end = ?", o.ID, day); n != 1 {
						t.Errorf("%s: %d history rows for the term ending %s, want 1", o.Slug, n, day.Format(time.DateOnly))
					}
				}
				if n := modeltest.MustCount(t, db, &models.Invoice{}, "org_id = ?", o.ID); n != 4 {
					t.Errorf("%s: %d invoices, want the first and 3 renewals", o.Slug, n)
				}
				// One "renewed" email per Owner and term.
				if n := modeltest.MustCount(t, db, &models.AuditEvent{}, "org_id = ? AND action = ?", o.ID, "plan.renewed"); n != 3 {
					t.Errorf("%s: %d renewals audited, want 3", o.Slug, n)
				}
			}
			modeltest.CheckSeatInvariant(t, db)

			// Running the command again renews nothing; a past date is refused.
			cmdOut.Reset()
			if err := run(ctx, []string{"renew", "--as-of", asOf}, e, &cmdOut, &cmdErr); err != nil || !strings.Contains(cmdOut.String(), "no renewal due") {
				t.Errorf("second run: %v %q", err, cmdOut.String())
			}
			if err := run(ctx, []string{"renew", "--as-of", "2020-01-01"}, e, &cmdOut, &cmdErr); err == nil || !strings.Contains(err.Error(), "before today") {
				t.Errorf("a past date: %v", err)
			}
			if err := run(ctx, []string{"plan", "migrate", "--org", "acme"}, e, &cmdOut, &cmdErr); err == nil || !strings.Contains(err.Error(), "already") {
				t.Errorf("migrating acme: %v", err)
			}
		})
	}
}
