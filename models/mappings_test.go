package models_test

import (
	"context"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

// The group mappings of R-PROV-4 on bottega (Chat 20 seats, Chat + Claude
// Code 10), through SCIM and single sign-on, on both databases.
func TestGroupMappings(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		org, _ := models.OrgBySlug(ctx, db, "bottega")
		p := models.Provisioner{DB: db, Clock: clock}
		owner := actor(t, db, "owner@bottega.example", "bottega")
		token := models.TokenActor(org, 1, "Okta")
		seatOfEmail := func(email string) (string, models.MemberStatus, string) {
			var m models.Membership
			db.Joins("JOIN users ON users.id = memberships.user_id").Where("users.email = ? AND memberships.org_id = ?", email, org.ID).Take(&m)
			w := ""
			if m.WaitingFor != nil {
				w = *m.WaitingFor
			}
			s := ""
			if m.SeatTypeKey != nil {
				s = *m.SeatTypeKey
			}
			return s, m.Status, w
		}
		save := func(rows []models.MappingRow) models.MappingPlan {
			t.Helper()
			prev, err := models.PreviewMappings(ctx, db, owner, rows)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.SaveMappings(ctx, owner, rows, prev.Token)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		// bottega holds all 10 Chat + Claude Code seats: buy 2 more, free.
		q0, _ := models.QuoteSeats(ctx, db, clock, owner, "chat_code", 2, models.PurposeSeats)
		if _, err := models.PurchaseSeats(ctx, db, clock, owner, q0.Token, "chat_code", 2, models.PurposeSeats, nil); err != nil {
			t.Fatal(err)
		}
		save([]models.MappingRow{{Group: "design", SeatType: "chat"}, {Group: "engineering", SeatType: "chat_code"}, {Group: "contractors", SeatType: ""}})

		// Single sign-on: the first matching row wins (design before engineering).
		sso := func(email string, groups ...string) {
			t.Helper()
			if _, err := p.CompleteSSO(ctx, org, models.SSOClaims{Issuer: "https://idp.example", Subject: email, Email: email, Name: "P " + email, Groups: groups}); err != nil {
				t.Fatal(err)
			}
		}
		sso("both@bottega.example", "Engineering", "design")
		if s, st, _ := seatOfEmail("both@bottega.example"); s != "chat" || st != models.StatusActive {
			t.Fatalf("design before engineering: %q %s", s, st)
		}
		sso("eng1@bottega.example", "engineering")
		sso("eng2@bottega.example", "engineering")
		sso("eng3@bottega.example", "engineering") // no Chat + Claude Code seat left: waits for it, not for Chat
		if s, st, w := seatOfEmail("eng3@bottega.example"); s != "" || st != models.StatusPending || w != "chat_code" {
			t.Fatalf("a mapped person waits for the mapped type: %q %s waiting for %q", s, st, w)
		}
		sso("temp@bottega.example", "contractors")
		if s, st, _ := seatOfEmail("temp@bottega.example"); s != "" || st != models.StatusActive {
			t.Fatalf("mapped to Unassigned: %q %s", s, st)
		}
		sso("nobody@bottega.example") // no mapped group: the default order (the highest type free: Chat)
		if s, _, _ := seatOfEmail("nobody@bottega.example"); s != "chat" {
			t.Fatalf("no mapping: %q", s)
		}
		modeltest.CheckSeatInvariant(t, db)

		// SCIM: the identity provider puts "nobody" in engineering; no seat of
		// it is free, so they keep Chat and wait to move.
		nobody := memberID(t, db, "nobody@bottega.example", "bottega")
		gid, err := p.CreateGroup(ctx, token, models.GroupChange{DisplayName: ptr("engineering-scim")})
		if err != nil {
			t.Fatal(err)
		}
		save([]models.MappingRow{{Group: "design", SeatType: "chat"}, {Group: "engineering", SeatType: "chat_code"},
			{Group: "contractors", SeatType: ""}, {Group: "engineering-scim", SeatType: "chat_code"}})
		if err := p.ChangeGroup(ctx, token, gid, models.GroupChange{Add: []int64{nobody}}); err != nil {
			t.Fatal(err)
		}
		if s, st, w := seatOfEmail("nobody@bottega.example"); s != "chat" || st != models.StatusActive || w != "chat_code" {
			t.Fatalf("keeps the seat and waits for the mapped type: %q %s %q", s, st, w)
		}
		// Two Chat + Claude Code seats bought: the first in line (eng3, then
		// nobody) get them.
		q, _ := models.QuoteSeats(ctx, db, clock, owner, "chat_code", 2, models.PurposeSeats)
		if pur, err := models.PurchaseSeats(ctx, db, clock, owner, q.Token, "chat_code", 2, models.PurposeSeats, nil); err != nil || pur.Admitted != 2 {
			t.Fatalf("purchase: %v admitted %d", err, pur.Admitted)
		}
		for _, e := range []string{"eng3@bottega.example", "nobody@bottega.example"} {
			if s, st, w := seatOfEmail(e); s != "chat_code" || st != models.StatusActive || w != "" {
				t.Fatalf("%s after the purchase: %q %s %q", e, s, st, w)
			}
		}
		modeltest.CheckSeatInvariant(t, db)

		// An Admin's choice stands until the groups change: a new mapping does
		// not undo it, a group change does.
		admin := actor(t, db, "admin@bottega.example", "bottega")
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: nobody, From: "chat_code", To: "chat", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		plan := save([]models.MappingRow{{Group: "engineering-scim", SeatType: "chat_code"}, {Group: "design", SeatType: "chat"},
			{Group: "engineering", SeatType: "chat_code"}, {Group: "contractors", SeatType: ""}})
		if s, _, _ := seatOfEmail("nobody@bottega.example"); s != "chat" {
			t.Fatalf("a mapping change undid an Admin's choice: %q (plan %+v)", s, plan)
		}
		gid2, _ := p.CreateGroup(ctx, token, models.GroupChange{DisplayName: ptr("misc")})
		if err := p.ChangeGroup(ctx, token, gid2, models.GroupChange{Add: []int64{nobody}}); err != nil {
			t.Fatal(err)
		}
		if s, _, _ := seatOfEmail("nobody@bottega.example"); s != "chat_code" {
			t.Fatalf("a group change did not apply the mapping again: %q", s)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

// TestMappingPreviewEqualsSave: the preview's numbers are what saving does,
// and a preview made stale by a change is refused.
func TestMappingPreviewEqualsSave(t *testing.T) {
	modeltest.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		clock := demo(t, db)
		org, _ := models.OrgBySlug(ctx, db, "bottega")
		p := models.Provisioner{DB: db, Clock: clock}
		owner := actor(t, db, "owner@bottega.example", "bottega")
		token := models.TokenActor(org, 1, "Okta")
		// 6 people provisioned by SCIM get the default (the highest type
		// free: Chat, as Chat + Claude Code is full), then all join "engineering".
		var ids []int64
		for i := range 6 {
			res, err := p.Provision(ctx, token, models.ProvisionInput{Email: fmt.Sprintf("p%d@bottega.example", i), Active: true, Source: models.SourceSCIM})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, res.Member.ID)
		}
		if _, err := p.CreateGroup(ctx, token, models.GroupChange{DisplayName: ptr("engineering"), Members: &ids}); err != nil {
			t.Fatal(err)
		}
		rows := []models.MappingRow{{Group: "engineering", SeatType: "chat_code"}}
		prev, err := models.PreviewMappings(ctx, db, owner, rows)
		if err != nil {
			t.Fatal(err)
		}
		// All 6 hold Chat and no Chat + Claude Code seat is free: they wait.
		if prev.Moves["chat_code"] != 0 || prev.Waits["chat_code"] != 6 || prev.Affected != 6 {
			t.Fatalf("preview: %+v", prev)
		}
		// Someone frees a Chat + Claude Code seat: the preview is stale.
		admin := actor(t, db, "admin@bottega.example", "bottega")
		if _, err := models.ChangeSeat(ctx, db, admin, models.SeatChange{MembershipID: memberID(t, db, "owner@bottega.example", "bottega"), From: "chat_code", To: "", Confirmed: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.SaveMappings(ctx, owner, rows, prev.Token); invalidKey(err) != "mappings.stale" {
			t.Fatalf("stale preview: %v", err)
		}
		prev, err = models.PreviewMappings(ctx, db, owner, rows)
		if err != nil {
			t.Fatal(err)
		}
		if prev.Moves["chat_code"] != 1 || prev.Waits["chat_code"] != 5 {
			t.Fatalf("fresh preview: %+v", prev)
		}
		done, err := p.SaveMappings(ctx, owner, rows, prev.Token)
		if err != nil {
			t.Fatal(err)
		}
		var moved, waiting int64
		db.Model(&models.Membership{}).Where("id IN ? AND seat_type_key = ? AND seat_source = ?", ids, "chat_code", models.SeatByMapping).Count(&moved)
		db.Model(&models.Membership{}).Where("id IN ? AND waiting_for = ?", ids, "chat_code").Count(&waiting)
		if moved != 1 || waiting != 5 || done.Moves["chat_code"] != 1 || done.Waits["chat_code"] != 5 {
			t.Fatalf("saved: %d hold Chat + Claude Code by mapping, %d wait; plan %+v", moved, waiting, done)
		}
		modeltest.CheckSeatInvariant(t, db)
		// Save and buy: the 5 who wait need 5 seats; one purchase, charged
		// once, and the mapping applied in the same step.
		rows2 := []models.MappingRow{{Group: "engineering", SeatType: "chat_code"}, {Group: "design", SeatType: "chat"}}
		prev2, err := models.PreviewMappings(ctx, db, owner, rows2)
		if err != nil || prev2.Affected != 0 {
			t.Fatalf("preview 2: %v %+v", err, prev2)
		}
		q, err := models.QuoteSeats(ctx, db, clock, owner, "chat_code", 5, models.PurposeMappings(prev2.Token))
		if err != nil {
			t.Fatal(err)
		}
		invoices := modeltest.MustCount(t, db, &models.Invoice{}, "org_id = ?", org.ID)
		_, pur, err := p.SaveMappingsAndBuy(ctx, owner, rows2, prev2.Token, q.Token, "chat_code", 5)
		if err != nil {
			t.Fatal(err)
		}
		if pur.Repeat || pur.Invoice.TotalMinor != q.AmountMinor {
			t.Fatalf("purchase: %+v", pur)
		}
		// The same confirmation again charges nothing more.
		if _, pur, err := p.SaveMappingsAndBuy(ctx, owner, rows2, prev2.Token, q.Token, "chat_code", 5); err != nil || !pur.Repeat {
			t.Fatalf("repeat: %v %+v", err, pur)
		}
		if n := modeltest.MustCount(t, db, &models.Invoice{}, "org_id = ?", org.ID); n != invoices+1 {
			t.Fatalf("%d invoices, want %d", n, invoices+1)
		}
		db.Model(&models.Membership{}).Where("id IN ? AND seat_type_key = ?", ids, "chat_code").Count(&moved)
		if moved != 6 {
			t.Fatalf("%d of 6 hold Chat + Claude Code after Save and buy", moved)
		}
		modeltest.CheckSeatInvariant(t, db)
	})
}

func ptr(s string) *string { return &s }
