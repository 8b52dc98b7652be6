package postgres

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/callvault/callvault"
)

var _ callvault.AuditQueryStore = (*DB)(nil)

// QueryAudit returns up to q.Limit events matching q, in seq order (descending if q.Newest),
// through the indexes of migration 0130 (TestQueryAuditUsesIndexes).
func (db *DB) QueryAudit(ctx context.Context, q callvault.AuditQuery) ([]*callvault.AuditEvent, error) {
	const what = "postgres: query audit events"
	if err := q.Validate(); err != nil {
		return nil, err
	}
	query, args := auditQuery(q)
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, translate(err, what)
	}
	evs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*callvault.AuditEvent, error) {
		return scanAudit(row)
	})
	return evs, translate(err, what)
}

// auditQuery builds the statement of q. Actions compare in byte order (COLLATE "C", as
// audit_events_action is built), so a prefix ("recording.") is the range ["recording.",
// "recording/"). A time range is applied to each event's time; Since also bounds seq from below
// by the least seq of an event at or after Since (audit_events_time holds both). That bound
// changes no answer (an exact minimum, whatever the order of times), but it lets the walk by
// seq start at the range, or stop there when reading the newest first, instead of crossing the
// log from its first event. Until needs no such bound: a walk up to the head crosses only the
// events after Until. The bound costs a read of the range's entries in the index, so a later
// page of the oldest first (AfterSeq > 0: a previous page's last match, already in the range)
// goes without it.
func auditQuery(q callvault.AuditQuery) (string, []any) {
	var (
		conds []string
		args  []any
	)
	arg := func(a any) string { args = append(args, a); return "$" + strconv.Itoa(len(args)) }
	switch {
	case q.ActionPrefix():
		conds = append(conds, `action COLLATE "C" >= `+arg(q.Action)+` AND action COLLATE "C" < `+arg(q.Action[:len(q.Action)-1]+"/"))
	case q.Action != "":
		conds = append(conds, `action COLLATE "C" = `+arg(q.Action))
	}
	if q.Actor != "" {
		conds = append(conds, "actor = "+arg(q.Actor))
	}
	if q.Object != "" {
		conds = append(conds, "object = "+arg(q.Object))
	}
	if !q.Since.IsZero() {
		since := arg(q.Since)
		// OFFSET 0 keeps the window's rows a subquery of their own, read from audit_events_time:
		// as a plain min(seq) the planner would walk the primary key from the log's first event.
		conds = append(conds, "time >= "+since)
		if q.Newest || q.AfterSeq == 0 {
			conds = append(conds, "seq >= (SELECT min(seq) FROM (SELECT seq FROM audit_events WHERE time >= "+since+" OFFSET 0) AS since_window)")
		}
	}
	if !q.Until.IsZero() {
		conds = append(conds, "time < "+arg(q.Until))
	}
	conds = append(conds, "seq > "+arg(q.AfterSeq))
	if q.BeforeSeq > 0 {
		conds = append(conds, "seq < "+arg(q.BeforeSeq))
	}
	order := "seq"
	if q.Newest {
		order = "seq DESC"
	}
	return `SELECT ` + auditColumns + ` FROM audit_events WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY ` + order + ` LIMIT ` + arg(callvault.PageLimit(q.Limit)), args
}
