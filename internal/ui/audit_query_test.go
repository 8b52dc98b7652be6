package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// TestReadAuditPages: the matches of a filter, wherever they are in the log (the first a few
// events in, the last 20,000 and more events later), are read page after page through the
// "Later events" link, each exactly once and in order, at most a page at a time.
func TestReadAuditPages(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	l := newMemLog(30000, t0, func(i int) string {
		if i == 3 || i%97 == 0 {
			return "case.disclose"
		}
		return "auth.login"
	})
	p := &Pages{auditLog: l}
	var want []int64
	for _, ev := range l.events {
		if ev.Action == "case.disclose" {
			want = append(want, ev.Seq)
		}
	}
	var got []int64
	after := int64(-1)
	for pages := 0; ; pages++ {
		if pages > len(want) {
			t.Fatal("the pages do not end")
		}
		v := &auditView{Filter: auditFilter{Action: "case.disclose"}}
		if err := p.readAudit(context.Background(), v, after, time.Time{}, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if len(v.Events) > auditPageSize {
			t.Fatalf("a page of %d events", len(v.Events))
		}
		for _, ev := range v.Events {
			got = append(got, ev.Seq)
		}
		if v.NextHref == "" {
			break
		}
		u, err := url.Parse(v.NextHref)
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("action") != "case.disclose" {
			t.Fatalf("the next page's link loses the filter: %s", v.NextHref)
		}
		if after, err = strconv.ParseInt(u.Query().Get("after"), 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(want) || got[0] != 3 || got[len(got)-1] != want[len(want)-1] {
		t.Fatalf("read %d matches (%v ... %v), want %d", len(got), got[:1], got[len(got)-1:], len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("match %d is event %d, want %d", i, got[i], want[i])
		}
	}
}

// TestReadAuditTimeRange: the times of the log are not in seq order under concurrency, so a
// time range holds the events whose time is in it wherever they are in the log: an event
// appended long after the range but timed in it is shown, one appended in the range's stretch
// of the log but timed after it is not. Both ends are included.
func TestReadAuditTimeRange(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	l := newMemLog(30000, t0, func(int) string { return "recording.listen" })
	from, to := t0.Add(10000*time.Minute), t0.Add(10010*time.Minute)
	l.events[25000-1].Time = from.Add(30 * time.Second) // appended late, timed in the range
	l.events[10005-1].Time = to.Add(time.Hour)          // appended in the stretch, timed after it
	p := &Pages{auditLog: l}
	v := &auditView{Filter: auditFilter{From: "x", To: "y"}}
	if err := p.readAudit(context.Background(), v, -1, from, to); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, ev := range v.Events {
		got = append(got, ev.Seq)
	}
	want := []int64{10000, 10001, 10002, 10003, 10004, 10006, 10007, 10008, 10009, 10010, 25000}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
}

// TestAuditPageBadRange: a To before From, or an action that is only a dot, is a 400 naming
// the field, with nothing read.
func TestAuditPageBadRange(t *testing.T) {
	l := newMemLog(100, time.Now(), func(int) string { return "x" })
	p := New(Config{AuditLog: l})
	for q, field := range map[string]string{
		"from=2026-11-20T10:05&to=2026-11-20T10:00": `href="#to"`,
		"action=.": `href="#action"`,
	} {
		l.reads = 0
		rec := httptest.NewRecorder()
		p.auditPage(rec, httptest.NewRequest("GET", "/audit?"+q, nil))
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), field) || l.reads != 0 {
			t.Errorf("%s: status %d, reads %d, the page names %s: %v", q, rec.Code, l.reads, field, strings.Contains(rec.Body.String(), field))
		}
	}
}

// TestMonthFiguresFromLog: the month's figures count exactly the events timed in the month,
// over more than one page of the catalogue, although times are not in seq order: an event
// appended after the month began but timed before it is left out, one timed in the month
// but appended among the last month's is counted.
func TestMonthFiguresFromLog(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	l := newMemLog(6000, t0, func(i int) string {
		if i%2 == 0 {
			return callvault.ActionPCICardDataKeyed
		}
		return "auth.login"
	})
	since := t0.Add(3000 * time.Minute)             // events 3000..6000 are this month's
	l.events[3500-1].Time = since.Add(-time.Second) // a card alert timed last month
	l.events[1000-1].Time = since.Add(time.Second)  // a card alert timed this month, appended early
	p := &Pages{auditLog: l}
	mf, err := p.monthFigures(context.Background(), since)
	if err != nil {
		t.Fatal(err)
	}
	if mf.Events != 3001 || mf.CardKeyed != 1501 {
		t.Errorf("figures %+v; want 3001 events of which 1501 card alerts", *mf)
	}
	if l.reads < 4 {
		t.Errorf("%d reads: the month was not read in pages", l.reads)
	}
}
