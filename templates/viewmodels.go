// Package templates holds Seatdesk's templ components and the plain view
// models handlers build for them. No database access, no permission logic:
// a view model carries Can…-style booleans.
package templates

import "time"

// Page is what the layout needs on every page.
type Page struct {
	Title     string // already translated
	Lang      string
	User      *User // nil when signed out
	Org       *OrgNav
	Nav       string // "organization" or "billing": the current settings page
	LangLinks []LangLink
	Flash     []Flash // the messages a change left for this page (flash.go in web)
}

// User is the signed-in user.
type User struct {
	Name  string
	Email string
}

// OrgNav is the current organization and which settings pages the user may open.
type OrgNav struct {
	Slug                string
	Name                string
	Role                string
	CanViewOrganization bool
	CanViewBilling      bool
	CanViewAudit        bool
	CanSwitch           bool // the person belongs to several organizations
}

// LangLink switches the interface language, staying on the page.
type LangLink struct {
	Lang    string
	Label   string
	Href    string
	Current bool
}

// Login is the sign-in form.
type Login struct {
	Email string
	Next  string
	Error string // translated message, empty when none
	SSO   bool   // the error is about single sign-on: it shows under that form
}

// OrgChoice is one organization in the picker.
type OrgChoice struct {
	Slug string
	Name string
	Role string
}

// SeatSummary is one seat type's allocation.
type SeatSummary struct {
	Key       string
	Purchased int
	Assigned  int // held by members
	Reserved  int // held by pending invitations
	Available int
}

// MemberHome is what a Member sees of their organization.
type MemberHome struct {
	SeatType string // "" when Unassigned
	Role     string
	Contacts []Contact
}

// Contact is an Owner or Admin a member can turn to.
type Contact struct {
	Name, Email, Role string
}

// Organization is Organization settings › Organization.
type Organization struct {
	Seats        []SeatSummary
	Waitlist     Waitlist
	Members      Members
	Invitations  Invitations
	Provisioning Provisioning
	Mappings     Mappings
	SSO          SingleSignOn
}

// Waitlist is who waits for a seat (R-PROV-3) and what the viewer may do
// about it; the section shows when people wait or an answer is to be read.
type Waitlist struct {
	BaseURL       string // Organization settings › Organization
	Total         int64
	Rows          []WaitingRow // the first ones in line
	More          int64        // waiting beyond Rows
	ShowSeatType  bool         // the plan has several seat types
	CanAdmit      bool         // Admin and above
	CanBuy        bool         // Owner and above on a self-serve plan
	SalesAssisted bool         // an Owner on a sales-assisted plan: the account manager adds seats
	Buy           []WaitlistBuy
	Review        *SeatReview // the purchase that admits everyone of a type, before Upgrade
	Currency      string
	Notice        string // translated
	Error         string // translated
}

// Open reports whether the section shows.
func (w Waitlist) Open() bool { return w.Total > 0 || w.Notice != "" || w.Error != "" }

// WaitingRow is one person in line.
type WaitingRow struct {
	ID         int64
	Name       string
	Email      string
	Source     string
	WaitingFor string // the seat type they wait for
	Since      time.Time
	Position   int
}

// WaitlistBuy is the purchase that admits everyone waiting for a seat type.
type WaitlistBuy struct {
	SeatType string
	N        int
}

// Provisioning is the SCIM connection: the base URL and the tokens.
type Provisioning struct {
	BaseURL      string // Organization settings › Organization
	SCIMURL      string
	CanConfigure bool // Owner and above: create and revoke tokens
	Tokens       []SCIMTokenRow
	NewToken     string // the token just created: shown this once
	NewName      string
	Name         string // the create form's name field as typed
	NameError    string
	Confirm      *SCIMTokenRow // the token whose revocation awaits confirmation
	Notice       string
	Warning      string
}

// SCIMTokenRow is one SCIM token (never its secret).
type SCIMTokenRow struct {
	ID        int64
	Name      string
	CreatedBy string
	CreatedAt time.Time
	LastUsed  *time.Time
}

// Invitations is the invite form and the pending invitations.
type Invitations struct {
	BaseURL    string // Organization settings › Organization
	CanInvite  bool
	GrantOwner bool
	SeatTypes  []string
	Rows       []InvitationRow
	Form       *InviteForm // open when not nil
	Notice     string
	Warning    string
	// Bulk is the bulk invitation form, open when not nil; BulkReport what
	// the last one sent and refused (bulk.templ).
	Bulk       *BulkInviteForm
	BulkReport *BulkInviteReport
}

// InviteForm is the invite form with what was typed and the answer to it.
type InviteForm struct {
	Email    string
	Role     string
	SeatType string
	Error    string
	NoSeat   bool        // no seat of SeatType is free
	Quote    *SeatReview // an Owner's offer to buy one
	Currency string
}

// InvitationRow is one pending invitation.
type InvitationRow struct {
	ID       int64
	Email    string
	Role     string
	SeatType string
	Inviter  string
	Expires  time.Time
}

// Accept is the page behind an invitation link.
type Accept struct {
	Token      string
	OrgName    string
	Email      string
	Role       string
	SeatType   string
	HasAccount bool
	Status     string // pending, accepted, revoked, expired
	Name       string
	Error      string
}

// Members is the members table with its filters and pagination.
type Members struct {
	BaseURL      string // the page URL without query
	FragmentURL  string // the htmx fragment URL without query
	Query        string
	SeatType     string
	Status       string
	SeatTypes    []string // filter options: the plan's seat types
	Statuses     []string
	Rows         []MemberRow
	Total        int64
	Page         int
	Pages        int
	First, Last  int64 // 1-based positions shown
	PrevURL      string
	NextURL      string
	PrevFragment string
	NextFragment string
	Error        string // translated message for an invalid filter
	Can          MemberRights
	Currency     string
	// Sort is the order asked for ("" or "added": oldest first); Sorts are
	// the orders offered; ExportURL is the CSV of the members as filtered
	// and sorted.
	Sort      string
	Sorts     []string
	ExportURL string
}

// MemberRights is what the viewer may do in the members table as a whole;
// what they may do to each member is on its row.
type MemberRights struct {
	AssignSeats bool // Admin and above
	Actions     bool // the table has an actions column: Admin and above
	BuySeats    bool // Owner and above on a self-serve plan
	// Bulk shows the bulk bar and the row checkboxes (bulk.templ);
	// RemoveMembers offers removal there.
	Bulk, RemoveMembers bool
}

// MemberRow is one member.
type MemberRow struct {
	ID       int64
	Name     string
	Email    string
	Role     string
	SeatType string // "" when Unassigned
	Status   string
	Source   string
	Added    time.Time
	// SeatSource says where the seat came from: mapping, default or person
	// ("" unknown); MovingTo is the type a group mapping asks for while the
	// member keeps another seat.
	SeatSource string
	MovingTo   string
	Panel      *RowPanel // a question or an answer shown in the row
	// What the viewer may do to this member (models.MemberRule).
	SetSeat  bool     // the seat-type dropdown
	Unassign bool     // Unassigned is one of its choices
	Roles    []string // the roles the viewer may give; empty: the role is shown, not changed
	Remove   bool
	Transfer bool
}

// RowPanel is what a row shows after a change was asked: a confirmation, the
// no-seat answer, the Owner's purchase prompt, an error or a confirmation.
type RowPanel struct {
	Kind    string // confirm_seat, no_seat, buy_seat, confirm_remove, confirm_transfer, error, done
	To      string // the seat type asked for ("" = Unassigned)
	Loss    string // what a move down loses
	Message string // translated, for error and done
	Quote   *SeatReview
	// Focus is the row's control that takes the focus back after a change
	// went through: "seat" (the seat-type dropdown) or "actions" (the
	// actions menu's button).
	Focus string
}

// Billing is Organization settings › Billing.
type Billing struct {
	Slug            string
	PlanModel       string
	SalesAssisted   bool
	IsOwner         bool // Owner or Primary Owner: extra usage
	CanManage       bool // IsOwner on a self-serve plan: seats, reductions, cancellation
	TermStart       time.Time
	TermEnd         time.Time // first day after the term: the renewal date
	LastDay         time.Time // last day of the term
	Currency        string
	Seats           []BillingSeat
	HasReserved     bool // pending invitations hold seats: the Reserved column shows
	TotalSeats      int
	YearlyMinor     int64
	MinSeats        int
	CancelAtTermEnd bool
	ExtraUsage      bool
	ExtraUsageCap   string // the cap as typed or stored, for the form
	HasCap          bool
	CapMinor        int64
	ExtraUsageError string
	Invoices        []Invoice
	Notice          string // translated confirmation of the last change
	Error           string // translated message for a refused plan-level change
	Editor          *SeatEditor
	Review          *SeatReview
	Reduction       *ReductionForm
	Lifecycle       Lifecycle   // renewal planner, terms, plan ended (renewal.go)
	Ledger          []LedgerRow // every change of purchased seats, oldest first (the full page only)
}

// BillingSeat is one seat type on the Billing page.
type BillingSeat struct {
	Key             string
	Purchased       int
	Assigned        int // held by members
	Reserved        int // held by pending invitations
	InUse           int // Assigned + Reserved
	Available       int
	PriceMinor      int64 // per seat per month, billed annually
	YearMinor       int64 // Purchased × PriceMinor × 12
	RenewalQuantity int   // scheduled for renewal; meaningful when Reduced
	Reduced         bool
	EditLabel       string // accessible name of the pencil button
}

// SeatEditor is the pencil's inline form: how many seats to add.
type SeatEditor struct {
	SeatType string
	Value    string
	Error    string
}

// SeatReview shows the change and the prorated charge before Upgrade.
type SeatReview struct {
	SeatType       string
	Token          string
	Quantity       int
	Current        int
	New            int
	PriceMinor     int64
	RemainingDays  int
	TermDays       int
	AmountMinor    int64
	NewYearlyMinor int64
	LastDay        time.Time // the last day of the term, as the Plan card says it
	Error          string
}

// ReductionForm is the form that schedules a lower quantity for renewal.
type ReductionForm struct {
	SeatType string
	Value    string
	Error    string
}

// Invoice is one invoice, with its lines on the invoice page.
type Invoice struct {
	Number     string
	IssuedAt   time.Time
	TotalMinor int64
	Currency   string
	Lines      []InvoiceLine
	OrgName    string
	Slug       string
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	Kind           string
	SeatType       string
	Quantity       int
	UnitPriceMinor int64
	AmountMinor    int64
	PeriodStart    time.Time
	PeriodEnd      time.Time // first day after the period
}

// Error is a 403, 404, 422 or 500 page.
type Error struct {
	Status  int
	Title   string // translated
	Message string // translated
	Code    string // for machine callers: a JSON error code or a SCIM scimType
}
