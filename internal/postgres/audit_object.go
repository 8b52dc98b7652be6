package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

var _ callvault.AuditObjectStore = (*DB)(nil)

// auditObjectQuery reads events of objects ($1) after seq $2, at most $3, through the index
// audit_events_object (TestAuditEventsOfUsesIndex).
const auditObjectQuery = `SELECT ` + auditColumns + ` FROM audit_events WHERE object = ANY($1) AND seq > $2
	ORDER BY seq LIMIT $3`

// AuditEventsOf returns up to limit events whose object is one of objects, with Seq > afterSeq,
// in Seq order, through the index on (object, seq).
func (db *DB) AuditEventsOf(ctx context.Context, objects []string, afterSeq int64, limit int) ([]*callvault.AuditEvent, error) {
	const what = "postgres: read audit events of objects"
	if err := callvault.CheckAuditObjects(objects); err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, auditObjectQuery, objects, afterSeq, callvault.PageLimit(limit))
	if err != nil {
		return nil, translate(err, what)
	}
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.AuditEvent, error) {
		return scanAudit(row)
	})
	return evs, translate(err, what)
}
