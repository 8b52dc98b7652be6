package postgres

import (
	"context"
	"testing"

	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// The chain of custody reads a case's audit events through audit_events_object, never by
// scanning the log, whatever its size.
func TestAuditEventsOfUsesIndex(t *testing.T) {
	db := openTest(t, pgtest.NewTestDatabase(t))
	ctx := context.Background()
	_, err := db.pool.Exec(ctx, `
		INSERT INTO audit_events (seq, time, actor, action, object, purpose, request_id, detail, prev_hash, hash)
		SELECT i, now(), 'system', 'test', 'case:' || (i % 2000), '', '', '{}', '', ''
		FROM generate_series(1, 50000) AS i`)
	if err != nil {
		t.Fatalf("load audit events: %v", err)
	}
	if _, err := db.pool.Exec(ctx, "ANALYZE audit_events"); err != nil {
		t.Fatal(err)
	}
	var plan []byte
	if err := db.pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+auditObjectQuery, []string{"case:7", "case:8"}, int64(0), 1000).Scan(&plan); err != nil {
		t.Fatalf("EXPLAIN: %v", err)
	}
	indexed := false
	for _, n := range planNodes(t, plan) {
		switch {
		case n.Relation == "audit_events" && n.Type == "Seq Scan":
			t.Errorf("AuditEventsOf scans the audit log:\n%s", plan)
		case n.Index == "audit_events_object":
			indexed = true
		}
	}
	if !indexed {
		t.Errorf("AuditEventsOf does not use audit_events_object:\n%s", plan)
	}
	evs, err := db.AuditEventsOf(ctx, []string{"case:7"}, 0, 1000)
	if err != nil || len(evs) != 25 {
		t.Errorf("AuditEventsOf(case:7) = %d events, %v; want 25", len(evs), err)
	}
}
