package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"
)

// Bulk invitations: up to 500 people invited in one step, with the rules of
// the single invitation (Invite) applied to each row: Admins invite Members
// only, one valid address, not a member yet, not invited yet, a seat type of
// the plan. Rows that break a rule are reported and not sent; the others are
// sent together in one transaction, each holding a seat of its type. When
// the seats they need are not free, nothing is sent: an Owner may buy the
// seats missing and send in one confirmation (BuyAndBulkInvite), an Admin
// may send the rows of the short types as Unassigned.

// MaxBulkInvites bounds one bulk invitation.
const MaxBulkInvites = 500

// BulkInviteRow is one row of a bulk invitation as read from the form.
type BulkInviteRow struct {
	Line     int    // where the row is in what was pasted or uploaded, from 1
	Email    string // as written
	Role     string // a role key, or what was written when it names no role
	SeatType string // a seat type key, "" for Unassigned, or what was written
	// Refusal is the reader's reason to refuse the row (a CSV line it could
	// not read), reported like the others; nil otherwise.
	Refusal *Invalid
}

// BulkInviteInput is a bulk invitation as asked.
type BulkInviteInput struct {
	Rows []BulkInviteRow
	Lang string // the inviter's language, for the emails
	// UnassignShort sends the rows of a seat type without enough free seats
	// as Unassigned (the Admin's way out of a shortfall).
	UnassignShort bool
}

// BulkInviteLine is one row and what happens to it.
type BulkInviteLine struct {
	BulkInviteRow
	Refused *Invalid     // why the row is not sent; nil when it is (or would be)
	Sent    bool         // the invitation was created and its email queued
	Result  InviteResult // the invitation sent and its email, to deliver after the commit
}

// BulkSeatNeed is what a bulk invitation needs of one seat type.
type BulkSeatNeed struct {
	SeatType  string
	Need      int // rows to send with this type
	Available int // seats free now
	Missing   int // Need - Available, at least 0
}

// BulkInvitePlan is a bulk invitation planned or sent.
type BulkInvitePlan struct {
	Lines       []BulkInviteLine
	Ready       int // rows that pass every rule
	Refused     int
	Sent        int
	Needs       []BulkSeatNeed // per seat type needed, lowest type first
	Token       string         // names the rows: what a purchase for them is bound to
	Allocations []Allocation   // after sending, when sent
}

// Short lists the seat types that lack seats.
func (p BulkInvitePlan) Short() []BulkSeatNeed {
	var out []BulkSeatNeed
	for _, n := range p.Needs {
		if n.Missing > 0 {
			out = append(out, n)
		}
	}
	return out
}

// BulkInviteShort says that a bulk invitation lacks seats: nothing was sent.
type BulkInviteShort struct{ Plan BulkInvitePlan }

func (e *BulkInviteShort) Error() string { return "bulk invitation: not enough free seats" }

// SeatBuy is one purchase of a buy-and-invite: the reviewed quote of the
// seats missing of one type.
type SeatBuy struct {
	SeatType string
	N        int
	Quote    string
}

// PurposeBulkInvite is buying the seats a bulk invitation lacks, bound to
// its rows.
func PurposeBulkInvite(token string) Purpose { return Purpose("bulk-invite:" + token) }

// BulkInviteToken names a bulk invitation's rows (see PurposeBulkInvite).
func BulkInviteToken(rows []BulkInviteRow) string {
	type line struct {
		Line                  int
		Email, Role, SeatType string
		Refusal               string
	}
	lines := make([]line, len(rows))
	for i, r := range rows {
		lines[i] = line{r.Line, NormalizeEmail(strings.TrimSpace(r.Email)), r.Role, r.SeatType, ""}
		if r.Refusal != nil {
			lines[i].Refusal = r.Refusal.Key
		}
	}
	b, _ := json.Marshal(lines)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func checkBulkInvite(actor Actor, in BulkInviteInput) error {
	if err := actor.Check(ManageMembers); err != nil {
		return err
	}
	if len(in.Rows) == 0 {
		return Invalidf("addresses", "bulk_invite.empty", nil)
	}
	if len(in.Rows) > MaxBulkInvites {
		return Invalidf("addresses", "bulk_invite.too_many", map[string]any{"Max": MaxBulkInvites, "Given": len(in.Rows)})
	}
	return nil
}

// BulkInvite sends the invitations of every row that passes the rules, in
// one transaction, and reports each row. With too few seats free it sends
// nothing and answers *BulkInviteShort with the plan.
func BulkInvite(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, in BulkInviteInput, compose Composer) (BulkInvitePlan, error) {
	if err := checkBulkInvite(actor, in); err != nil {
		return BulkInvitePlan{}, err
	}
	var out BulkInvitePlan
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		plan, err := lockedInvitePlan(tx, clock, actor, in)
		if err != nil {
			return err
		}
		if len(plan.Short()) > 0 {
			out = plan
			return &BulkInviteShort{Plan: plan}
		}
		out, err = sendInvites(tx, clock, actor, in.Lang, plan, compose)
		return err
	})
	return out, err
}

// PlanBulkInvite says what a bulk invitation would do now, sending nothing.
func PlanBulkInvite(ctx context.Context, db *gorm.DB, actor Actor, in BulkInviteInput) (BulkInvitePlan, error) {
	if err := checkBulkInvite(actor, in); err != nil {
		return BulkInvitePlan{}, err
	}
	return planInvites(db.WithContext(ctx), actor, in)
}

// BuyAndBulkInvite is the Owner's answer to a bulk invitation that lacks
// seats: one confirmation buys the reviewed quotes (one per seat type
// missing, each exactly the seats missing, charged once) and sends the
// invitations, in one transaction. The same confirmation again answers
// Repeat and sends nothing.
func BuyAndBulkInvite(ctx context.Context, db *gorm.DB, clock Clock, actor Actor, in BulkInviteInput, compose Composer, token string, buys []SeatBuy) (BulkInvitePlan, []Purchase, bool, error) {
	if err := checkBulkInvite(actor, in); err != nil {
		return BulkInvitePlan{}, nil, false, err
	}
	if in.UnassignShort || len(buys) == 0 {
		return BulkInvitePlan{}, nil, false, Invalidf("", "bulk.quote_used", nil)
	}
	seen := map[string]bool{}
	for _, b := range buys {
		if seen[b.SeatType] {
			return BulkInvitePlan{}, nil, false, Invalidf("", "billing.quote.mismatch", nil)
		}
		seen[b.SeatType] = true
	}
	if BulkInviteToken(in.Rows) != token {
		return BulkInvitePlan{}, nil, false, Invalidf("", "bulk_invite.changed", nil)
	}
	var out BulkInvitePlan
	purchases := make([]Purchase, len(buys))
	// One purchase inside the other, the invitations innermost: one
	// transaction (savepoints within it), all or nothing.
	var step func(i int, db *gorm.DB) error
	step = func(i int, db *gorm.DB) error {
		p, err := PurchaseSeats(ctx, db, clock, actor, buys[i].Quote, buys[i].SeatType, buys[i].N, PurposeBulkInvite(token), func(tx *gorm.DB) error {
			if i+1 < len(buys) {
				if err := step(i+1, tx); err != nil {
					return err
				}
				if purchases[i+1].Repeat { // an earlier confirmation's quote among new ones
					return Invalidf("", "bulk.quote_used", nil)
				}
				return nil
			}
			plan, err := lockedInvitePlan(tx, clock, actor, in)
			if err != nil {
				return err
			}
			// Reviewed before the purchases: each type lacked exactly the
			// seats bought, and no other type lacks any.
			for _, n := range plan.Needs {
				bought := 0
				for _, b := range buys {
					if b.SeatType == n.SeatType {
						bought = b.N
					}
				}
				if max(0, n.Need-(n.Available-bought)) != bought {
					return BulkShortfallChanged
				}
			}
			for _, b := range buys {
				if !containsNeed(plan.Needs, b.SeatType) {
					return BulkShortfallChanged
				}
			}
			out, err = sendInvites(tx, clock, actor, in.Lang, plan, compose)
			return err
		})
		purchases[i] = p
		return err
	}
	if err := step(0, db); err != nil {
		return BulkInvitePlan{}, nil, false, err
	}
	if purchases[0].Repeat {
		allocs, err := Allocations(ctx, db, actor.Org.ID)
		return BulkInvitePlan{Token: token, Allocations: allocs}, purchases[:1], true, err
	}
	return out, purchases, false, nil
}

func containsNeed(needs []BulkSeatNeed, seatType string) bool {
	for _, n := range needs {
		if n.SeatType == seatType {
			return true
		}
	}
	return false
}

// invitableRoles are the roles an invitation may give.
var invitableRoles = map[Role]bool{RoleMember: true, RoleAdmin: true, RoleOwner: true}

// planInvites applies the rules to every row, in the caller's transaction.
// lockedInvitePlan takes the organization's lock, lets expired invitations
// go, and plans the invitations against what is left.
func lockedInvitePlan(tx *gorm.DB, clock Clock, actor Actor, in BulkInviteInput) (BulkInvitePlan, error) {
	org, err := lockOrg(tx, actor.Org.ID)
	if err != nil {
		return BulkInvitePlan{}, err
	}
	if err := expireTx(tx, org, clock.Now().UTC()); err != nil {
		return BulkInvitePlan{}, err
	}
	return planInvites(tx, actor, in)
}

func planInvites(tx *gorm.DB, actor Actor, in BulkInviteInput) (BulkInvitePlan, error) {
	allocs, err := allocations(tx, actor.Org.ID)
	if err != nil {
		return BulkInvitePlan{}, err
	}
	p := BulkInvitePlan{Lines: make([]BulkInviteLine, len(in.Rows)), Token: BulkInviteToken(in.Rows)}
	firstLine := map[string]int{}
	var emails []string
	for i, r := range in.Rows {
		l := BulkInviteLine{BulkInviteRow: r}
		l.Refused = checkRow(actor, allocs, &l.BulkInviteRow)
		if l.Refused == nil {
			if line, ok := firstLine[l.Email]; ok {
				l.Refused = Invalidf("email", "bulk_invite.duplicate", map[string]any{"Line": line})
			} else {
				firstLine[l.Email] = r.Line
				emails = append(emails, l.Email)
			}
		}
		p.Lines[i] = l
	}
	members, pending := map[string]bool{}, map[string]bool{}
	for chunk := range slices.Chunk(emails, 500) {
		var found []string
		err := tx.Table("memberships").Joins("JOIN users ON users.id = memberships.user_id").
			Where("memberships.org_id = ? AND users.email IN ?", actor.Org.ID, chunk).Pluck("users.email", &found).Error
		if err != nil {
			return BulkInvitePlan{}, fmt.Errorf("read members: %w", err)
		}
		for _, e := range found {
			members[e] = true
		}
		found = nil
		err = tx.Model(&Invitation{}).Where("org_id = ? AND status = ? AND email IN ?", actor.Org.ID, InvitePending, chunk).
			Pluck("email", &found).Error
		if err != nil {
			return BulkInvitePlan{}, fmt.Errorf("read invitations: %w", err)
		}
		for _, e := range found {
			pending[e] = true
		}
	}
	need := map[string]int{}
	for i := range p.Lines {
		l := &p.Lines[i]
		switch {
		case l.Refused != nil:
		case members[l.Email]:
			l.Refused = Invalidf("email", "invite.email.member", map[string]any{"Email": l.Email})
		case pending[l.Email]:
			l.Refused = Invalidf("email", "bulk_invite.pending", map[string]any{"Email": l.Email})
		}
		if l.Refused != nil {
			p.Refused++
			continue
		}
		p.Ready++
		if l.SeatType != "" {
			need[l.SeatType]++
		}
	}
	short := map[string]bool{}
	for _, a := range allocs {
		if n := need[a.SeatTypeKey]; n > 0 {
			p.Needs = append(p.Needs, BulkSeatNeed{SeatType: a.SeatTypeKey, Need: n, Available: a.Available(), Missing: max(0, n-a.Available())})
			short[a.SeatTypeKey] = n > a.Available()
		}
	}
	if in.UnassignShort && len(p.Short()) > 0 {
		for i := range p.Lines {
			if l := &p.Lines[i]; l.Refused == nil && short[l.SeatType] {
				l.SeatType = ""
			}
		}
		kept := p.Needs[:0]
		for _, n := range p.Needs {
			if !short[n.SeatType] {
				kept = append(kept, n)
			}
		}
		p.Needs = kept
	}
	p.Allocations = allocs
	return p, nil
}

// checkRow applies the single invitation's rules that need no query to one
// row; the row's Email becomes the address as stored.
func checkRow(actor Actor, allocs []Allocation, r *BulkInviteRow) *Invalid {
	if r.Refusal != nil {
		return r.Refusal
	}
	email, err := ValidateEmail(r.Email)
	var invalid *Invalid
	if errors.As(err, &invalid) {
		return invalid
	}
	if err != nil {
		return Invalidf("email", "invite.email.malformed", map[string]any{"Email": r.Email})
	}
	r.Email = email
	role := Role(r.Role)
	if !invitableRoles[role] {
		return Invalidf("role", "bulk_invite.role_unknown", map[string]any{"Role": r.Role})
	}
	var forbidden *Forbidden
	if err := checkInvite(actor, InviteInput{Role: role}); errors.As(err, &forbidden) {
		return Invalidf("role", "bulk_invite.role_forbidden", map[string]any{"Role": r.Role})
	} else if err != nil {
		return Invalidf("role", "bulk_invite.role_unknown", map[string]any{"Role": r.Role})
	}
	if r.SeatType != "" && FindAllocation(allocs, r.SeatType) == nil {
		return Invalidf("seat_type", "bulk_invite.seat_unknown", map[string]any{"Seat": r.SeatType})
	}
	return nil
}

// sendInvites creates the invitations of a plan's ready rows, their emails
// in the outbox and their audit events, in the caller's transaction (which
// holds the organization's lock); each invitation holds a seat of its type,
// taken through the guarded counters.
func sendInvites(tx *gorm.DB, clock Clock, actor Actor, lang string, p BulkInvitePlan, compose Composer) (BulkInvitePlan, error) {
	for _, n := range p.Needs {
		if err := takeSeats(tx, actor.Org.ID, n.SeatType, n.Need); err != nil {
			return BulkInvitePlan{}, err
		}
	}
	now := clock.Now().UTC()
	var (
		invs   []Invitation
		tokens []string
		lines  []int
	)
	for i, l := range p.Lines {
		if l.Refused != nil {
			continue
		}
		token, err := newToken()
		if err != nil {
			return BulkInvitePlan{}, err
		}
		invs = append(invs, Invitation{OrgID: actor.Org.ID, Email: l.Email, Role: Role(l.Role), SeatTypeKey: nullableKey(l.SeatType),
			TokenHash: hashToken(token), InvitedBy: actor.UserID, Lang: lang, Status: InvitePending, ExpiresAt: now.Add(InviteTTL)})
		tokens = append(tokens, token)
		lines = append(lines, i)
	}
	if len(invs) == 0 {
		return p, nil
	}
	if err := tx.CreateInBatches(invs, 500).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return BulkInvitePlan{}, &Stale{}
		}
		return BulkInvitePlan{}, fmt.Errorf("create invitations: %w", err)
	}
	msgs := make([]OutboxMessage, len(invs))
	for i, inv := range invs {
		m := compose(inv, tokens[i])
		orgID := actor.Org.ID
		msgs[i] = OutboxMessage{OrgID: &orgID, ToAddr: m.To, Subject: m.Subject, Body: m.Body}
	}
	if err := tx.CreateInBatches(msgs, 500).Error; err != nil {
		return BulkInvitePlan{}, fmt.Errorf("queue mail: %w", err)
	}
	events := make([]AuditEvent, len(invs))
	for i, inv := range invs {
		after, _ := json.Marshal(map[string]any{"email": inv.Email, "role": inv.Role, "seat_type": inv.SeatTypeKey, "expires_at": inv.ExpiresAt})
		events[i] = auditEvent(actor, "invitation.sent", "invitation", inv.ID, "null", string(after))
		l := &p.Lines[lines[i]]
		l.Sent, l.Result = true, InviteResult{Invitation: inv, Token: tokens[i], Mail: msgs[i]}
	}
	if err := auditChange(tx, actor, events); err != nil {
		return BulkInvitePlan{}, err
	}
	p.Sent = len(invs)
	allocs, err := allocations(tx, actor.Org.ID)
	if err != nil {
		return BulkInvitePlan{}, err
	}
	p.Allocations = allocs
	for i := range p.Needs {
		if a := FindAllocation(allocs, p.Needs[i].SeatType); a != nil {
			p.Needs[i].Available = a.Available()
		}
		p.Needs[i].Missing = 0
	}
	return p, nil
}
