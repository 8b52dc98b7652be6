package callvault

import (
	"context"
	"io"
)

// Archive is the vault's service for adding and reading recordings. Capture paths (upload API,
// SIPREC, imports) and readers (players, exports) depend on this interface only.
type Archive interface {
	// Ingest validates the audio (a WAV file), encrypts it as it streams to the blob store, and
	// commits the catalogue row with an audit event naming the actor. It returns only after the
	// blob is durable and the row committed. ID, sizes, hashes, codec, channels, sample rate and
	// duration are filled in by the archive. If a recording with the same (Source, SourceID)
	// exists, the audio is read and compared: the same bytes return the stored recording with
	// created=false (an idempotent retry), different bytes are KindConflict; nothing is stored
	// either way. If reading Audio fails, nothing is stored and the reader's error is returned
	// (its Kind kept).
	Ingest(ctx context.Context, req IngestRequest) (r *Recording, created bool, err error)

	// Open returns the decrypted audio for random access (seeking without decrypting what comes
	// before) and appends a recording.open audit event naming actor and purpose.
	Open(ctx context.Context, actor Actor, id, purpose string) (Audio, error)
}

// IngestRequest is one recording to add to the archive.
type IngestRequest struct {
	Actor Actor
	// Recording carries the metadata. The archive reads it at the start (for the duplicate
	// check) and again after Audio has returned io.EOF, so a streaming capture (SIPREC) may keep
	// updating parties and attributes until it ends its audio stream. It must not touch it after.
	Recording *Recording
	// Audio is the WAV file. A data chunk size of 0xFFFFFFFF marks a stream of unknown length.
	Audio io.Reader
	// Sidecar, if set, is called after Audio's EOF; the document it returns (for SIPREC, the raw
	// metadata XML) is sealed with the recording's file key and stored with it.
	Sidecar func() []byte
	// Digits, if set, is called as the audio streams in and returns the digits signalled out
	// of band since its last call. With DTMF masking on they are masked like keyed tones, as
	// long as they arrive before their audio has passed the masker's look-ahead (100 ms).
	Digits func() []SignalledDigit
}

// Audio is an opened recording's plaintext.
type Audio interface {
	io.ReaderAt
	Size() int64
	Recording() *Recording
	// Sidecar returns the decrypted sidecar document, or nil if the recording has none.
	Sidecar() ([]byte, error)
	Close() error
}
