package callvault

import "time"

// Tombstone is what the catalogue keeps of a deleted recording: enough to answer for the
// deletion (the hashes its receipt names) and to keep its (Source, SourceID) taken, so that a
// retried capture of a deleted call is refused rather than stored again. It holds no header and
// nothing about the call's parties.
type Tombstone struct {
	ID           string    `json:"id"`
	Source       Source    `json:"source"`
	SourceID     string    `json:"source_id"`
	StartedAt    time.Time `json:"started_at"`
	PlainSize    int64     `json:"plain_size"`
	StoredSize   int64     `json:"stored_size"`
	PlainSHA256  string    `json:"plain_sha256"`
	StoredSHA256 string    `json:"stored_sha256"`
	BlobKey      string    `json:"blob_key"`
	KeyEpoch     string    `json:"key_epoch"`
	RetainUntil  time.Time `json:"retain_until"`
	CreatedAt    time.Time `json:"created_at"`
	DeletedAt    time.Time `json:"deleted_at"`
}

// Recording returns the catalogue row of a deleted recording: its facts, and nothing of the call
// (no header, sidecar, parties, numbers, extensions, line or attributes).
func (t *Tombstone) Recording() *Recording {
	return &Recording{
		ID: t.ID, Source: t.Source, SourceID: t.SourceID, StartedAt: t.StartedAt,
		AnnouncementPlayed: AnnouncementUnknown,
		PlainSize:          t.PlainSize, StoredSize: t.StoredSize, PlainSHA256: t.PlainSHA256, StoredSHA256: t.StoredSHA256,
		BlobKey: t.BlobKey, KeyEpoch: t.KeyEpoch, RetainUntil: t.RetainUntil, CreatedAt: t.CreatedAt,
	}
}

// Validate returns KindInvalid for a tombstone no catalogue may import: one without an ID, a
// valid source and source ID, a start time, a RetainUntil or a DeletedAt.
func (t *Tombstone) Validate() error {
	switch {
	case t == nil:
		return Errorf(KindInvalid, "no tombstone given")
	case !ValidID(t.ID):
		return Errorf(KindInvalid, "tombstone id %q is not an id", t.ID)
	case !t.Source.Valid() || t.SourceID == "":
		return Errorf(KindInvalid, "tombstone %s has no valid source and source id", t.ID)
	case t.StartedAt.IsZero() || t.RetainUntil.IsZero() || t.DeletedAt.IsZero():
		return Errorf(KindInvalid, "tombstone %s needs its start, retain_until and deletion times", t.ID)
	}
	return nil
}
