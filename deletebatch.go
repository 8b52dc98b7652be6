package callvault

import "context"

// RecordingBatchDeleter deletes many recordings in one transaction: the retention sweep's fast
// path. Every catalogue backend implements it; it is apart from RecordingStore because only the
// sweep uses it, and a sweep over a catalogue without it falls back to DeleteRecording.
type RecordingBatchDeleter interface {
	// DeleteRecordings deletes each recording of batch exactly as DeleteRecording would (header
	// and sidecar destroyed, personal fields and subject rows cleared, a tombstone left) and
	// appends each deleted one's Event, in batch order, in one transaction under one hold of
	// the audit lock: all of it commits or none. It sets each deletion's Outcome (and HoldID
	// for a held one) and seals the Events of the deleted ones only once the transaction has
	// committed; on error nothing was written and batch is left as it was. A recording that
	// is no longer live (another node deleted it first) is DeletionGone and one an active hold
	// keeps is DeletionHeld: neither is an error, and neither appends its event. Of concurrent
	// callers naming one recording exactly one gets DeletionDone; a hold placed at the same
	// moment is ordered as with DeleteRecording. KindInvalid (nothing written) if a deletion
	// has no event or an empty ID, or an ID appears twice.
	DeleteRecordings(ctx context.Context, batch []*RecordingDeletion) error
}

// RecordingDeletion is one recording of a DeleteRecordings batch.
type RecordingDeletion struct {
	ID    string
	Event *AuditEvent // the receipt, appended if and only if the recording is deleted

	Outcome DeletionOutcome // set by DeleteRecordings
	HoldID  string          // the hold that kept it, when Outcome is DeletionHeld
}

// DeletionOutcome is what DeleteRecordings did with one recording.
type DeletionOutcome int

const (
	DeletionPending DeletionOutcome = iota // not yet attempted, or the batch failed
	DeletionDone                           // deleted now, and its event appended
	DeletionGone                           // no live recording with that ID (deleted before)
	DeletionHeld                           // an active hold keeps it; nothing changed
)

// CheckDeletions returns KindInvalid unless every deletion of batch names a recording and
// carries its event, and no recording is named twice. Stores call it before writing.
func CheckDeletions(batch []*RecordingDeletion) error {
	seen := make(map[string]bool, len(batch))
	for i, d := range batch {
		switch {
		case d == nil || d.ID == "":
			return Errorf(KindInvalid, "deletion %d of the batch names no recording", i)
		case d.Event == nil:
			return Errorf(KindInvalid, "deletion of %s: an audit event is required", d.ID)
		case seen[d.ID]:
			return Errorf(KindInvalid, "recording %s is named twice in one deletion batch", d.ID)
		}
		seen[d.ID] = true
	}
	return nil
}

// BlobBatchDeleter is an optional capability of a BlobStore: deleting many blobs in one call, so
// that the store can make the removals durable together (local files: one directory fsync for
// all the blobs of a directory, where Delete pays one each). The retention sweep uses it when
// the store has it, and deletes blob by blob, several at once, when it has not.
type BlobBatchDeleter interface {
	// DeleteBlobs removes every blob of keys and verifies that each is gone, as Delete does for
	// one; a missing blob is not an error. An invalid key is KindInvalid and nothing is
	// removed. On any other error some blobs may be gone and others not; calling again is safe.
	DeleteBlobs(ctx context.Context, keys []string) error
}
