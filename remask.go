package callvault

import "context"

// RecordingAudioReplacer is the optional capability of a catalogue to store a recording's
// audio again: `callvault pci scan --mask` masks keyed digits in audio stored before masking
// existed, writes a new blob under a new file key and points the row at it. Both of callvault's
// catalogues implement it; callers check for it.
type RecordingAudioReplacer interface {
	// ReplaceRecordingAudio gives the live recording r.ID the stored audio that r describes
	// (BlobKey, KeyEpoch, Header, Sidecar, PlainSize, PlainSHA256, StoredSize, StoredSHA256
	// and Attributes; every other field is kept) and appends ev, atomically, provided the row's
	// StoredSHA256 is still oldStoredSHA256. KindNotFound if there is no live recording r.ID,
	// KindConflict if its audio changed meanwhile, KindInvalid if r lacks a blob key, a header,
	// hashes or sizes; nothing is written then.
	ReplaceRecordingAudio(ctx context.Context, r *Recording, oldStoredSHA256 string, ev *AuditEvent) error
}

// CheckReplacedAudio checks the fields ReplaceRecordingAudio writes (KindInvalid naming the
// first one missing).
func CheckReplacedAudio(r *Recording, ev *AuditEvent) error {
	switch {
	case r == nil || ev == nil:
		return Errorf(KindInvalid, "replace recording audio: a recording and its audit event are required")
	case !ValidID(r.ID):
		return Errorf(KindInvalid, "replace recording audio: no valid recording ID")
	case r.BlobKey == "":
		return Errorf(KindInvalid, "replace recording audio: no blob key")
	case len(r.Header) == 0:
		return Errorf(KindInvalid, "replace recording audio: no header")
	case len(r.PlainSHA256) != 64 || len(r.StoredSHA256) != 64:
		return Errorf(KindInvalid, "replace recording audio: the hashes must be hex SHA-256")
	case r.PlainSize <= 0 || r.StoredSize <= 0:
		return Errorf(KindInvalid, "replace recording audio: no sizes")
	}
	return nil
}
