package templates

// View models of bulk work on the Organization page (bulk.templ): the bulk
// bar above the members table, the review of a bulk change, its result,
// and bulk invitations in the Invitations section.

// BulkBarState is what the bulk bar shows above its form: the result of
// the change just applied, or why the bar's form was refused.
type BulkBarState struct {
	Done  *BulkDone
	Error string // translated
}

// BulkReview is a bulk change as planned, before its confirmation.
type BulkReview struct {
	Members   Members // the table's frame and filter: where Cancel goes, what is carried on
	All       bool    // every member matching the filter
	IDs       []int64 // the members selected, when not All
	Expect    int64   // for All: how many the page said matched
	Action    string  // set_seat or remove
	To        string  // set_seat: the seat type, "" Unassigned
	Token     string
	Selected  int // members in the selection
	Changing  int
	Unchanged int
	Skipped   int
	Losses    []BulkCount // members losing a feature, per loss
	Rows      []BulkRow   // members who change, the first ones
	More      int         // members who change, not listed
	Skips     []BulkRow   // members skipped, with the reason
	MoreSkips int
	Need      int // seats of To taken
	Available int // seats of To free now
	Shortfall int // seats of To missing
	Quote     *SeatReview
	CanBuy    bool     // Owner on a self-serve plan: buy the seats missing and apply
	Sales     bool     // an Owner on a sales-assisted plan: the account manager adds seats
	Owners    []string // who an Admin asks to buy seats
	Notice    string   // translated: why the review is shown again
	Error     string   // translated: a refused purchase
}

// BulkCount is a number of members, for one kind of thing.
type BulkCount struct {
	Key string
	N   int
}

// BulkRow is one member in a review or a result.
type BulkRow struct {
	ID     int64
	Name   string
	Email  string
	From   string // the seat type held
	Reason string // translated: why the member is skipped
}

// BulkDone is an applied bulk change, as its result says it.
type BulkDone struct {
	Message   string // translated
	Skips     []BulkRow
	MoreSkips int
}

// BulkInviteForm is the bulk invitation form, with what was sent and the
// answer to it.
type BulkInviteForm struct {
	Addresses string
	CSV       string // the uploaded file's text, carried to the confirmation
	FileName  string
	Role      string // for rows that name none
	SeatType  string // for rows that name none
	Error     string // translated
	Short     *BulkInviteShort
}

// BulkInviteShort is the answer to a bulk invitation that lacks seats.
type BulkInviteShort struct {
	Token    string
	Ready    int
	Refused  []BulkInviteRow // rows that will not be sent, with why
	Needs    []BulkSeatNeed  // seat types missing seats
	CanBuy   bool
	Sales    bool
	Owners   []string
	TotalDue int64 // every quote's amount
	Currency string
	Error    string // translated: why the purchase was refused
}

// BulkSeatNeed is what a bulk invitation lacks of one seat type, and the
// Owner's quote for it.
type BulkSeatNeed struct {
	SeatType  string
	Need      int
	Available int
	Missing   int
	Quote     *SeatReview
}

// BulkInviteReport says what a bulk invitation sent and refused, row by row.
type BulkInviteReport struct {
	Sent        int
	Refused     int
	Undelivered int
	Invoices    []string
	Repeat      bool // the confirmation was used already: nothing new was sent
	Rows        []BulkInviteRow
}

// BulkInviteRow is one row of a bulk invitation and its outcome.
type BulkInviteRow struct {
	Line     int
	Email    string
	Role     string // a role key, or what the row said
	SeatType string // a seat type key, or what the row said
	// KnownSeat says that SeatType is a seat type of the plan or ""
	// (Unassigned): its name is shown, else what the row said.
	KnownSeat bool
	Outcome   string // sent, undelivered or refused
	Reason    string // translated
}
