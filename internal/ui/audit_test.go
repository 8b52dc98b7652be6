package ui

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
)

// memLog is an audit log in memory: events 1..n, one a minute from t0.
type memLog struct {
	events []*callvault.AuditEvent
	reads  int
}

func newMemLog(n int, t0 time.Time, action func(i int) string) *memLog {
	l := &memLog{}
	for i := 1; i <= n; i++ {
		l.events = append(l.events, &callvault.AuditEvent{Seq: int64(i), Time: t0.Add(time.Duration(i) * time.Minute),
			Actor: fmt.Sprintf("user:u%d", i%7), Action: action(i), Object: fmt.Sprintf("recording:r%d", i)})
	}
	return l
}

// QueryAudit answers by the contract, callvault.AuditQuery.Match, as a catalogue does.
func (l *memLog) QueryAudit(_ context.Context, q callvault.AuditQuery) ([]*callvault.AuditEvent, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	l.reads++
	var out []*callvault.AuditEvent
	for _, ev := range l.events {
		if q.Match(ev) {
			out = append(out, ev)
		}
	}
	if q.Newest {
		slices.Reverse(out)
	}
	return out[:min(len(out), callvault.PageLimit(q.Limit))], nil
}

func (l *memLog) AuditHead(context.Context) (*callvault.AuditEvent, error) {
	if len(l.events) == 0 {
		return nil, nil
	}
	return l.events[len(l.events)-1], nil
}

// TestReadAudit: filters by action (exact or prefix), actor, object and time; pages by seq with
// a link that reads on; a filter nothing matches stops at the scan budget and offers to read on.
func TestReadAudit(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	l := newMemLog(30000, t0, func(i int) string {
		switch {
		case i == 29990:
			return "audit.verify"
		case i%100 == 0:
			return "recording.listen"
		case i%100 == 1:
			return "recording.download"
		}
		return "auth.login"
	})
	p := &Pages{auditLog: l}
	read := func(f auditFilter, after int64, from, to time.Time) *auditView {
		v := &auditView{Filter: f}
		if err := p.readAudit(context.Background(), v, after, from, to); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// No filter: the newest page, newest first, nothing later.
	v := read(auditFilter{}, -1, time.Time{}, time.Time{})
	if !v.Newest || len(v.Events) != auditPageSize || v.Events[0].Seq != 30000 || v.NextHref != "" {
		t.Fatalf("newest: %d events from %d, next %q", len(v.Events), v.Events[0].Seq, v.NextHref)
	}
	// An exact action far in the log (once read only after 20,000 others): on the first page,
	// and nothing follows it.
	v = read(auditFilter{Action: "audit.verify"}, -1, time.Time{}, time.Time{})
	if len(v.Events) != 1 || v.Events[0].Seq != 29990 || v.NextHref != "" || v.Scanned != 30000 {
		t.Fatalf("a rare action: %d events, scanned %d, next %q", len(v.Events), v.Scanned, v.NextHref)
	}
	// A prefix, an actor (a user's name) and an object.
	v = read(auditFilter{Action: "recording.", Actor: "u3"}, -1, time.Time{}, time.Time{})
	for _, ev := range v.Events {
		if ev.Actor != "user:u3" || (ev.Action != "recording.listen" && ev.Action != "recording.download") {
			t.Fatalf("prefix and actor: %+v", ev.AuditEvent)
		}
	}
	if len(v.Events) != auditPageSize || v.NextHref == "" {
		t.Fatalf("prefix and actor: %d events, next %q", len(v.Events), v.NextHref)
	}
	v = read(auditFilter{Object: "recording:r12345"}, -1, time.Time{}, time.Time{})
	if len(v.Events) != 1 || v.Events[0].Seq != 12345 {
		t.Fatalf("object: %+v", v.Events)
	}
	// A time range starts where it begins and ends where it ends.
	v = read(auditFilter{From: "x", Action: "recording.listen"}, -1, t0.Add(10000*time.Minute), t0.Add(10300*time.Minute))
	if len(v.Events) != 4 || v.Events[0].Seq != 10000 || v.Events[3].Seq != 10300 || v.NextHref != "" {
		t.Fatalf("time range: %d events, next %q", len(v.Events), v.NextHref)
	}
}

func TestCompactDetail(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		`{"b":2,"a":"x"}`:               "a: x; b: 2",
		`{"roles":["staff","manager"]}`: `roles: ["staff","manager"]`,
		"not json":                      "not json",
	} {
		if got := compactDetail(in); got != want {
			t.Errorf("compactDetail(%q) = %q, want %q", in, got, want)
		}
	}
}

// fakeJobs is a verification in progress.
type fakeJobs struct{ pr *audit.VerifyProgress }

func (f *fakeJobs) Start(callvault.Actor) (*audit.VerifyProgress, error) { return f.pr, nil }
func (f *fakeJobs) Progress() *audit.VerifyProgress                      { return f.pr }
func (f *fakeJobs) Last(context.Context) (*audit.VerifyResult, error)    { return nil, nil }

// TestAuditPageRunning: while a verification runs, the page shows a <progress> bar with the
// events checked out of the log's length, loads progress.js to move it, and offers no second
// run; the progress endpoint answers the same figures as JSON, never cached.
func TestAuditPageRunning(t *testing.T) {
	jobs := &fakeJobs{pr: &audit.VerifyProgress{Running: true, By: "user:al", Checked: 400, Total: 1000, Phase: "log"}}
	p := New(Config{AuditLog: newMemLog(1000, time.Now(), func(int) string { return "x" }), Verify: jobs})
	rec := httptest.NewRecorder()
	p.auditPage(rec, httptest.NewRequest("GET", "/audit", nil))
	page := rec.Body.String()
	for _, want := range []string{`<progress id="verify-bar" max="1000" value="400">40%</progress>`, "400 of 1000 events checked",
		`data-poll="/audit/verify/progress"`, `/assets/progress.`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="verify-run"`) {
		t.Error("the page offers a second run while one runs")
	}
	rec = httptest.NewRecorder()
	p.verifyProgress(rec, httptest.NewRequest("GET", "/audit/verify/progress", nil))
	if got := strings.TrimSpace(rec.Body.String()); got != `{"checked":400,"phase":"log","running":true,"total":1000}` ||
		rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("progress: %s %v", got, rec.Header())
	}
}
