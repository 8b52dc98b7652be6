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

// The audit log page asks the catalogue for the events matching its filter, a page at a time
// in seq order (callvault.AuditQueryStore, read through indexes): a match is found however far
// back in the log it is, and the page offers the next matches after the last one it shows.
const auditPageSize = 50

// auditFilter is what the auditor narrows the log by.
type auditFilter struct {
	Action string // an action, or a prefix ending in "." ("recording.")
	Actor  string // an actor as the log writes it ("user:dan", "token:ci", "system"), or a user's name ("dan")
	Object string // an object as the log writes it ("recording:r1", "case:c1")
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
	Scanned  int64 // the last seq shown when more matches follow, else the head
	Head     int64
	NextHref string // the matches after Scanned, "" when there are none
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
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		v.Errors["to"] = "Enter a time after the From time."
	}
	if strings.HasSuffix(v.Filter.Action, ".") && strings.Trim(v.Filter.Action, ".") == "" {
		v.Errors["action"] = "Enter an action, or the start of one ending in a dot, for example recording."
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

// readAudit fills v with the events matching its filter after seq after (-1: from the start, or
// the newest events when there is no filter), to at most auditPageSize of them. The times
// from and to are both included.
func (p *Pages) readAudit(ctx context.Context, v *auditView, after int64, from, to time.Time) error {
	head, err := p.auditLog.AuditHead(ctx)
	if err != nil || head == nil {
		return err
	}
	v.Head = head.Seq
	if after < 0 && v.Filter.empty() {
		evs, err := p.auditLog.QueryAudit(ctx, callvault.AuditQuery{Newest: true, Limit: auditPageSize})
		if err != nil {
			return err
		}
		v.Newest, v.Scanned = true, head.Seq
		for _, ev := range evs { // the newest first, as a log is read
			v.Events = append(v.Events, &auditRow{AuditEvent: ev, Detail: compactDetail(ev.Detail)})
		}
		return nil
	}
	q := v.Filter.auditQuery(from, to)
	q.AfterSeq, q.Limit = max(after, 0), auditPageSize+1 // one more tells whether matches follow
	evs, err := p.auditLog.QueryAudit(ctx, q)
	if err != nil {
		return err
	}
	v.Scanned = head.Seq
	if len(evs) > auditPageSize {
		evs = evs[:auditPageSize]
		v.Scanned = evs[len(evs)-1].Seq
		next := v.Filter.query()
		next.Set("after", strconv.FormatInt(v.Scanned, 10))
		v.NextHref = "/audit?" + next.Encode()
	}
	for _, ev := range evs {
		v.Events = append(v.Events, &auditRow{AuditEvent: ev, Detail: compactDetail(ev.Detail)})
	}
	return nil
}

// bareActors are the actors the log writes without a kind ("user:", "token:", "link:").
var bareActors = []string{string(callvault.ActorSystem), "siprec", "anonymous"}

// auditQuery is the catalogue's query of the filter: the action as given, the actor as the log
// writes it (a bare name is a user's), the object as given, and the times from and to included.
func (f auditFilter) auditQuery(from, to time.Time) callvault.AuditQuery {
	q := callvault.AuditQuery{Action: f.Action, Actor: f.Actor, Object: f.Object, Since: from}
	if q.Actor != "" && !strings.Contains(q.Actor, ":") && !slices.Contains(bareActors, q.Actor) {
		q.Actor = "user:" + q.Actor
	}
	if !to.IsZero() {
		q.Until = to.Add(time.Microsecond) // the log keeps microseconds: to itself is in the range
	}
	return q
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
