package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// testNoticeVersions checks the NoticeStore contract: versions are kept as given and listed
// newest first; the latest is the highest; a version not above every stored one is refused
// (two people saving from the same version: exactly one wins); every addition is audited in
// the same write and a refused one writes nothing; an import stores a version as given
// without an event.
func testNoticeVersions(t *testing.T, open Opener) {
	cat := open(t)
	ns, ok := cat.(callvault.NoticeStore)
	if !ok {
		t.Fatalf("%T does not implement callvault.NoticeStore; every catalogue backend must", cat)
	}
	events := func() int { return len(allEvents(t, cat)) }
	start := events()

	wantKind(t, func() error { _, err := ns.LatestNotice(ctx()); return err }(), callvault.KindNotFound, "LatestNotice(none stored)")
	if got, err := ns.NoticeVersions(ctx()); err != nil || len(got) != 0 {
		t.Fatalf("NoticeVersions(none stored) = %v, %v", got, err)
	}

	first := &callvault.NoticeVersion{Version: 2, Text: "Calls are recorded.", Author: "config", CreatedAt: base}
	second := &callvault.NoticeVersion{Version: 3, Text: "Calls are recorded \u00e9\nfor training.", Note: "adds training",
		Author: "user:dan", CreatedAt: base.Add(time.Hour)}
	for _, n := range []*callvault.NoticeVersion{first, second} {
		if err := ns.AddNoticeVersion(ctx(), n, newEvent(callvault.ActionNoticeEdit, "notice")); err != nil {
			t.Fatalf("AddNoticeVersion(%d): %v", n.Version, err)
		}
	}
	for _, v := range []int{3, 1} {
		wantKind(t, ns.AddNoticeVersion(ctx(), &callvault.NoticeVersion{Version: v, Text: "stale", CreatedAt: base},
			newEvent(callvault.ActionNoticeEdit, "notice")), callvault.KindConflict, "AddNoticeVersion(not above the latest)")
	}
	wantKind(t, ns.AddNoticeVersion(ctx(), &callvault.NoticeVersion{Version: 4, CreatedAt: base},
		newEvent(callvault.ActionNoticeEdit, "notice")), callvault.KindInvalid, "AddNoticeVersion(no text)")
	if n := events() - start; n != 2 {
		t.Fatalf("%d audit events after two additions and three refusals, want 2", n)
	}
	got, err := ns.NoticeVersions(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*callvault.NoticeVersion{second, first}, got, cmpOpts); diff != "" {
		t.Fatalf("NoticeVersions (-want +got):\n%s", diff)
	}
	latest, err := ns.LatestNotice(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(second, latest, cmpOpts); diff != "" {
		t.Fatalf("LatestNotice (-want +got):\n%s", diff)
	}

	// Two saves from version 3 at once: one stores version 4, the other is refused.
	var (
		wg   sync.WaitGroup
		errs = make([]error, 2)
	)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = ns.AddNoticeVersion(context.Background(), &callvault.NoticeVersion{Version: 4, Text: "racing", Author: "user:x", CreatedAt: base},
				newEvent(callvault.ActionNoticeEdit, "notice"))
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !callvault.IsKind(errs[0], callvault.KindConflict) && !callvault.IsKind(errs[1], callvault.KindConflict) {
		t.Fatalf("two saves of version 4: %v and %v; want one stored and one conflict", errs[0], errs[1])
	}
	if n := events() - start; n != 3 {
		t.Fatalf("%d audit events after the race, want 3", n)
	}

	imp, ok := cat.(callvault.NoticeImporter)
	if !ok {
		t.Fatalf("%T does not implement callvault.NoticeImporter", cat)
	}
	old := &callvault.NoticeVersion{Version: 1, Text: "The first notice.", Author: "config", CreatedAt: base.Add(-time.Hour)}
	if err := imp.ImportNoticeVersion(ctx(), old); err != nil {
		t.Fatalf("ImportNoticeVersion: %v", err)
	}
	wantKind(t, imp.ImportNoticeVersion(ctx(), old), callvault.KindConflict, "ImportNoticeVersion(again)")
	if n := events() - start; n != 3 {
		t.Fatalf("%d audit events after an import, want still 3", n)
	}
	got, _ = ns.NoticeVersions(ctx())
	if len(got) != 4 || got[3].Version != 1 || !cmp.Equal(got[3], old, cmpOpts) {
		t.Fatalf("after importing version 1: %v", got)
	}
}
