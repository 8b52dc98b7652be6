package callvault

import (
	"context"
	"strings"
	"time"
)

// AuditQuery selects events of the audit log (AuditQueryStore.QueryAudit). Every field narrows
// the selection; the zero value selects every event.
type AuditQuery struct {
	// Action is an exact action ("recording.listen"), or a prefix ending in "." for all of
	// them ("recording."); "" is any action.
	Action string
	Actor  string // an exact actor ("user:dan"); "" is anyone
	Object string // an exact object ("recording:r1"); "" is any
	// Since and Until bound the events' Time to [Since, Until); a zero time is no bound. Times
	// are not in Seq order under concurrency (an event's time is taken before the append lock),
	// so the range is applied to each event's Time, never turned into a range of Seq.
	Since, Until time.Time
	// AfterSeq and BeforeSeq page through the matches: only events with Seq > AfterSeq and,
	// unless BeforeSeq is 0, Seq < BeforeSeq. Stores answer fastest when AfterSeq is 0 or the
	// last match of the previous page.
	AfterSeq, BeforeSeq int64
	// Newest returns the newest matches first (Seq descending); otherwise the oldest first.
	Newest bool
	Limit  int // see PageLimit
}

// AuditQueryStore reads the audit events matching a query through indexes, without scanning
// the whole log: the auditor's filters, the DPO's PCI alerts, the compliance report's month
// figures. Every catalogue backend implements it; it is apart from AuditStore because only
// those readers use it.
type AuditQueryStore interface {
	// QueryAudit returns up to limit (see PageLimit) events for which q.Match is true, in Seq
	// order (descending if q.Newest), exactly as stored. KindInvalid if q.Validate fails.
	QueryAudit(ctx context.Context, q AuditQuery) ([]*AuditEvent, error)
}

// Validate returns a KindInvalid error naming the field for a query no store can answer.
func (q AuditQuery) Validate() error {
	var fe FieldErrors
	if q.Action == "." {
		fe = append(fe, FieldError{Field: "action", Problem: `a prefix needs a word before the ".", as in "recording."`})
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		fe = append(fe, FieldError{Field: "until", Problem: "must be after since"})
	}
	if q.AfterSeq < 0 {
		fe = append(fe, FieldError{Field: "after_seq", Problem: "must not be negative"})
	}
	if q.BeforeSeq < 0 {
		fe = append(fe, FieldError{Field: "before_seq", Problem: "must not be negative"})
	}
	return fe.Err()
}

// ActionPrefix reports whether q.Action is a prefix ("recording.") rather than one action.
func (q AuditQuery) ActionPrefix() bool { return strings.HasSuffix(q.Action, ".") }

// Match reports whether ev is one of the events q selects, ignoring Limit and order: the
// contract every store's QueryAudit is tested against.
func (q AuditQuery) Match(ev *AuditEvent) bool {
	switch {
	case q.Action != "" && !q.ActionPrefix() && ev.Action != q.Action:
		return false
	case q.ActionPrefix() && !strings.HasPrefix(ev.Action, q.Action):
		return false
	case q.Actor != "" && ev.Actor != q.Actor:
		return false
	case q.Object != "" && ev.Object != q.Object:
		return false
	case !q.Since.IsZero() && ev.Time.Before(q.Since):
		return false
	case !q.Until.IsZero() && !ev.Time.Before(q.Until):
		return false
	case ev.Seq <= q.AfterSeq:
		return false
	case q.BeforeSeq > 0 && ev.Seq >= q.BeforeSeq:
		return false
	}
	return true
}
