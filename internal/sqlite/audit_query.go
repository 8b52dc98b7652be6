package sqlite

import (
	"context"
	"strings"

	"github.com/callvault/callvault"
)

var _ callvault.AuditQueryStore = (*DB)(nil)

// QueryAudit returns up to q.Limit events matching q, in seq order (descending if q.Newest),
// through the indexes of migration 0130 (TestQueryAuditUsesIndexes).
func (db *DB) QueryAudit(ctx context.Context, q callvault.AuditQuery) ([]*callvault.AuditEvent, error) {
	const what = "query audit events"
	if err := q.Validate(); err != nil {
		return nil, err
	}
	query, args := auditQuery(q)
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	var out []*callvault.AuditEvent
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, translate(err, what)
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, what)
	}
	return out, nil
}

// auditQuery builds the statement of q. A time range is applied to each event's time; Since
// also bounds seq from below by the least seq of an event at or after Since, read from
// audit_events_time alone (the index holds the rowid). That bound changes no answer (it is an
// exact minimum, whatever the order of times), but it lets the walk by seq (the primary key, or
// audit_events_action / _actor / _object) start at the range, or stop there when reading the
// newest first, instead of crossing the log from its first event. Until needs no such bound:
// a walk up to the head crosses only the events after Until, as few as a recent range has.
// The bound costs a read of the range's entries in the index, so a later page of the oldest
// first (AfterSeq > 0: a previous page's last match, already in the range) goes without it.
func auditQuery(q callvault.AuditQuery) (string, []any) {
	var (
		conds []string
		args  []any
	)
	cond := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	switch {
	case q.ActionPrefix():
		// Binary collation: the actions starting "recording." are those in ["recording.", "recording/").
		cond("action >= ? AND action < ?", q.Action, q.Action[:len(q.Action)-1]+"/")
	case q.Action != "":
		cond("action = ?", q.Action)
	}
	if q.Actor != "" {
		cond("actor = ?", q.Actor)
	}
	if q.Object != "" {
		cond("object = ?", q.Object)
	}
	if !q.Since.IsZero() {
		cond("time_us >= ?", micros(q.Since))
		if q.Newest || q.AfterSeq == 0 {
			cond("seq >= (SELECT min(seq) FROM audit_events INDEXED BY audit_events_time WHERE time_us >= ?)", micros(q.Since))
		}
	}
	if !q.Until.IsZero() {
		cond("time_us < ?", micros(q.Until))
	}
	cond("seq > ?", q.AfterSeq)
	if q.BeforeSeq > 0 {
		cond("seq < ?", q.BeforeSeq)
	}
	order := "seq"
	if q.Newest {
		order = "seq DESC"
	}
	args = append(args, callvault.PageLimit(q.Limit))
	return `SELECT ` + eventColumns + ` FROM audit_events WHERE ` + strings.Join(conds, " AND ") +
		` ORDER BY ` + order + ` LIMIT ?`, args
}
