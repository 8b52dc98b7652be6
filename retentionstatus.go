package callvault

import (
	"context"
	"time"
)

// SweepRun is the outcome of one retention sweep, as the compliance status reports it.
type SweepRun struct {
	Node       string    `json:"node"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	OK         bool      `json:"ok"`
	Deleted    int       `json:"deleted"`
	Held       int       `json:"held"`            // expired recordings kept by holds
	Error      string    `json:"error,omitempty"` // a safe message (ErrorMessage) of a failed run
}

// SweepState is what the catalogue keeps of the sweeps: the last successful run, the last failed
// one, and since when runs have failed without a success in between.
type SweepState struct {
	LastOK       *SweepRun `json:"last_ok,omitempty"`
	LastFailed   *SweepRun `json:"last_failed,omitempty"`
	FailingSince time.Time `json:"failing_since,omitzero"` // zero when the last run succeeded
}

// RetentionStats counts the live recordings against the retention policy at a time.
type RetentionStats struct {
	Live        int64 `json:"live"`
	Expired     int64 `json:"expired"`      // past retention, not held: zero after a sweep
	HeldExpired int64 `json:"held_expired"` // past retention, kept by a hold
	// Oldest is the live recording that started first, nil in an empty vault.
	Oldest *OldestRecording `json:"oldest,omitempty"`
}

// OldestRecording names the oldest live recording.
type OldestRecording struct {
	ID          string    `json:"id"`
	StartedAt   time.Time `json:"started_at"`
	RetainUntil time.Time `json:"retain_until"`
}

// RetentionStore keeps what the compliance status needs. Every catalogue backend implements it.
type RetentionStore interface {
	// RecordSweep records the outcome of a sweep run: a successful run becomes LastOK and
	// clears FailingSince; a failed one becomes LastFailed and sets FailingSince to its
	// StartedAt unless it is set already. KindInvalid without StartedAt and FinishedAt.
	RecordSweep(ctx context.Context, run *SweepRun) error
	// SweepState returns the recorded state; a vault that never swept has an empty one.
	SweepState(ctx context.Context) (*SweepState, error)
	// RetentionStats counts the live recordings whose RetainUntil is before now, held or not,
	// and names the oldest live recording.
	RetentionStats(ctx context.Context, now time.Time) (*RetentionStats, error)

	// RecomputeState returns the retention months the live recordings' RetainUntil follow
	// (applied; 0 if never recorded) and, for a recompute under way, the months it moves to
	// (target) and the ID of the last recording it has done (after).
	RecomputeState(ctx context.Context) (applied, target int, after string, err error)
	// UpdateRetainUntil sets RetainUntil of each change's live recording (deleted ones are
	// skipped), records the recompute's progress (target, after; when done, target becomes the
	// applied months), and appends ev, atomically. KindInvalid for target < 1.
	UpdateRetainUntil(ctx context.Context, changes []RetainChange, target int, after string, done bool, ev *AuditEvent) error
}

// RetainChange is a new RetainUntil for one recording.
type RetainChange struct {
	ID          string
	RetainUntil time.Time
}

// ActionRetentionRecompute is appended for each batch of a recompute of RetainUntil after the
// retention months setting changed.
const ActionRetentionRecompute = "retention.recompute"
