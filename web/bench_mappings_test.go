package web

// A change of the group mappings that moves 10,000 members (`make bench`,
// PostgreSQL): bottega gets 10,000 members holding Chat, all in the group
// "engineering", and 10,000 free Chat + Claude Code seats; then the mapping
// engineering → Chat + Claude Code is previewed and saved, in one
// transaction. Measures; asserts only the outcome.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seatdesk/seatdesk/models"
	"github.com/seatdesk/seatdesk/models/modeltest"
)

const mappingBenchMembers = 10_000

func BenchmarkMappingSave(b *testing.B) {
	benchNeedsPostgres(b, "group-mapping")
	db := modeltest.Open(b, "postgres")
	h := newHarness(b, db)
	ctx := context.Background()
	org, _ := models.OrgBySlug(ctx, db, "bottega")
	now := testNow
	steps := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (email, name, given_name, family_name, lang, password_hash, created_at, updated_at)
SELECT 'eng' || g || '@bottega.example', 'Engineer ' || g, '', '', '', '', ?, ? FROM generate_series(1, ?) g`, []any{now, now, mappingBenchMembers}},
		{`INSERT INTO memberships (org_id, user_id, role, seat_type_key, status, source, seat_source, created_at, updated_at)
SELECT ?, id, 'member', 'chat', 'active', 'scim', 'default', ?, ? FROM users WHERE email LIKE 'eng%@bottega.example'`, []any{org.ID, now, now}},
		{`INSERT INTO groups (org_id, display_name, created_at, updated_at) VALUES (?, 'engineering', ?, ?)`, []any{org.ID, now, now}},
		{`INSERT INTO group_members (group_id, membership_id)
SELECT g.id, m.id FROM groups g JOIN memberships m ON m.org_id = g.org_id JOIN users u ON u.id = m.user_id
WHERE g.org_id = ? AND g.display_name = 'engineering' AND u.email LIKE 'eng%@bottega.example'`, []any{org.ID}},
		{`UPDATE seat_pools SET purchased = purchased + ?, assigned = assigned + ? WHERE org_id = ? AND seat_type_key = 'chat'`,
			[]any{mappingBenchMembers, mappingBenchMembers, org.ID}},
		{`UPDATE seat_pools SET purchased = purchased + ? WHERE org_id = ? AND seat_type_key = 'chat_code'`, []any{mappingBenchMembers, org.ID}},
		{`ANALYZE`, nil},
	}
	for _, s := range steps {
		if err := db.Exec(s.sql, s.args...).Error; err != nil {
			b.Fatalf("%s: %v", s.sql, err)
		}
	}
	modeltest.CheckSeatInvariant(b, db)
	owner := actorOf(b, h, "owner@bottega.example", "bottega")
	rows := []models.MappingRow{{Group: "engineering", SeatType: "chat_code"}}
	b.ResetTimer()
	t0 := time.Now()
	prev, err := models.PreviewMappings(ctx, db, owner, rows)
	if err != nil {
		b.Fatal(err)
	}
	preview := time.Since(t0)
	t1 := time.Now()
	done, err := h.s.provisioner().SaveMappings(ctx, owner, rows, prev.Token)
	if err != nil {
		b.Fatal(err)
	}
	save := time.Since(t1)
	b.StopTimer()
	if done.Moves["chat_code"] != mappingBenchMembers {
		b.Fatalf("moved %d", done.Moves["chat_code"])
	}
	modeltest.CheckSeatInvariant(b, db)
	b.ReportMetric(ms(preview), "preview-ms")
	b.ReportMetric(ms(save), "save-ms")
	fmt.Printf("\nGroup mapping, postgres: %d members move Chat → Chat + Claude Code; preview %.0f ms, save (one transaction, audited) %.0f ms\n",
		mappingBenchMembers, ms(preview), ms(save))
}
