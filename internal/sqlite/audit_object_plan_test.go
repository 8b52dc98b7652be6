package sqlite

import (
	"context"
	"strings"
	"testing"
)

// The chain of custody reads a case's audit events through audit_events_object, never by
// scanning the log.
func TestAuditEventsOfUsesIndex(t *testing.T) {
	db := openInternal(t)
	rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+auditObjectQuery(2), "case:7", "case:8", 0, 1000)
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
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "INDEX audit_events_object") {
		t.Errorf("AuditEventsOf's plan does not use audit_events_object:\n%s", text)
	}
}
