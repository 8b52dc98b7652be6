package main

import (
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// Changing retention_months moves each recording's header to the epoch of its new retention
// end, in the job that recomputes retain_until (headers only: each still opens to the audio
// its hash names), and the audit chain follows the re-wraps.
func TestRetentionMonthsChangeRewrapsHeaders(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	m := mainFor(t, "--data", data)
	now := time.Now()
	var ids []string
	for i, ago := range []int{0, 1, 2, 3} {
		ids = append(ids, ingestN(t, m, 1, "m"+string(rune('a'+i)), now.AddDate(0, -ago, -1))...)
	}
	before := map[string]string{}
	for _, id := range ids {
		r, _ := m.Catalogue.Recording(ctx, id)
		before[id] = r.KeyEpoch
	}

	// Twelve months instead of six: every retention end moves six months later.
	m.Config.RetentionMonths = 12
	m.Retention.Config = 12
	if _, err := m.retentionSweep(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		r, err := m.Catalogue.Recording(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := callvault.EpochFor(r.RetainUntil, now)
		if r.KeyEpoch != want || r.KeyEpoch == before[id] {
			t.Errorf("recording %s sealed to %s (was %s), want %s, the month of its new retention end %s",
				id, r.KeyEpoch, before[id], want, r.RetainUntil.Format(time.DateOnly))
		}
		if err := openMatches(t, m, id); err != nil {
			t.Errorf("recording %s after the re-wrap: %v", id, err)
		}
	}
	if code, out, errOut := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Fatalf("audit verify: %d %s %s", code, out, errOut)
	}
}
