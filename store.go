package callvault

import (
	"context"
	"io"
	"time"
)

// The catalogue is split per aggregate. Every method that changes state takes the AuditEvent that
// describes the change and appends it in the same transaction: the change and its audit event
// commit together or not at all. Stores persist; they never decide who may do what.
//
// Errors: stores return *Error values: KindNotFound for a missing object, KindConflict for a
// uniqueness violation or a change that was already made, KindUnavailable when the database cannot
// be reached, KindInternal otherwise.

// RecordingStore keeps the catalogue of recordings and the subject index used to find them.
type RecordingStore interface {
	// CreateRecording inserts r, its subject rows (r.Subjects()) and ev atomically. It returns
	// KindInvalid if r.Validate fails, and KindConflict if a recording with the same (Source,
	// SourceID) or ID exists; nothing is written then.
	CreateRecording(ctx context.Context, r *Recording, ev *AuditEvent) error

	// Recording returns the recording with the given ID, including Header, or KindNotFound.
	// Deleted recordings are not found.
	Recording(ctx context.Context, id string) (*Recording, error)

	// RecordingBySource returns the live recording with the given source and source ID, or
	// KindNotFound. A deleted recording is not found, but its (Source, SourceID) stays taken:
	// CreateRecording returns KindConflict for it, so a retried capture cannot bring it back.
	RecordingBySource(ctx context.Context, source Source, sourceID string) (*Recording, error)

	// TombstoneBySource returns the tombstone of the deleted recording with the given source and
	// source ID, or KindNotFound (a live recording's is not found). It lets a caller that has
	// changed how it names its source IDs refuse a capture stored and deleted under the old name.
	TombstoneBySource(ctx context.Context, source Source, sourceID string) (*Tombstone, error)

	// FindRecordings returns the recordings matching f (read through f.Normalize), using the
	// subject index (never a scan of all recordings when subjects are given), ordered by
	// (StartedAt, ID). An After cursor naming no recording is KindInvalid.
	FindRecordings(ctx context.Context, f RecordingFilter) ([]*Recording, error)

	// ListRecordings returns up to limit live recordings with ID > afterID, ordered by ID. It is
	// for whole-vault walks (verification, migration), not for searches. limit follows the rules
	// of RecordingFilter.Limit.
	ListRecordings(ctx context.Context, afterID string, limit int) ([]*Recording, error)

	// ExpiredRecordings returns up to limit (see PageLimit) live recordings whose RetainUntil
	// is before now and that no active hold keeps (see HoldStore), ordered by RetainUntil,
	// then ID.
	ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]*Recording, error)

	// DeleteRecording removes the recording's catalogue entry and subject rows, destroys its
	// Header, and appends ev, atomically. A tombstone with the hashes stays for receipts.
	// It returns KindNotFound if there is no live recording with that ID, so that of several
	// concurrent callers exactly one succeeds, and KindConflict (HeldError, naming a hold;
	// nothing changed) if an active hold keeps it: the check and the delete are one atomic
	// step, so a hold placed at the same moment is never lost.
	DeleteRecording(ctx context.Context, id string, ev *AuditEvent) error
}

// AuditStore keeps the hash-chained audit log and its signed checkpoints.
type AuditStore interface {
	// AppendAudit appends ev, filling Seq, PrevHash and Hash with ev.Seal under a lock that
	// makes concurrent appends (from several processes or nodes) form one unbroken chain.
	AppendAudit(ctx context.Context, ev *AuditEvent) error

	// AuditEvents returns up to limit (see PageLimit) events with Seq > afterSeq in Seq order,
	// exactly as stored.
	AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]*AuditEvent, error)

	// AuditHead returns the last event, or (nil, nil) if the log is empty.
	AuditHead(ctx context.Context) (*AuditEvent, error)

	// AddCheckpoint stores a signed checkpoint. Checkpoints returns all of them in Seq order.
	AddCheckpoint(ctx context.Context, c *Checkpoint) error
	Checkpoints(ctx context.Context) ([]*Checkpoint, error)
}

// TokenStore keeps machine API tokens (hashes only).
type TokenStore interface {
	// CreateToken inserts t and ev atomically; KindConflict if the ID or name is taken.
	CreateToken(ctx context.Context, t *Token, ev *AuditEvent) error
	// TokenByHash returns the unrevoked token whose secret hashes to hash, or KindNotFound.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	// Tokens returns all tokens, revoked ones included, ordered by CreatedAt.
	Tokens(ctx context.Context) ([]*Token, error)
	// RevokeToken marks the token revoked and appends ev; KindNotFound if no live token has id.
	RevokeToken(ctx context.Context, id string, ev *AuditEvent) error
}

// LeaseStore elects one node to run a background job at a time.
type LeaseStore interface {
	// AcquireLease takes or renews the named lease for holder until now+ttl. It returns true if
	// holder now holds the lease, false if another holder has an unexpired one.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// ReleaseLease gives the lease up if holder holds it.
	ReleaseLease(ctx context.Context, name, holder string) error
}

// Catalogue is everything a catalogue backend (SQLite, PostgreSQL) provides.
type Catalogue interface {
	RecordingStore
	AuditStore
	TokenStore
	LeaseStore
	// Ping reports whether the database is reachable (KindUnavailable if not).
	Ping(ctx context.Context) error
	Close() error
}

// KeyStore records the public halves of the vault's keys (see VaultKey). Every catalogue backend
// implements it; it is apart from Catalogue because only the process that loads the keys
// (cmd/callvault) uses it. Stores keep the records; comparing them with the keys a node holds
// is the caller's rule.
type KeyStore interface {
	// AddVaultKeys records keys and appends ev, atomically. It returns KindInvalid if a key
	// fails VaultKey.Validate, and KindConflict, writing nothing, if a key of the same Kind and
	// Epoch is recorded already (whatever its value): of several nodes recording the keys of a
	// new vault at once exactly one succeeds, and a record is never replaced.
	AddVaultKeys(ctx context.Context, keys []*VaultKey, ev *AuditEvent) error
	// VaultKeys returns every recorded key ordered by Kind, then Epoch; none is (nil, nil).
	VaultKeys(ctx context.Context) ([]*VaultKey, error)
}

// CatalogueImporter is an optional capability of a Catalogue: it reads and writes rows exactly
// as given, without audit events, for migration between backends (whose audit log is copied
// verbatim). ImportAuditEvent keeps Seq, PrevHash and Hash as they are and fails with
// KindConflict unless ev.Seq is the next sequence number. ImportRecording, ImportTombstone and
// ImportVaultKey return KindInvalid if the value fails its Validate, and KindConflict (writing
// nothing) if it exists: a recording or tombstone with the same ID or (Source, SourceID), live
// or deleted; a vault key of the same Kind and Epoch.
type CatalogueImporter interface {
	ImportRecording(ctx context.Context, r *Recording) error
	ImportAuditEvent(ctx context.Context, ev *AuditEvent) error
	ImportTombstone(ctx context.Context, t *Tombstone) error
	ImportVaultKey(ctx context.Context, k *VaultKey) error
	// Tombstones returns up to limit (see PageLimit) tombstones of deleted recordings with
	// ID > afterID, ordered by ID.
	Tombstones(ctx context.Context, afterID string, limit int) ([]*Tombstone, error)
}

// Compactor is an optional capability of a Catalogue whose deletions can leave copies of the
// deleted bytes in its own files: SQLite keeps old page images in its write-ahead log until a
// checkpoint. Compact makes what earlier deletions freed unreadable in those files, so that a
// shredded header leaves no copy behind. The retention sweep calls it after deleting. Stores
// whose engine cannot do this (PostgreSQL keeps dead tuples until VACUUM, which does not zero
// them) do not implement it; see docs/ARCHITECTURE.md. KindUnavailable if the store could not
// finish (for example a long read held the log), in which case a later call can.
type Compactor interface {
	Compact(ctx context.Context) error
}

// BlobStore keeps encrypted payloads. It never sees plaintext. Keys are slash-separated paths of
// [a-zA-Z0-9._-] segments, for example "recordings/2026/11/0193....age" (see ValidateBlobKey);
// invalid keys and prefixes are KindInvalid.
type BlobStore interface {
	// Create starts writing a blob. Nothing is visible under key until Commit returns nil.
	Create(ctx context.Context, key string) (BlobWriter, error)
	// Open returns the blob for random access, or KindNotFound.
	Open(ctx context.Context, key string) (Blob, error)
	// Delete removes the blob and verifies it is gone; deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every committed blob whose key starts with prefix, in key order.
	List(ctx context.Context, prefix string, fn func(BlobInfo) error) error
	// Ping reports whether the store is reachable (KindUnavailable if not).
	Ping(ctx context.Context) error
}

// BlobWriter receives a blob's bytes.
type BlobWriter interface {
	io.Writer
	// Commit makes the blob durable (fsynced, or acknowledged by the object store) and visible.
	// If a blob with the key exists, Commit returns KindConflict and the existing one is kept.
	Commit() error
	// Abort discards everything written; it is safe to call after Commit (then it does nothing).
	Abort() error
}

// Blob is an open blob.
type Blob interface {
	io.ReaderAt // each ReadAt may be a ranged GET; callers buffer
	Size() int64
	Close() error
}

// BlobInfo describes a committed blob.
type BlobInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}
