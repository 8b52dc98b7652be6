package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
)

// The audit log page reads the log a page at a time in seq order, as the catalogue stores it:
// a filter is applied to the events read, and one request reads at most auditScanBudget of
// them, so that a filter nothing matches cannot hold a request for the whole log; the page
// then offers to read on from where it stopped.
const (
	auditPageSize   = 50
	auditScanBudget = 20000
	auditReadPage   = 1000
)

// auditFilter is what the auditor narrows the log by.
type auditFilter struct {
	Action string // an action, or a prefix ending in "." ("recording.")
	Actor  string // part of the actor ("user:dan", "dan")
	Object string // part of the object
	From   string // datetime-local, in the organisation's zone
	To     string
}

func (f auditFilter) empty() bool { return f == auditFilter{} }

func (f auditFilter) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"action": f.Action, "actor": f.Actor, "object": f.Object, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// auditView is the audit log page.
type auditView struct {
	Filter   auditFilter
	Errors   map[string]string
	Events   []*auditRow
	Scanned  int64 // the last seq read
	Head     int64
	NextHref string // read on after Scanned, "" at the end of the log
	Newest   bool   // the page shows the newest events (no filter, no position)
	Verify   *verifyView
}

type auditRow struct {
	*callvault.AuditEvent
	Detail string // the detail, compact
}

// verifyView is the verification panel: the last result in the log and the run in progress.
type verifyView struct {
	Last     *audit.VerifyResult
	Progress *audit.VerifyProgress
	MayRun   bool
	Conflict bool // a run was asked for while one ran
}

// auditPage is GET /audit.
func (p *Pages) auditPage(w http.ResponseWriter, r *http.Request) {
	if p.auditLog == nil {
		p.Fail(w, r, unavailable("the audit log"))
		return
	}
	q := r.URL.Query()
	v := &auditView{Errors: map[string]string{}, Filter: auditFilter{Action: strings.TrimSpace(q.Get("action")),
		Actor: strings.TrimSpace(q.Get("actor")), Object: strings.TrimSpace(q.Get("object")),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to"))}}
	var from, to time.Time
	for _, fld := range []struct {
		name, val string
		t         *time.Time
	}{{"from", v.Filter.From, &from}, {"to", v.Filter.To, &to}} {
		if fld.val == "" {
			continue
		}
		s, ok := p.fromLocalInput(fld.val)
		if !ok {
			v.Errors[fld.name] = "Enter a date and time, for example 20/11/2026 10:05."
			continue
		}
		*fld.t, _ = time.Parse(time.RFC3339, s)
	}
	after := int64(-1)
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			v.Errors["after"] = "The position in the log is not a number; start again from the newest events."
		} else {
			after = n
		}
	}
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusBadRequest
	} else if err := p.readAudit(r.Context(), v, after, from, to); err != nil {
		p.Fail(w, r, err)
		return
	}
	vv, err := p.verifyPanel(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Verify = vv
	p.render(w, r, status, "audit", "Audit log", v)
}

// readAudit fills v with the events matching its filter after seq after (-1: from the start of
// the time range, or the newest events when there is no filter).
func (p *Pages) readAudit(ctx context.Context, v *auditView, after int64, from, to time.Time) error {
	head, err := p.auditLog.AuditHead(ctx)
	if err != nil || head == nil {
		return err
	}
	v.Head = head.Seq
	if after < 0 {
		switch {
		case !from.IsZero():
			if after, err = p.seqBefore(ctx, from, head.Seq); err != nil {
				return err
			}
		case v.Filter.empty():
			after, v.Newest = max(head.Seq-auditPageSize, 0), true
		default:
			after = 0
		}
	}
	budget := int64(auditScanBudget)
	v.Scanned = after
	for len(v.Events) < auditPageSize && budget > 0 && v.Scanned < head.Seq {
		page, err := p.auditLog.AuditEvents(ctx, v.Scanned, int(min(budget, auditReadPage)))
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			v.Scanned, budget = ev.Seq, budget-1
			if !to.IsZero() && ev.Time.After(to) {
				v.Scanned = head.Seq // the log is in time order: nothing later matches
				break
			}
			if v.Filter.match(ev, from) {
				v.Events = append(v.Events, &auditRow{AuditEvent: ev, Detail: compactDetail(ev.Detail)})
				if len(v.Events) == auditPageSize {
					break
				}
			}
		}
	}
	if v.Newest {
		slices.Reverse(v.Events) // the newest first, as a log is read
	}
	if v.Scanned < head.Seq {
		q := v.Filter.query()
		q.Set("after", strconv.FormatInt(v.Scanned, 10))
		v.NextHref = "/audit?" + q.Encode()
	}
	return nil
}

func (f auditFilter) match(ev *callvault.AuditEvent, from time.Time) bool {
	switch {
	case !from.IsZero() && ev.Time.Before(from):
		return false
	case f.Action != "" && ev.Action != f.Action && !(strings.HasSuffix(f.Action, ".") && strings.HasPrefix(ev.Action, f.Action)):
		return false
	case f.Actor != "" && !strings.Contains(strings.ToLower(ev.Actor), strings.ToLower(f.Actor)):
		return false
	case f.Object != "" && !strings.Contains(strings.ToLower(ev.Object), strings.ToLower(f.Object)):
		return false
	}
	return true
}

// seqBefore returns the seq of the last event before t (0 if none), by bisecting the log: its
// times do not go backwards, so a handful of one-event reads find the place.
func (p *Pages) seqBefore(ctx context.Context, t time.Time, head int64) (int64, error) {
	lo, hi := int64(0), head // the answer is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		evs, err := p.auditLog.AuditEvents(ctx, mid-1, 1)
		if err != nil {
			return 0, err
		}
		if len(evs) == 0 || !evs[0].Time.Before(t) {
			hi = mid - 1
		} else {
			lo = evs[0].Seq
		}
	}
	return lo, nil
}

// compactDetail shows an event's JSON detail as key: value pairs.
func compactDetail(d string) string {
	if d == "" {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(d), &m) != nil {
		return d
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		val, _ := json.Marshal(m[k])
		b.WriteString(k + ": " + strings.Trim(string(val), `"`))
	}
	return b.String()
}

// verifyPanel reads the last verification and the run in progress.
func (p *Pages) verifyPanel(r *http.Request) (*verifyView, error) {
	if p.verify == nil {
		return nil, nil
	}
	last, err := p.verify.Last(r.Context())
	if err != nil {
		return nil, err
	}
	return &verifyView{Last: last, Progress: p.verify.Progress(),
		MayRun: p.rules.Permits(principal(r.Context()), callvault.ActAuditVerify).Allow}, nil
}

// startVerify is POST /audit/verify: a verification starts in the background and the page
// shows its progress (progress.js polls /audit/verify/progress and reloads when it ends).
func (p *Pages) startVerify(w http.ResponseWriter, r *http.Request) {
	if p.verify == nil {
		p.Fail(w, r, unavailable("audit verification"))
		return
	}
	_, err := p.verify.Start(principal(r.Context()).Actor)
	switch {
	case callvault.IsKind(err, callvault.KindConflict):
		// Somebody's run is in progress: the page shows it.
	case err != nil:
		p.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/audit#verify", http.StatusSeeOther)
}

// verifyProgress is GET /audit/verify/progress: the run's state as a small JSON object, for
// progress.js. It is a page route (the session and the rules of the pages), not an API.
func (p *Pages) verifyProgress(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{"running": false}
	if p.verify != nil {
		if pr := p.verify.Progress(); pr != nil {
			out = map[string]any{"running": pr.Running, "checked": pr.Checked, "total": pr.Total, "phase": pr.Phase}
			if pr.Result != nil {
				out["ok"] = pr.Result.OK
			}
			if pr.Error != "" {
				out["error"] = pr.Error
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	json.NewEncoder(w).Encode(out)
}
