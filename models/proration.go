package models

import (
	"math/big"
	"time"
)

// Prorate is R-SEAT-3: the charge for quantity seats at monthlyMinor per seat
// per month from the change date to the end of the term,
//
//	charge = quantity × monthlyMinor × 12 × remainingDays / termDays
//
// rounded half-up to the minor unit. It is exact for any inputs (big
// integers inside), and returns 0 for non-positive inputs.
func Prorate(quantity int, monthlyMinor int64, remainingDays, termDays int) int64 {
	if quantity <= 0 || monthlyMinor <= 0 || remainingDays <= 0 || termDays <= 0 {
		return 0
	}
	num := big.NewInt(int64(quantity))
	num.Mul(num, big.NewInt(monthlyMinor))
	num.Mul(num, big.NewInt(12*int64(remainingDays)))
	den := big.NewInt(int64(termDays))
	// half-up: floor((2·num + den) / (2·den))
	num.Mul(num, big.NewInt(2)).Add(num, den)
	den.Mul(den, big.NewInt(2))
	return num.Quo(num, den).Int64()
}

// Day is the UTC calendar day of t, as midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DaysBetween counts whole days from a to b (both taken as UTC days).
func DaysBetween(a, b time.Time) int {
	return int(Day(b).Sub(Day(a)).Hours() / 24)
}

// TermDays is the length of the organization's current term in days.
func (o Organization) TermDays() int { return DaysBetween(o.TermStart, o.TermEnd) }

// RemainingDays counts the days from today (included) to the end of the term.
func (o Organization) RemainingDays(now time.Time) int { return DaysBetween(now, o.TermEnd) }
