package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/callvault/callvault"
)

// AuditQueryCatalogue is a catalogue that answers queries of its audit log.
type AuditQueryCatalogue interface {
	callvault.Catalogue
	callvault.AuditQueryStore
}

// RunAuditQuery runs the conformance suite of callvault.AuditQueryStore: exactly the events
// AuditQuery.Match selects, in seq order (descending for Newest), as stored, paged by AfterSeq,
// BeforeSeq and Limit; a time range is right although the log's times are not in seq order;
// a query Validate refuses is KindInvalid.
func RunAuditQuery(t *testing.T, open func(t *testing.T) AuditQueryCatalogue) {
	cat := open(t)
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	actions := []string{"recording.listen", "recording.download", "recordingx.other", "recording/x", "auth.login", "pci.card_data_keyed"}
	for i := range 120 {
		ev := newEvent(actions[i%len(actions)], fmt.Sprintf("recording:r%d", i%9))
		ev.Actor = fmt.Sprintf("user:u%d", i%4)
		// Times go backwards now and then, as under concurrent appends: event i is at minute i,
		// but every seventh event half a minute after minute i-30, so the first event timed
		// after a moment is not always the first appended after it.
		ev.Time = t0.Add(time.Duration(i) * time.Minute)
		if i%7 == 3 {
			ev.Time = ev.Time.Add(-30*time.Minute + 30*time.Second)
		}
		if err := cat.AppendAudit(ctx(), ev); err != nil {
			t.Fatal(err)
		}
	}
	all := allEvents(t, cat)
	want := func(q callvault.AuditQuery) []*callvault.AuditEvent {
		var out []*callvault.AuditEvent
		for _, ev := range all {
			if q.Match(ev) {
				out = append(out, ev)
			}
		}
		if q.Newest {
			slices.Reverse(out)
		}
		return out
	}

	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for _, q := range []callvault.AuditQuery{
		{},
		{Action: "recording.listen"},
		{Action: "recording."},
		{Action: "recording"}, // not a prefix: no such action
		{Action: "pci.card_data_keyed", Newest: true},
		{Actor: "user:u2"},
		{Actor: "user:u"},
		{Object: "recording:r3"},
		{Action: "recording.", Actor: "user:u1", Object: "recording:r5"},
		{Since: at(60)},
		{Since: at(57).Add(15 * time.Second)}, // the first timed after it (57.5) was appended 30 events later
		{Since: at(57).Add(15 * time.Second), Newest: true},
		{Action: "recording.", Since: at(57).Add(15 * time.Second), Until: at(70)},
		{Until: at(40)},
		{Since: at(50), Until: at(80)},
		{Since: at(50), Until: at(80), Newest: true},
		{Action: "recording.download", Since: at(20), Until: at(100), Newest: true},
		{Action: "auth.login", Since: at(95)},
		{Since: at(200)},
		{AfterSeq: 30, BeforeSeq: 60},
		{AfterSeq: 30, BeforeSeq: 60, Newest: true, Actor: "user:u3"},
	} {
		q.Limit = callvault.MaxSearchLimit
		got, err := cat.QueryAudit(ctx(), q)
		if err != nil {
			t.Fatalf("QueryAudit(%+v): %v", q, err)
		}
		if diff := cmp.Diff(want(q), got, cmpOpts); diff != "" {
			t.Errorf("QueryAudit(%+v) (-want +got):\n%s", q, diff)
		}
	}
	if n := len(want(callvault.AuditQuery{Since: at(50), Until: at(80)})); n == 0 {
		t.Fatal("the fixture has no events in the time range")
	}

	// Pages: AfterSeq (oldest first) and BeforeSeq (newest first) walk the same events.
	for _, newest := range []bool{false, true} {
		q := callvault.AuditQuery{Action: "recording.", Since: at(10), Until: at(110), Newest: newest, Limit: 4}
		var paged []*callvault.AuditEvent
		for {
			page, err := cat.QueryAudit(ctx(), q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 4 {
				t.Fatalf("a page of %d events, over the limit of 4", len(page))
			}
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			if newest {
				q.BeforeSeq = page[len(page)-1].Seq
			} else {
				q.AfterSeq = page[len(page)-1].Seq
			}
		}
		q.AfterSeq, q.BeforeSeq = 0, 0
		if diff := cmp.Diff(want(q), paged, cmpOpts); diff != "" {
			t.Errorf("paged (newest %v) (-want +got):\n%s", newest, diff)
		}
	}

	for _, bad := range []callvault.AuditQuery{
		{Action: "."},
		{Since: at(10), Until: at(10)},
		{Since: at(10), Until: at(5)},
		{AfterSeq: -1},
		{BeforeSeq: -1},
	} {
		_, err := cat.QueryAudit(ctx(), bad)
		wantKind(t, err, callvault.KindInvalid, fmt.Sprintf("QueryAudit(%+v)", bad))
	}
}
