package retention

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/callvault/callvault"
)

// DefaultFailAfter is how long sweeps may fail (or not run) before the compliance status, the
// deep health check and the metric turn bad: long enough to ride out a night's outage, short
// enough that monitoring notices before the policy is broken by more than a few days.
const DefaultFailAfter = 48 * time.Hour

// Status is the retention compliance status: what GET /api/v1/compliance/retention and
// `callvault retention status` show the auditor, the DPO and the directors.
type Status struct {
	GeneratedAt     time.Time `json:"generated_at"`
	RetentionMonths int       `json:"retention_months"`
	// ExpiredNotDeleted counts live recordings past retention that no hold keeps: zero after a
	// successful sweep.
	ExpiredNotDeleted int64 `json:"expired_not_deleted"`
	HeldExpired       int64 `json:"held_expired"` // past retention, kept by holds (listed in Holds)
	Live              int64 `json:"live"`
	// Holds are the active holds that keep recordings past retention, each with its case or
	// reason and its review date.
	Holds  []HeldReport               `json:"holds"`
	Oldest *callvault.OldestRecording `json:"oldest_recording,omitempty"`

	LastSweep       *callvault.SweepRun `json:"last_successful_sweep,omitempty"`
	LastFailedSweep *callvault.SweepRun `json:"last_failed_sweep,omitempty"`
	FailingSince    time.Time           `json:"sweeps_failing_since,omitzero"`
	// Healthy is false when sweeps have failed, or not succeeded, for longer than FailAfter;
	// Problem then says why.
	Healthy bool   `json:"healthy"`
	Problem string `json:"problem,omitempty"`

	// Epochs describes the key epochs live and destroyed (cmd/callvault fills it through
	// Reader.Epochs from the catalogue); null for a catalogue without key epochs.
	Epochs json.RawMessage `json:"epochs"`
}

// HeldReport is one hold of the status.
type HeldReport struct {
	HoldID      string    `json:"hold_id"`
	RecordingID string    `json:"recording_id"`
	CaseID      string    `json:"case_id,omitempty"`
	Reason      string    `json:"reason"`
	ReviewAt    time.Time `json:"review_at"`
	ReviewDue   bool      `json:"review_due"` // the review date has passed
	RetainUntil time.Time `json:"retain_until"`
}

// Reader builds the Status. The HTTP handler and the CLI both call Read.
type Reader struct {
	Store           callvault.RetentionStore
	Holds           callvault.HoldStore
	RetentionMonths int
	// Period, if set, gives the months in force instead of RetentionMonths (Setting).
	Period interface {
		Months(ctx context.Context) (int, error)
	}
	FailAfter time.Duration // default DefaultFailAfter
	Now       func() time.Time
	// Epochs, if set, returns the key epochs' status as JSON (the key-epochs work fills it).
	Epochs func(ctx context.Context) (json.RawMessage, error)
}

// Read returns the current status.
func (r *Reader) Read(ctx context.Context) (*Status, error) {
	now := r.now()
	st := &Status{GeneratedAt: now.UTC(), RetentionMonths: r.RetentionMonths, Holds: []HeldReport{}}
	if r.Period != nil {
		months, err := r.Period.Months(ctx)
		if err != nil {
			return nil, err
		}
		st.RetentionMonths = months
	}
	stats, err := r.Store.RetentionStats(ctx, now)
	if err != nil {
		return nil, err
	}
	st.ExpiredNotDeleted, st.HeldExpired, st.Live, st.Oldest = stats.Expired, stats.HeldExpired, stats.Live, stats.Oldest
	sweeps, err := r.Store.SweepState(ctx)
	if err != nil {
		return nil, err
	}
	st.LastSweep, st.LastFailedSweep, st.FailingSince = sweeps.LastOK, sweeps.LastFailed, sweeps.FailingSince
	st.Problem = SweepProblem(sweeps, now, r.FailAfter)
	st.Healthy = st.Problem == ""
	if r.Holds != nil {
		holds, err := AllHolds(ctx, r.Holds, callvault.HoldFilter{ExpiredBefore: now})
		if err != nil {
			return nil, err
		}
		for _, h := range holds {
			st.Holds = append(st.Holds, HeldReport{HoldID: h.ID, RecordingID: h.RecordingID, CaseID: h.CaseID, Reason: h.Reason,
				ReviewAt: h.ReviewAt, ReviewDue: h.ReviewAt.Before(now), RetainUntil: h.RetainUntil})
		}
	}
	if r.Epochs != nil {
		if st.Epochs, err = r.Epochs(ctx); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// SweepProblem says what is wrong with the sweeps at now, or "" when nothing is: they have
// failed without a success for longer than failAfter (0 means DefaultFailAfter), or the last
// success is older than that (the sweep stopped running). A vault that never swept is fine.
func SweepProblem(st *callvault.SweepState, now time.Time, failAfter time.Duration) string {
	if failAfter <= 0 {
		failAfter = DefaultFailAfter
	}
	switch {
	case !st.FailingSince.IsZero() && now.Sub(st.FailingSince) > failAfter:
		msg := fmt.Sprintf("retention sweeps have failed since %s (more than %s)", st.FailingSince.UTC().Format(time.RFC3339), failAfter)
		if st.LastFailed != nil && st.LastFailed.Error != "" {
			msg += ": " + st.LastFailed.Error
		}
		return msg
	case st.LastOK != nil && now.Sub(st.LastOK.FinishedAt) > failAfter:
		return fmt.Sprintf("no retention sweep has succeeded since %s (more than %s)", st.LastOK.FinishedAt.UTC().Format(time.RFC3339), failAfter)
	}
	return ""
}

func (r *Reader) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
