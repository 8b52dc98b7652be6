package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// pagedFinder answers FindRecordings in pages of its filter's limit, after the cursor, within
// the range, as stores do.
type pagedFinder []*callvault.Recording

func (f pagedFinder) FindRecordings(_ context.Context, flt callvault.RecordingFilter) ([]*callvault.Recording, error) {
	var out []*callvault.Recording
	for _, r := range f {
		if r.ID <= flt.After || r.StartedAt.Before(flt.From) || !r.StartedAt.Before(flt.To) {
			continue
		}
		if len(out) == flt.Limit {
			break
		}
		out = append(out, r)
	}
	return out, nil
}

func (f pagedFinder) Recording(_ context.Context, id string) (*callvault.Recording, error) {
	for _, r := range f {
		if r.ID == id {
			return r, nil
		}
	}
	return nil, callvault.Errorf(callvault.KindNotFound, "no such recording")
}

// TestScanAnnouncements: over more than one page, only inbound calls count, and of them only
// those whose announcement is "no" or "unknown" are reported; calls outside the range are not.
func TestScanAnnouncements(t *testing.T) {
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var f pagedFinder
	want := 0
	for i := 0; i < 2500; i++ {
		r := &callvault.Recording{ID: fmt.Sprintf("r%05d", i), StartedAt: start.Add(time.Duration(i) * time.Minute),
			Direction: callvault.DirectionInbound, AnnouncementPlayed: callvault.AnnouncementYes}
		switch i % 5 {
		case 1:
			r.AnnouncementPlayed = callvault.AnnouncementNo
			want++
		case 2:
			r.AnnouncementPlayed = callvault.AnnouncementUnknown
			want++
		case 3:
			r.Direction, r.AnnouncementPlayed = callvault.DirectionOutbound, callvault.AnnouncementNo
		}
		f = append(f, r)
	}
	f = append(f, &callvault.Recording{ID: "r99999", StartedAt: start.AddDate(0, 1, 0), Direction: callvault.DirectionInbound,
		AnnouncementPlayed: callvault.AnnouncementNo}) // after the range
	var seen int
	n, err := ScanAnnouncements(context.Background(), f, start, start.AddDate(0, 0, 30), func(r *callvault.Recording) error {
		if !MissingAnnouncement(r) {
			t.Errorf("reported %s: %s %s", r.ID, r.Direction, r.AnnouncementPlayed)
		}
		seen++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n.Missing != want || seen != want || n.Inbound != 2000 {
		t.Errorf("counts %+v, reported %d; want %d missing of 2000 inbound", n, seen, want)
	}
}
