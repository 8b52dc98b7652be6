package report

import (
	"context"
	"time"

	"github.com/callvault/callvault"
)

// Finder reads recordings' metadata (callvault.RecordingStore's methods).
type Finder interface {
	FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error)
	Recording(ctx context.Context, id string) (*callvault.Recording, error)
}

// Counts are the totals of an announcements report.
type Counts struct {
	Inbound int // inbound calls started in the range
	Missing int // of them, without evidence that the announcement was played
}

// MissingAnnouncement reports whether r is an inbound call with no evidence that the caller
// heard the recording announcement (announcement_played "no" or "unknown").
func MissingAnnouncement(r *callvault.Recording) bool {
	return r.Direction == callvault.DirectionInbound && r.AnnouncementPlayed != callvault.AnnouncementYes
}

// ScanAnnouncements calls each for every inbound call started in [from, to) without evidence
// that the announcement was played, in the catalogue's order, and returns the counts. An error
// of each stops the scan.
func ScanAnnouncements(ctx context.Context, f Finder, from, to time.Time, each func(*callvault.Recording) error) (Counts, error) {
	var n Counts
	filter := callvault.RecordingFilter{From: from, To: to, Limit: callvault.MaxSearchLimit}
	for {
		page, err := f.FindRecordings(ctx, filter)
		if err != nil {
			return n, err
		}
		for _, r := range page {
			if r.Direction != callvault.DirectionInbound {
				continue
			}
			n.Inbound++
			if !MissingAnnouncement(r) {
				continue
			}
			n.Missing++
			if each != nil {
				if err := each(r); err != nil {
					return n, err
				}
			}
		}
		if len(page) < filter.Limit {
			return n, nil
		}
		filter.After = page[len(page)-1].ID
	}
}

// ExternalNumber is the first external number of r as a person reads it (E.164, else as
// reported), or "".
func ExternalNumber(r *callvault.Recording) string {
	if len(r.ExternalNumbers) == 0 {
		return ""
	}
	if n := r.ExternalNumbers[0].E164; n != "" {
		return n
	}
	return r.ExternalNumbers[0].Raw
}
