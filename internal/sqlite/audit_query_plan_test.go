package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// queryPlan returns SQLite's plan of q's statement, one step a line.
func queryPlan(t *testing.T, db *DB, q callvault.AuditQuery) string {
	t.Helper()
	query, args := auditQuery(q)
	rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}

// The auditor's filters, the PCI alerts and the month figures read the log through the indexes
// of migration 0130 (or the primary key from a bound), never by scanning it from its start,
// with the planner's statistics of a real log (ANALYZE) or without them (a new vault).
func TestQueryAuditUsesIndexes(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	load := func() {
		tx, err := db.w.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 20000; i++ {
			action := []string{"recording.open", "recording.listen", "auth.login", "request.create"}[i%4]
			if i%1000 == 0 {
				action = callvault.ActionPCICardDataKeyed
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (seq, time_us, actor, action, object, purpose, request_id, detail, prev_hash, hash)
				VALUES (?, ?, ?, ?, ?, '', '', '{}', '', '')`, i, micros(t0.Add(time.Duration(i)*time.Minute)), fmt.Sprintf("user:u%d", i%50), action, fmt.Sprintf("recording:r%d", i))
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if _, err := db.w.ExecContext(ctx, "ANALYZE"); err != nil {
			t.Fatal(err)
		}
	}
	since, until := t0.Add(15000*time.Minute), t0.Add(18000*time.Minute)
	for _, stats := range []bool{false, true} {
		if stats {
			load()
		}
		for _, c := range []struct {
			q    callvault.AuditQuery
			want []string
		}{
			{callvault.AuditQuery{Action: callvault.ActionPCICardDataKeyed, Since: since, Until: until, Newest: true, Limit: 1000}, []string{"audit_events_action", "audit_events_time"}},
			{callvault.AuditQuery{Action: "request.create", Limit: 50}, []string{"audit_events_action"}},
			{callvault.AuditQuery{Actor: "user:u7", Limit: 50}, []string{"audit_events_actor"}},
			{callvault.AuditQuery{Object: "recording:r7", Limit: 50}, []string{"audit_events_object"}},
			{callvault.AuditQuery{Since: since, Limit: 1000}, []string{"audit_events_time", "INTEGER PRIMARY KEY"}},
			{callvault.AuditQuery{Action: "recording.", Since: since, Until: until, Limit: 50}, []string{"audit_events_time"}},
			{callvault.AuditQuery{Action: "recording.", Limit: 50}, nil},
			{callvault.AuditQuery{Action: "recording.", Actor: "user:u7", Limit: 50}, nil},
			{callvault.AuditQuery{Action: "auth.", Newest: true, Limit: 50}, nil},
		} {
			plan := queryPlan(t, db, c.q)
			t.Logf("stats %v %+v:\n%s", stats, c.q, plan)
			for _, w := range c.want {
				if !strings.Contains(plan, w) {
					t.Errorf("statistics %v: the plan of %+v does not use %s:\n%s", stats, c.q, w, plan)
				}
			}
			for _, line := range strings.Split(plan, "\n") {
				if strings.Contains(line, "SCAN audit_events") && !strings.Contains(line, "INDEX") {
					t.Errorf("statistics %v: the plan of %+v scans the log:\n%s", stats, c.q, plan)
				}
			}
		}
	}
}
