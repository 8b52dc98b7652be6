package callvault

import (
	"context"
	"encoding/json"
	"time"
	"unicode/utf8"
)

// Import jobs. A provider that calls a webhook when a recording is ready (Twilio and the
// platforms that copy its API) is answered at once; the recording is fetched later by a job kept
// in the catalogue, so that a fetch that fails is retried with backoff and one pending at a
// restart is not lost. A job is unique per (Kind, Key), the provider's own recording ID, so a
// callback delivered twice queues one fetch.

// Audit actions of imports. The recording's own recording.ingest event names its source and
// source ID; these record what happened to a provider's notice before and instead of that.
const (
	ActionImportQueued  = "import.queued"  // a provider's recording was queued for fetching
	ActionImportRefused = "import.refused" // an import was refused (unrecorded line, bad metadata); the detail names the call (its source ID, never a file name) and the reason
)

// Outcomes of a finished ImportJob.
const (
	ImportImported = "imported" // the recording is stored (RecordingID)
	ImportRefused  = "refused"  // refused for good (an unrecorded line, metadata no rule accepts)
)

// Limits of an ImportJob.
const (
	maxImportKind    = 32
	maxImportKey     = 200
	maxImportPayload = 16 << 10
	maxImportError   = 500
)

// ImportJob is one recording to fetch from a provider.
type ImportJob struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // the provider ("twilio")
	Key  string `json:"key"`  // the provider's recording ID (RecordingSid); unique per Kind
	// Payload is the job's JSON document (the callback's parameters). It may hold call details
	// (numbers) and is emptied ("{}") when the job finishes; it never holds credentials.
	Payload     string    `json:"payload"`
	CreatedAt   time.Time `json:"created_at"`
	Attempts    int       `json:"attempts"`        // attempts that ended (failed or finished)
	NextAttempt time.Time `json:"next_attempt_at"` // not claimed before this time
	DoneAt      time.Time `json:"done_at,omitzero"`
	Outcome     string    `json:"outcome,omitempty"`      // ImportImported or ImportRefused once done
	RecordingID string    `json:"recording_id,omitempty"` // the stored recording, when imported
	LastError   string    `json:"last_error,omitempty"`   // of the last failed attempt, or why refused; never holds credentials
}

// Done reports whether the job has finished.
func (j *ImportJob) Done() bool { return !j.DoneAt.IsZero() }

// Validate checks what a store needs before it keeps the job; KindInvalid naming the bad field.
func (j *ImportJob) Validate() error {
	switch {
	case j == nil:
		return Errorf(KindInvalid, "import job: none given")
	case !ValidID(j.ID):
		return Errorf(KindInvalid, "import job: id %q is not a callvault ID", j.ID)
	case j.Kind == "" || len(j.Kind) > maxImportKind || !ascii(j.Kind):
		return Errorf(KindInvalid, "import job: the kind must be 1 to %d printable ASCII characters", maxImportKind)
	case j.Key == "" || len(j.Key) > maxImportKey || !ascii(j.Key):
		return Errorf(KindInvalid, "import job: the key must be 1 to %d printable ASCII characters", maxImportKey)
	case len(j.Payload) > maxImportPayload || !json.Valid([]byte(j.Payload)) || !utf8.ValidString(j.Payload):
		return Errorf(KindInvalid, "import job: the payload must be a JSON document of at most %d KiB", maxImportPayload>>10)
	case j.CreatedAt.IsZero():
		return Errorf(KindInvalid, "import job: no creation time")
	}
	return nil
}

// TruncateImportError shortens an error message to what a store keeps (500 bytes, valid UTF-8).
func TruncateImportError(s string) string {
	if len(s) <= maxImportError {
		return s
	}
	s = s[:maxImportError]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// ImportJobStore keeps the import jobs. Every catalogue backend implements it.
type ImportJobStore interface {
	// EnqueueImportJob stores j (j.Validate; Attempts 0, not done; NextAttempt defaults to
	// CreatedAt) and appends ev, atomically. KindInvalid if j is invalid, KindConflict (writing
	// nothing) if a job with its ID or its (Kind, Key) exists, finished or not.
	EnqueueImportJob(ctx context.Context, j *ImportJob, ev *AuditEvent) error

	// ClaimImportJobs claims up to limit (see PageLimit) unfinished jobs whose NextAttempt is
	// not after now and which no one holds (no claim, or one that ended by now), oldest
	// NextAttempt first, for holder until until. Of several concurrent callers each job goes
	// to at most one.
	ClaimImportJobs(ctx context.Context, holder string, now, until time.Time, limit int) ([]*ImportJob, error)

	// FinishImportJob records that holder's job ended at doneAt with outcome (ImportImported
	// with recordingID, or ImportRefused with reason) and appends ev if it is not nil,
	// atomically; Attempts + 1, the claim cleared and the Payload emptied. KindInvalid for
	// another outcome, KindConflict if holder does not hold the job (taken over, or finished),
	// KindNotFound if there is no such job; nothing is written then.
	FinishImportJob(ctx context.Context, id, holder string, doneAt time.Time, outcome, recordingID, reason string, ev *AuditEvent) error

	// RetryImportJob records a failed attempt of holder's claim: Attempts + 1, LastError (see
	// TruncateImportError), NextAttempt = next, the claim cleared. Errors as FinishImportJob.
	RetryImportJob(ctx context.Context, id, holder string, next time.Time, lastError string) error

	// ImportJobByKey returns the job of (kind, key), or KindNotFound.
	ImportJobByKey(ctx context.Context, kind, key string) (*ImportJob, error)
}

// ImportJobImporter is the part of a catalogue's import capability (see CatalogueImporter) for
// import jobs: migration copies them, so that a fetch pending when the vault moves is not lost.
// Both of callvault's catalogues implement it.
type ImportJobImporter interface {
	// ImportJobs returns up to limit jobs (see PageLimit), finished or not, with IDs after
	// after, in ID order; none is (nil, nil).
	ImportJobs(ctx context.Context, after string, limit int) ([]*ImportJob, error)
	// ImportImportJob stores j as given (attempts, next attempt, outcome, recording, error),
	// unclaimed and without an audit event (the log is copied verbatim). KindInvalid if j
	// fails Validate, KindConflict (writing nothing) if its ID or its (Kind, Key) exists.
	ImportImportJob(ctx context.Context, j *ImportJob) error
}
