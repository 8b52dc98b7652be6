package callvault

import (
	"context"
	"io"
)

// Archive is the vault's service for adding and reading recordings. Capture paths (upload API,
// SIPREC, imports) and readers (players, exports) depend on this interface only.
type Archive interface {
	// Ingest validates the audio (a WAV file), encrypts it as it streams to the blob store, and
	// commits the catalogue row with an audit event naming actor. It returns only after the
	// blob is durable and the row committed. rec carries the metadata; ID, sizes, hashes, codec
	// and duration are filled in. If a recording with the same (Source, SourceID) exists, it is
	// returned with created=false and nothing is stored.
	Ingest(ctx context.Context, actor Actor, rec *Recording, audio io.Reader) (r *Recording, created bool, err error)

	// Open returns the decrypted audio for random access (seeking without decrypting what comes
	// before) and appends a recording.open audit event naming actor and purpose.
	Open(ctx context.Context, actor Actor, id, purpose string) (Audio, error)
}

// Audio is an opened recording's plaintext.
type Audio interface {
	io.ReaderAt
	Size() int64
	Recording() *Recording
	Close() error
}
