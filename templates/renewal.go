package templates

import "time"

// Lifecycle is the plan lifecycle part of Billing: the renewal planner, the
// history of terms, and whether the plan ended.
type Lifecycle struct {
	Ended   bool
	EndedOn time.Time
	Planner *RenewalPlanner // nil once the plan ended
	Terms   []TermRow       // the current term first, then finished ones
}

// RenewalPlanner is "At renewal on <date>" (Owners only).
type RenewalPlanner struct {
	Date        time.Time
	LastDay     time.Time // of the next term
	Ends        bool      // cancelled: ends on Date instead
	SeatType    string
	Seats       int
	PriceMinor  int64
	AmountMinor int64
	Currency    string
	NoPrice     bool
	Kept        *KeptSeats
	Legacy      []LegacyRow
}

// KeptSeats is a scheduled reduction limited at renewal.
type KeptSeats struct {
	Scheduled int
	Seats     int
	InUse     int
	Minimum   bool
}

// LegacyRow is one legacy seat type moving into the Enterprise seat.
type LegacyRow struct {
	SeatType string
	Seats    int
	InUse    int
}

// TermRow is one term of the plan's history.
type TermRow struct {
	Start   time.Time
	LastDay time.Time
	Seats   int
	Current bool
	Outcome string // "renewed", "ended", "" for the current term
	Invoice string
	Kept    *KeptSeats
}
