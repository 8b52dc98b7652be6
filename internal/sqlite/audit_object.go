package sqlite

import (
	"context"
	"strings"

	"github.com/callvault/callvault"
)

var _ callvault.AuditObjectStore = (*DB)(nil)

// AuditEventsOf returns up to limit events whose object is one of objects, with Seq > afterSeq,
// in Seq order, through the index on (object, seq).
func (db *DB) AuditEventsOf(ctx context.Context, objects []string, afterSeq int64, limit int) ([]*callvault.AuditEvent, error) {
	if err := callvault.CheckAuditObjects(objects); err != nil {
		return nil, err
	}
	args := make([]any, 0, len(objects)+2)
	for _, o := range objects {
		args = append(args, o)
	}
	args = append(args, afterSeq, callvault.PageLimit(limit))
	rows, err := db.r.QueryContext(ctx, auditObjectQuery(len(objects)), args...)
	if err != nil {
		return nil, translate(err, "read audit events of objects")
	}
	defer rows.Close()
	var out []*callvault.AuditEvent
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, translate(err, "read audit events of objects")
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "read audit events of objects")
	}
	return out, nil
}

// auditObjectQuery reads events of n objects after a seq, at most a limit, through the index
// audit_events_object (TestAuditEventsOfUsesIndex).
func auditObjectQuery(n int) string {
	return `SELECT ` + eventColumns + ` FROM audit_events WHERE object IN (?` + strings.Repeat(", ?", n-1) + `)
		AND seq > ? ORDER BY seq LIMIT ?`
}
