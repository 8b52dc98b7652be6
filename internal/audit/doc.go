// Package audit holds the rules of callvault's hash-chained audit log: when to sign checkpoints,
// how to verify the chain, the checkpoints and the stored recordings, and how to export the log
// so that someone outside the vault can verify it. The stores (internal/sqlite, internal/postgres)
// only persist events and checkpoints; every judgement about them is made here.
//
// # The chain
//
// Events are numbered 1, 2, 3, ... without gaps. Each event's prev_hash is the hash of the event
// before it (64 zeros, callvault.GenesisHash, for event 1), and its hash is
// callvault.AuditEvent.ComputeHash: the lower-case hex SHA-256 of the concatenation of these
// fields, each encoded as an 8-byte big-endian length followed by its UTF-8 bytes:
//
//	"callvault-audit-v1"
//	seq          decimal, no leading zeros
//	time         UTC, RFC 3339 with nanoseconds and trailing zeros removed (Go's time.RFC3339Nano)
//	actor, action, object, purpose, request_id, detail   as in the JSON export ("" when absent)
//	prev_hash    hex
//
// # Checkpoints
//
// A checkpoint is an ed25519 signature, by a key kept outside the database, over
//
//	"callvault-checkpoint-v1\n" seq "\n" hash "\n" time "\n" key_id "\n"
//
// (callvault.Checkpoint.SignedBytes), where key_id is the hex of the first 8 bytes of the SHA-256
// of the 32-byte public key and the signature is standard base64. A checkpoint pins the whole
// chain up to its seq: rewriting any earlier event, even recomputing every later hash, changes
// the hash at seq; deleting events from the end leaves the log shorter than the checkpoint.
// Changes after the last checkpoint are detectable only by the chain itself, which is why a
// Checkpointer signs every N events and at shutdown.
//
// Checkpoint rows live in the database, so whoever can delete events can delete them too. Each
// checkpoint is therefore also appended to a witness file outside the database (Witness), its
// line naming the vault (VaultID, the hash of event 1, for diagnosis), and Verify requires the
// chain to reach and match every checkpoint the witness holds. The Checkpointer
// re-checks the chain from its newest trusted checkpoint before signing and refuses to sign over
// a log that fails, so that no checkpoint vouches for a cut or rewritten log.
//
// # Recordings
//
// The recording.ingest event's detail holds plain_sha256, stored_sha256, plain_size and
// header_sha256 (the SHA-256 of the age header; absent in events from before it was recorded).
// Verify requires every live catalogue row to match its ingest event and to have no
// recording.delete event after it, and every ingested recording to be live or deleted by an
// event: rows cannot be added, swapped, edited or removed behind the log's back.
//
// # Export
//
// Export writes one JSON object per line, exactly as callvault.AuditEvent marshals with
// encoding/json. VerifyStream checks such an export against checkpoints and a public key; it is
// what an auditor runs, and its algorithm is the one above, so it can be reimplemented anywhere.
package audit
