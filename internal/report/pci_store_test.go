package report

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/sqlite"
)

// TestPCIAlertsFromCatalogue: on a real catalogue whose log is long and whose times are not in
// seq order (as under concurrent appends), the alerts are exactly the PCI guard's events whose
// time is in the range, newest first, at most MaxRows: an alert far back in the log and an
// alert appended after later-timed events are both found, one just outside the range is not.
func TestPCIAlertsFromCatalogue(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	from, to := t0.Add(time.Hour), t0.Add(30*time.Hour)
	var want []int64 // seqs, oldest first
	appendEv := func(action string, at time.Time) int64 {
		ev := &callvault.AuditEvent{Time: at, Actor: "system", Action: action, Object: fmt.Sprintf("recording:r%d", at.Unix())}
		if err := db.AppendAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
		return ev.Seq
	}
	appendEv(callvault.ActionPCICardDataKeyed, from.Add(-time.Microsecond)) // before the range
	want = append(want, appendEv(callvault.ActionPCICardDataKeyed, from))   // the first of the log's events in range
	for i := 1; i <= 2500; i++ {
		at := from.Add(time.Duration(i) * time.Second)
		if i%2 == 0 {
			want = append(want, appendEv(callvault.ActionPCICardDataKeyed, at))
		} else {
			appendEv("recording.listen", at)
		}
	}
	// Appended last, timed before events appended earlier: still in the range.
	want = append(want, appendEv(callvault.ActionPCICardDataKeyed, from.Add(time.Minute)))
	appendEv(callvault.ActionPCICardDataKeyed, to) // the end is exclusive

	s := &Service{Rules: &access.Rules{}, Recordings: pagedFinder{}, Audit: db, Now: func() time.Time { return to }}
	dpo := &callvault.Principal{Kind: callvault.PrincipalUser, ID: "u1", Actor: "user:dora", Roles: []callvault.Role{callvault.RoleDPO},
		NoticeAcknowledged: true, SecondFactor: true}
	got, err := s.PCIAlerts(ctx, dpo, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) <= MaxRows {
		t.Fatalf("the fixture has %d alerts, not more than MaxRows", len(want))
	}
	if len(got) != MaxRows {
		t.Fatalf("%d alerts, want MaxRows (%d)", len(got), MaxRows)
	}
	for i, a := range got {
		if w := want[len(want)-1-i]; a.Seq != w {
			t.Fatalf("alert %d is event %d, want %d (newest first)", i, a.Seq, w)
		}
	}
	// A range far back in the log: its one alert, although thousands of events follow it.
	got, err = s.PCIAlerts(ctx, dpo, from, from.Add(time.Second))
	if err != nil || len(got) != 1 || got[0].Seq != want[0] {
		t.Fatalf("the first second's alerts: %+v, %v; want event %d", got, err, want[0])
	}
}
