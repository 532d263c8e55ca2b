package models_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

func compose(inv models.Invitation, token string) models.Mail {
	return models.Mail{To: inv.Email, Subject: "join", Body: "https://seatdesk.test/invitations/" + token}
}

func TestValidateEmail(t *testing.T) {
	for in, ok := range map[string]bool{
		"ada@example.com": true, " Ada@Example.COM ": true, "a.b+c@sub.example.co": true,
		"": false, "ada": false, "ada@": false, "@example.com": false, "ada@localhost": false,
		"Ada <ada@example.com>": false, "ada@example.com, bob@example.com": false, "ada @example.com": false,
		"ada@exa mple.com": false, "ada@example.com\n": true,
	} {
		got, err := models.ValidateEmail(in)
		if (err == nil) != ok {
			t.Errorf("ValidateEmail(%q) = %q, %v; ok want %v", in, got, err, ok)
		}
	}
}

func TestInviteLifecycle(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		admin := actor(t, db, "admin@acme.example", "acme")
		res, err := models.Invite(ctx, db, clock, admin, models.InviteInput{Email: "New.Person@Example.com", Role: models.RoleMember, SeatType: "enterprise", Lang: "it"}, compose)
		if err != nil {
			t.Fatal(err)
		}
		if res.Invitation.Email != "new.person@example.com" || res.Mail.ToAddr != "new.person@example.com" || res.Token == "" {
			t.Fatalf("invite = %+v", res)
		}
		if res.Invitation.TokenHash == res.Token {
			t.Fatal("the token is stored in clear")
		}
		if p := pool(t, db, "acme", "enterprise"); p.Assigned != 22 {
			t.Fatalf("the invitation holds no seat: %+v", p)
		}
		modeltest.CheckSeatInvariant(t, db)
		// Twice, or an existing member, or malformed: refused.
		for email, key := range map[string]string{
			"new.person@example.com": "invite.email.pending", "MEMBER@acme.example": "invite.email.member",
			"not-an-address": "invite.email.malformed",
		} {
			if _, err := models.Invite(ctx, db, clock, admin, models.InviteInput{Email: email, Role: models.RoleMember, Lang: "en"}, compose); invalidKey(err) != key {
				t.Errorf("%s: %v, want %s", email, err, key)
			}
		}
		var forbidden *models.Forbidden
		if _, err := models.Invite(ctx, db, clock, admin, models.InviteInput{Email: "o@example.com", Role: models.RoleOwner, Lang: "en"}, compose); !errors.As(err, &forbidden) {
			t.Errorf("an Admin invites an Owner: %v", err)
		}
		// Accept: the reserved seat becomes an assigned one, single use.
		st, err := models.LookupInvitation(ctx, db, clock, res.Token)
		if err != nil || st.OrgName != "Acme Corp" || st.HasAccount || st.Status != models.InvitePending {
			t.Fatalf("lookup: %+v %v", st, err)
		}
		if _, _, err := models.AcceptInvitation(ctx, db, clock, testHasher, res.Token, "Nuova Persona", "short", "192.0.2.9"); invalidKey(err) != "invite.accept.password" {
			t.Fatalf("short password: %v", err)
		}
		u, org, err := models.AcceptInvitation(ctx, db, clock, testHasher, res.Token, "Nuova Persona", "a-long-enough-password", "192.0.2.9")
		if err != nil || org.Slug != "acme" || u.Name != "Nuova Persona" {
			t.Fatalf("accept: %v", err)
		}
		if _, _, err := models.AcceptInvitation(ctx, db, clock, testHasher, res.Token, "x", "a-long-enough-password", "192.0.2.9"); !errors.Is(err, models.ErrInvitationClosed) {
			t.Fatalf("second use: %v", err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Assigned != 22 {
			t.Fatalf("after accept: %+v", p)
		}
		if SeatOf(t, db, memberID(t, db, "new.person@example.com", "acme")) != "enterprise" {
			t.Fatal("the new member has no seat")
		}
		modeltest.CheckSeatInvariant(t, db)

		// Revoke and expiry free the seat.
		r2, err := models.Invite(ctx, db, clock, admin, models.InviteInput{Email: "two@example.com", Role: models.RoleMember, SeatType: "enterprise", Lang: "en"}, compose)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := models.RevokeInvitation(ctx, db, clock, admin, r2.Invitation.ID); err != nil {
			t.Fatal(err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Assigned != 22 {
			t.Fatalf("revoke kept the seat: %+v", p)
		}
		if _, _, err := models.AcceptInvitation(ctx, db, clock, testHasher, r2.Token, "x", "a-long-enough-password", "192.0.2.9"); !errors.Is(err, models.ErrInvitationClosed) {
			t.Fatalf("revoked link: %v", err)
		}
		r3, err := models.Invite(ctx, db, clock, admin, models.InviteInput{Email: "three@example.com", Role: models.RoleMember, SeatType: "enterprise", Lang: "en"}, compose)
		if err != nil {
			t.Fatal(err)
		}
		later := modeltest.FixedClock{T: clock.T.Add(models.InviteTTL + time.Minute)}
		if st, _ := models.LookupInvitation(ctx, db, later, r3.Token); st.Status != models.InviteExpired {
			t.Fatalf("status after 7 days = %s", st.Status)
		}
		if err := models.ExpireInvitations(ctx, db, later); err != nil {
			t.Fatal(err)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Assigned != 22 {
			t.Fatalf("expiry kept the seat: %+v", p)
		}
		if _, _, err := models.AcceptInvitation(ctx, db, later, testHasher, r3.Token, "x", "a-long-enough-password", "192.0.2.9"); !errors.Is(err, models.ErrInvitationClosed) {
			t.Fatalf("expired link: %v", err)
		}
		if _, _, err := models.AcceptInvitation(ctx, db, later, testHasher, "not-a-token", "x", "a-long-enough-password", "192.0.2.9"); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown link: %v", err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestInviteExistingUserAndResend(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@maison.example", "maison")
		res, err := models.Invite(ctx, db, clock, owner, models.InviteInput{Email: "admin@acme.example", Role: models.RoleOwner, SeatType: "premium", Lang: "fr"}, compose)
		if err != nil {
			t.Fatal(err)
		}
		again, err := models.ResendInvitation(ctx, db, clock, owner, res.Invitation.ID, compose)
		if err != nil || again.Token == res.Token {
			t.Fatalf("resend: %v", err)
		}
		if _, err := models.LookupInvitation(ctx, db, clock, res.Token); !errors.Is(err, models.ErrNotFound) {
			t.Fatal("the old link still works after a resend")
		}
		if _, _, err := models.AcceptInvitation(ctx, db, clock, testHasher, again.Token, "", "wrong-password-here", "192.0.2.9"); invalidKey(err) != "invite.accept.wrong_password" {
			t.Fatalf("existing user, wrong password: %v", err)
		}
		u, _, err := models.AcceptInvitation(ctx, db, clock, testHasher, again.Token, "", "pw", "192.0.2.9")
		if err != nil || u.Email != "admin@acme.example" {
			t.Fatalf("existing user joins: %v", err)
		}
		if _, err := models.ActorFor(ctx, db, u, "maison"); err != nil {
			t.Fatalf("not a member of maison: %v", err)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func TestInviteNoSeatAndBuy(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		owner := actor(t, db, "owner@bottega.example", "bottega")
		in := models.InviteInput{Email: "coder@example.com", Role: models.RoleMember, SeatType: "chat_code", Lang: "en"}
		var noSeat *models.NoSeat
		if _, err := models.Invite(ctx, db, clock, owner, in, compose); !errors.As(err, &noSeat) {
			t.Fatalf("full type: %v", err)
		}
		if n := modeltest.MustCount(t, db, &models.Invitation{}, ""); n != 0 {
			t.Fatal("a refused invitation was kept")
		}
		q, err := models.QuoteSeats(ctx, db, clock, owner, "chat_code", 1, models.PurposeInvite(in.Email))
		if err != nil {
			t.Fatal(err)
		}
		res, p, err := models.BuySeatAndInvite(ctx, db, clock, owner, q.Token, in, compose)
		if err != nil || p.Repeat || res.Invitation.ID == 0 {
			t.Fatalf("buy and invite: %v", err)
		}
		if pl := pool(t, db, "bottega", "chat_code"); pl.Purchased != 11 || pl.Assigned != 11 {
			t.Fatalf("pool = %+v", pl)
		}
		if _, p, err := models.BuySeatAndInvite(ctx, db, clock, owner, q.Token, in, compose); err != nil || !p.Repeat {
			t.Fatalf("repeat: %v %+v", err, p)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, ""); n != 4 {
			t.Fatalf("%d invoices", n)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestConcurrentInvites: many invites at once for the last free seats never
// reserve more than are free.
func TestConcurrentInvites(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		admin := actor(t, db, "admin@acme.example", "acme") // 4 Enterprise seats free
		var wg sync.WaitGroup
		errs := make([]error, 15)
		start := make(chan struct{})
		for i := range 15 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				in := models.InviteInput{Email: "racer" + string(rune('a'+i)) + "@example.com", Role: models.RoleMember, SeatType: "enterprise", Lang: "en"}
				_, errs[i] = models.Invite(ctx, db, clock, admin, in, compose)
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var noSeat *models.NoSeat
			switch {
			case err == nil:
				ok++
			case errors.As(err, &noSeat):
			default:
				t.Errorf("unexpected: %v", err)
			}
		}
		if ok != 4 {
			t.Fatalf("%d invitations reserved a seat, 4 were free", ok)
		}
		if p := pool(t, db, "acme", "enterprise"); p.Assigned != 25 || p.Purchased != 25 {
			t.Fatalf("pool = %+v", p)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}
