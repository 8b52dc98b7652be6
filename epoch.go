package callvault

import (
	"context"
	"fmt"
	"time"
)

// Key epochs. A recording's file key is wrapped (in its age header) to the recipient of one key
// epoch, named in Recording.KeyEpoch:
//
//   - "" is the long-lived vault key, used by recordings stored before epochs existed until the
//     re-wrap migration moves them into month epochs;
//   - "YYYY-MM" is the month epoch of recordings whose retention ends in that calendar month (in
//     Europe/London, see EpochFor); once every recording in it is deleted, its identity is
//     destroyed and every header ever sealed to it, in any copy of the catalogue, is unreadable;
//   - HoldEpoch is the hold key: a recording placed on hold is re-wrapped to it, so that its
//     month epoch can be destroyed on time, and back to a month epoch when the hold is released.
//
// Identities live only in the key directory (internal/vault); the catalogue records their
// recipients (VaultKey) and their destruction (EpochDestruction), never a private key.

// HoldEpoch is the key epoch of recordings on hold. It is never destroyed.
const HoldEpoch = "hold"

// Audit actions of key epochs.
const (
	// ActionRecordingRewrap: a recording's file key was re-wrapped to another epoch (headers
	// only, never audio). Its detail holds DetailPrevHeaderSHA256 and DetailHeaderSHA256, so
	// that audit verify can follow a recording's header from its ingest through every re-wrap.
	ActionRecordingRewrap = "recording.rewrap"
	// ActionKeyEpochDestroy: a month epoch ended and its identity was destroyed.
	ActionKeyEpochDestroy = "key.epoch_destroy"
	// ActionKeyBackup: a passphrase-encrypted copy of the key directory was written.
	ActionKeyBackup = "key.backup"
)

// Detail keys of recording.rewrap events (recording.ingest records the first header's hash
// under "header_sha256" too).
const (
	DetailHeaderSHA256     = "header_sha256"
	DetailPrevHeaderSHA256 = "prev_header_sha256"
)

// EpochFor returns the month epoch ("YYYY-MM") a recording retained until retainUntil is sealed
// to when sealed at now: the calendar month of retainUntil in DefaultZone(), or now's month if
// that is later. A recording that arrives (or is re-wrapped) already past its retention goes to
// the current month's epoch, which is never destroyed before the month has ended, rather than
// to a past month whose identity may be gone; the next sweep deletes it anyway.
func EpochFor(retainUntil, now time.Time) string {
	z := DefaultZone()
	ry, rm, _ := retainUntil.In(z).Date()
	ny, nm, _ := now.In(z).Date()
	if ny*12+int(nm) > ry*12+int(rm) {
		ry, rm = ny, nm
	}
	return MonthEpoch(ry, rm)
}

// MonthEpoch names the epoch of a calendar month.
func MonthEpoch(year int, month time.Month) string { return fmt.Sprintf("%04d-%02d", year, int(month)) }

// ParseMonthEpoch returns the year and month of a month epoch ("YYYY-MM"); ok is false for any
// other string ("" the vault key, HoldEpoch, garbage).
func ParseMonthEpoch(epoch string) (year int, month time.Month, ok bool) {
	if len(epoch) != 7 || epoch[4] != '-' {
		return 0, 0, false
	}
	y, m := 0, 0
	for i, c := range []byte(epoch) {
		if i == 4 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		if i < 4 {
			y = y*10 + int(c-'0')
		} else {
			m = m*10 + int(c-'0')
		}
	}
	if y < 1 || m < 1 || m > 12 {
		return 0, 0, false
	}
	return y, time.Month(m), true
}

// EpochEnd returns the first instant after a month epoch's month (midnight starting the next
// month in DefaultZone()): every recording sealed to the epoch has expired by then. ok is false
// for anything but a month epoch.
func EpochEnd(epoch string) (end time.Time, ok bool) {
	y, m, ok := ParseMonthEpoch(epoch)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(y, m+1, 1, 0, 0, 0, 0, DefaultZone()), true
}

// EpochDestruction is the catalogue's record that a month epoch's identity was destroyed, or,
// for Epoch "", that the vault key was retired once no recording was sealed to it any more.
// Every node that sees it deletes its copy of the identity and refuses to seal to the epoch.
type EpochDestruction struct {
	Epoch       string    `json:"epoch"`
	Recipient   string    `json:"recipient"` // the epoch's public recipient, for the record
	DestroyedAt time.Time `json:"destroyed_at"`
}

// Validate returns KindInvalid for a destruction no catalogue may record: an epoch that is not a
// month epoch or the vault key's "" (the hold key is never destroyed), no recipient, or no time.
func (d *EpochDestruction) Validate() error {
	switch {
	case d == nil:
		return Errorf(KindInvalid, "no epoch destruction given")
	case d.Epoch != "" && !validMonthEpoch(d.Epoch):
		return Errorf(KindInvalid, "only month epochs (YYYY-MM) and the vault key are destroyed, not %q", d.Epoch)
	case d.Recipient == "":
		return Errorf(KindInvalid, "the destruction of epoch %s names no recipient", d.Epoch)
	case d.DestroyedAt.IsZero():
		return Errorf(KindInvalid, "the destruction of epoch %s has no time", d.Epoch)
	}
	return nil
}

func validMonthEpoch(e string) bool { _, _, ok := ParseMonthEpoch(e); return ok }

// ValidEpoch reports whether e can name the key epoch of a recording: "", HoldEpoch or a month.
func ValidEpoch(e string) bool { return e == "" || e == HoldEpoch || validMonthEpoch(e) }

// EpochStore keeps what the catalogue knows of key epochs beyond their recipients (KeyStore):
// re-wraps of recording headers and destructions. Every catalogue backend implements it.
type EpochStore interface {
	// RewrapRecording replaces the header of the live recording id, which must still be from
	// (the header it was re-wrapped from, compared byte for byte), with header sealed to epoch,
	// and appends ev, atomically. Only the header and key epoch change.
	//
	// Errors: KindInvalid for an empty header or an epoch ValidEpoch refuses; KindNotFound if
	// no live recording has that ID; KindConflict, writing nothing, if its header is no longer
	// from (another node re-wrapped or shredded it meanwhile) or epoch is recorded destroyed.
	RewrapRecording(ctx context.Context, id string, from []byte, epoch string, header []byte, ev *AuditEvent) error

	// DestroyEpoch records d and appends ev, atomically, if no live recording is sealed to
	// d.Epoch. KindInvalid if d fails Validate; KindConflict, writing nothing, if a live
	// recording is still sealed to the epoch or its destruction is recorded already.
	// CreateRecording and RewrapRecording refuse a destroyed epoch (KindConflict) in the same
	// serialised section, so no recording can be sealed to an epoch once it is destroyed.
	DestroyEpoch(ctx context.Context, d *EpochDestruction, ev *AuditEvent) error

	// DestroyedEpochs returns every recorded destruction ordered by epoch; none is (nil, nil).
	DestroyedEpochs(ctx context.Context) ([]*EpochDestruction, error)

	// SealedRecordings returns up to limit (see PageLimit) live recordings sealed to epoch, with
	// ID > afterID, ordered by ID, through an index on the epoch (never a scan of every
	// recording): the ones left to move off the vault key (""), or into an epoch's successor.
	SealedRecordings(ctx context.Context, epoch, afterID string, limit int) ([]*Recording, error)
}

// EpochImporter is the part of a catalogue's import capability (see CatalogueImporter) for key
// epochs: migration copies the record of destroyed epochs, so that the target's nodes keep
// refusing them. ImportEpochDestruction records d as given, without an audit event (the log is
// copied verbatim) and without checking for live recordings; KindInvalid if d fails Validate,
// KindConflict if the epoch's destruction is recorded already. Both of callvault's catalogues
// implement it.
type EpochImporter interface {
	ImportEpochDestruction(ctx context.Context, d *EpochDestruction) error
}
