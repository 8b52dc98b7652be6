package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// The auditor's filters, the PCI alerts and the month figures read the log through the indexes
// of migration 0130, never by a sequential scan, whatever its size: a rare action or actor by
// its index, a time range's seq window from audit_events_time (a common action may be read by
// walking the primary key, which finds a page of matches as soon).
func TestQueryAuditUsesIndexes(t *testing.T) {
	db := openTest(t, pgtest.NewTestDatabase(t))
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	_, err := db.pool.Exec(ctx, `
		INSERT INTO audit_events (seq, time, actor, action, object, purpose, request_id, detail, prev_hash, hash)
		SELECT i, $1::timestamptz + i * interval '1 minute', CASE WHEN i % 5000 = 0 THEN 'user:auditor' ELSE 'user:u' || (i % 50) END,
			CASE WHEN i % 1000 = 0 THEN 'pci.card_data_keyed' ELSE (ARRAY['recording.open', 'recording.listen', 'auth.login', 'request.create'])[i % 4 + 1] END,
			'recording:r' || i, '', '', '{}', '', ''
		FROM generate_series(1, 50000) AS i`, t0)
	if err != nil {
		t.Fatalf("load audit events: %v", err)
	}
	if _, err := db.pool.Exec(ctx, "ANALYZE audit_events"); err != nil {
		t.Fatal(err)
	}
	since, until := t0.Add(45000*time.Minute), t0.Add(48000*time.Minute)
	for _, c := range []struct {
		q    callvault.AuditQuery
		want string
	}{
		{callvault.AuditQuery{Action: callvault.ActionPCICardDataKeyed, Since: since, Until: until, Newest: true, Limit: 1000}, "audit_events_action"},
		{callvault.AuditQuery{Action: callvault.ActionPCICardDataKeyed, Limit: 50}, "audit_events_action"},
		{callvault.AuditQuery{Actor: "user:auditor", Limit: 50}, "audit_events_actor"},
		{callvault.AuditQuery{Action: "request.create", Limit: 50}, ""}, // a common action: the planner may walk by seq
		{callvault.AuditQuery{Actor: "user:u7", Limit: 50}, ""},
		{callvault.AuditQuery{Object: "recording:r7", Limit: 50}, "audit_events_object"},
		{callvault.AuditQuery{Since: since, Limit: 1000}, "audit_events_time"},
		{callvault.AuditQuery{Action: "recording.", Since: since, Until: until, Limit: 50}, ""},
		{callvault.AuditQuery{Action: "recording.", Limit: 50}, ""},
	} {
		query, args := auditQuery(c.q)
		var plan []byte
		if err := db.pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+query, args...).Scan(&plan); err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		t.Logf("%+v:\n%s", c.q, plan)
		indexed := c.want == ""
		for _, n := range planNodes(t, plan) {
			switch {
			case n.Relation == "audit_events" && n.Type == "Seq Scan":
				t.Errorf("the plan of %+v scans the audit log:\n%s", c.q, plan)
			case n.Index == c.want:
				indexed = true
			}
		}
		if !indexed {
			t.Errorf("the plan of %+v does not use %s:\n%s", c.q, c.want, plan)
		}
	}
	evs, err := db.QueryAudit(ctx, callvault.AuditQuery{Action: callvault.ActionPCICardDataKeyed, Since: since, Until: until, Newest: true})
	if err != nil || len(evs) != 3 || evs[0].Seq != 47000 {
		t.Errorf("PCI alerts of the range: %d events, %v; want 3, the newest 47000 (Until is exclusive)", len(evs), err)
	}
}
