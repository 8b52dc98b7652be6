package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// testRetentionSettings checks the RetentionSettingStore contract: versions are kept as given
// and listed newest first; the latest is the highest; a version not above every stored one is
// refused (two Directors saving from the same version: exactly one wins); months outside
// 1..120 are refused; every addition is audited in the same write and a refused one writes
// nothing; an import stores a version as given without an event.
func testRetentionSettings(t *testing.T, open Opener) {
	cat := open(t)
	ns, ok := cat.(callvault.RetentionSettingStore)
	if !ok {
		t.Fatalf("%T does not implement callvault.RetentionSettingStore; every catalogue backend must", cat)
	}
	events := func() int { return len(allEvents(t, cat)) }
	start := events()

	wantKind(t, func() error { _, err := ns.LatestRetentionSetting(ctx()); return err }(), callvault.KindNotFound, "LatestRetentionSetting(none stored)")
	if got, err := ns.RetentionSettings(ctx()); err != nil || len(got) != 0 {
		t.Fatalf("RetentionSettings(none stored) = %v, %v", got, err)
	}

	first := &callvault.RetentionSetting{Version: 2, Months: 6, Author: "user:ann", CreatedAt: base}
	second := &callvault.RetentionSetting{Version: 3, Months: 120, Reason: "the board\u2019s decision \u00e9\n2026",
		Author: "user:dan", CreatedAt: base.Add(time.Hour)}
	for _, n := range []*callvault.RetentionSetting{first, second} {
		if err := ns.AddRetentionSetting(ctx(), n, newEvent(callvault.ActionRetentionSet, "retention")); err != nil {
			t.Fatalf("AddRetentionSetting(%d): %v", n.Version, err)
		}
	}
	for _, v := range []int{3, 1} {
		wantKind(t, ns.AddRetentionSetting(ctx(), &callvault.RetentionSetting{Version: v, Months: 3, CreatedAt: base},
			newEvent(callvault.ActionRetentionSet, "retention")), callvault.KindConflict, "AddRetentionSetting(not above the latest)")
	}
	for _, m := range []int{0, -1, 121} {
		wantKind(t, ns.AddRetentionSetting(ctx(), &callvault.RetentionSetting{Version: 4, Months: m, CreatedAt: base},
			newEvent(callvault.ActionRetentionSet, "retention")), callvault.KindInvalid, fmt.Sprintf("AddRetentionSetting(%d months)", m))
	}
	if n := events() - start; n != 2 {
		t.Fatalf("%d audit events after two additions and five refusals, want 2", n)
	}
	got, err := ns.RetentionSettings(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]*callvault.RetentionSetting{second, first}, got, cmpOpts); diff != "" {
		t.Fatalf("RetentionSettings (-want +got):\n%s", diff)
	}
	latest, err := ns.LatestRetentionSetting(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(second, latest, cmpOpts); diff != "" {
		t.Fatalf("LatestRetentionSetting (-want +got):\n%s", diff)
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
			errs[i] = ns.AddRetentionSetting(context.Background(), &callvault.RetentionSetting{Version: 4, Months: 4, Author: "user:x", CreatedAt: base},
				newEvent(callvault.ActionRetentionSet, "retention"))
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !callvault.IsKind(errs[0], callvault.KindConflict) && !callvault.IsKind(errs[1], callvault.KindConflict) {
		t.Fatalf("two saves of version 4: %v and %v; want one stored and one conflict", errs[0], errs[1])
	}
	if n := events() - start; n != 3 {
		t.Fatalf("%d audit events after the race, want 3", n)
	}

	imp, ok := cat.(callvault.RetentionSettingImporter)
	if !ok {
		t.Fatalf("%T does not implement callvault.RetentionSettingImporter", cat)
	}
	old := &callvault.RetentionSetting{Version: 1, Months: 1, Author: "user:old", CreatedAt: base.Add(-time.Hour)}
	if err := imp.ImportRetentionSetting(ctx(), old); err != nil {
		t.Fatalf("ImportRetentionSetting: %v", err)
	}
	wantKind(t, imp.ImportRetentionSetting(ctx(), old), callvault.KindConflict, "ImportRetentionSetting(again)")
	if n := events() - start; n != 3 {
		t.Fatalf("%d audit events after an import, want still 3", n)
	}
	got, _ = ns.RetentionSettings(ctx())
	if len(got) != 4 || got[3].Version != 1 || !cmp.Equal(got[3], old, cmpOpts) {
		t.Fatalf("after importing version 1: %v", got)
	}
}
