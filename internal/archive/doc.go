// Package archive is the vault's ingest and read path: it validates a WAV while it streams,
// encrypts it with age straight into the blob store (no plaintext ever touches disk), keeps the
// age header and the hashes in the catalogue, and commits the catalogue row together with its
// audit event only after the blob is durable. Reading back decrypts with random access and is
// audited before any byte is returned. With DTMF masking on (Service.MaskDTMF, see mask.go)
// keyed digits are silenced before the audio is hashed and encrypted, so they never reach
// the blob store.
//
// Invariants:
//   - a recording is acknowledged only after its blob is committed (fsynced) and its catalogue
//     row and audit event are committed in one transaction;
//   - a blob without a catalogue row is an orphan from a crash, or from a commit whose outcome
//     was unclear; CleanOrphans removes it, audited, and never the blob of a committed row;
//   - (Source, SourceID) is unique: a retried upload returns the recording already stored, and
//     other audio under a stored source id is refused, also when both arrive at once.
package archive
