package models_test

import (
	"testing"
	"time"

	"github.com/seatdesk/seatdesk/models"
)

func TestProrate(t *testing.T) {
	cases := []struct {
		name                string
		qty                 int
		price               int64
		remaining, termDays int
		want                int64
	}{
		{"first day of a term: a full year", 5, 6000, 365, 365, 360000},
		{"last day of a term: one day", 5, 6000, 1, 365, 986},   // 360000/365 = 986.30
		{"leap-year term, first day", 1, 6000, 366, 366, 72000}, // full year
		{"leap-year term, one day", 1, 6000, 1, 366, 197},       // 72000/366 = 196.72
		{"one seat, mid-term", 1, 6000, 265, 365, 52274},        // 72000×265/365 = 52273.97
		{"10,000 seats", 10000, 6000, 265, 365, 522739726},      // 720000000×265/365 = 522739726.03
		{"0-decimal currency (JPY)", 3, 9000, 100, 365, 88767},  // 324000×100/365 = 88767.12
		{"an exact result is kept", 1, 1, 73, 146, 6},           // 12×73/146 = 6.0
		{"rounding half-up: .5 rounds up", 1, 5, 1, 24, 3},      // 60/24 = 2.5 → 3
		{"rounding: just below .5 rounds down", 1, 1, 1, 25, 0}, // 12/25 = 0.48 → 0
		{"rounding: just above .5 rounds up", 1, 1, 26, 48, 7},  // 312/48 = 6.5 → 7
		{"huge price does not overflow", 10000, 1_000_000_000, 366, 366, 120_000_000_000_000},
		{"nothing to charge", 0, 6000, 100, 365, 0},
		{"term over", 5, 6000, 0, 365, 0},
	}
	for _, c := range cases {
		if got := models.Prorate(c.qty, c.price, c.remaining, c.termDays); got != c.want {
			t.Errorf("%s: Prorate(%d, %d, %d, %d) = %d, want %d", c.name, c.qty, c.price, c.remaining, c.termDays, got, c.want)
		}
	}
}

func TestTermDays(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	leap := models.Organization{TermStart: d(2027, 6, 1), TermEnd: d(2028, 6, 1)}
	if got := leap.TermDays(); got != 366 {
		t.Errorf("term over Feb 29 2028 = %d days, want 366", got)
	}
	plain := models.Organization{TermStart: d(2026, 8, 13), TermEnd: d(2027, 8, 13)}
	if got := plain.TermDays(); got != 365 {
		t.Errorf("term = %d, want 365", got)
	}
	// From 23:59 on the first day: the whole term remains (UTC days).
	if got := plain.RemainingDays(time.Date(2026, 8, 13, 23, 59, 0, 0, time.UTC)); got != 365 {
		t.Errorf("remaining on day one = %d", got)
	}
	if got := plain.RemainingDays(time.Date(2027, 8, 12, 1, 0, 0, 0, time.UTC)); got != 1 {
		t.Errorf("remaining on the last day = %d", got)
	}
	// A time zone other than UTC counts in UTC.
	cet := time.FixedZone("CET", 3600)
	if got := plain.RemainingDays(time.Date(2027, 8, 13, 0, 30, 0, 0, cet)); got != 1 {
		t.Errorf("00:30 CET on Aug 13 is still Aug 12 UTC: remaining = %d, want 1", got)
	}
}
