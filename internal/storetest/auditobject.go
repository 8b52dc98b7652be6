package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/callvault/callvault"
)

// AuditObjectCatalogue is a catalogue that reads the audit events of given objects.
type AuditObjectCatalogue interface {
	callvault.Catalogue
	callvault.AuditObjectStore
}

// RunAuditObjects runs the conformance suite of callvault.AuditObjectStore: exactly the events
// of the objects asked for, in Seq order, as stored (the same as AuditEvents reads them), paged
// by afterSeq and limit; a bad set of objects is KindInvalid.
func RunAuditObjects(t *testing.T, open func(t *testing.T) AuditObjectCatalogue) {
	cat := open(t)
	want := map[string][]*callvault.AuditEvent{}
	objects := []string{"case:a", "recording:1", "recording:2", "recording:3", "case:b"}
	for i := range 40 {
		o := objects[i%len(objects)]
		if i%7 == 0 {
			o = "case:a-prefix" // a longer object with the same prefix is another object
		}
		ev := newEvent(fmt.Sprintf("test.%d", i), o)
		if err := cat.AppendAudit(ctx(), ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range allEvents(t, cat) {
		want[ev.Object] = append(want[ev.Object], ev)
	}
	merge := func(objs ...string) []*callvault.AuditEvent {
		var out []*callvault.AuditEvent
		for _, ev := range allEvents(t, cat) {
			if slices.Contains(objs, ev.Object) {
				out = append(out, ev)
			}
		}
		return out
	}

	for _, tc := range [][]string{{"case:a"}, {"case:a", "recording:2", "recording:3"}, {"recording:9"}, {"case:a", "case:a"}} {
		got, err := cat.AuditEventsOf(ctx(), tc, 0, 1000)
		if err != nil {
			t.Fatalf("AuditEventsOf(%v): %v", tc, err)
		}
		if diff := cmp.Diff(merge(tc...), got, cmpOpts); diff != "" {
			t.Errorf("AuditEventsOf(%v) (-want +got):\n%s", tc, diff)
		}
	}
	if len(want["case:a"]) == 0 || len(want["case:a-prefix"]) == 0 {
		t.Fatalf("fixture without events: %v", want)
	}

	// Pages: afterSeq and limit walk the same events in order.
	all := merge("case:a", "recording:1")
	var paged []*callvault.AuditEvent
	for after := int64(0); ; {
		page, err := cat.AuditEventsOf(ctx(), []string{"recording:1", "case:a"}, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 3 {
			t.Fatalf("a page of %d events, over the limit of 3", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].Seq
	}
	if diff := cmp.Diff(all, paged, cmpOpts); diff != "" {
		t.Errorf("paged events (-want +got):\n%s", diff)
	}

	many := make([]string, callvault.MaxAuditObjects+1)
	for i := range many {
		many[i] = fmt.Sprintf("recording:%d", i)
	}
	for _, bad := range [][]string{nil, many} {
		_, err := cat.AuditEventsOf(ctx(), bad, 0, 10)
		wantKind(t, err, callvault.KindInvalid, fmt.Sprintf("AuditEventsOf with %d objects", len(bad)))
	}
	got, err := cat.AuditEventsOf(ctx(), many[:callvault.MaxAuditObjects], 0, 1000)
	if err != nil {
		t.Fatalf("AuditEventsOf with %d objects: %v", callvault.MaxAuditObjects, err)
	}
	if diff := cmp.Diff(merge("recording:1", "recording:2", "recording:3"), got, cmpOpts); diff != "" {
		t.Errorf("AuditEventsOf with %d objects (-want +got):\n%s", callvault.MaxAuditObjects, diff)
	}
}
