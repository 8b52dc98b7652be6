package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/callvault/callvault"
)

const (
	eventPage     = 1000
	recordingPage = 1000
	hashPiece     = 1 << 20 // blobs are read in 1 MiB ranges (one ranged GET each on S3)
)

// VerifyOptions tunes Verify.
type VerifyOptions struct {
	// SkipBlobs skips re-hashing the recordings' blobs (the catalogue is still listed).
	SkipBlobs bool
	// MaxProblems caps the problems listed; 0 means 100.
	MaxProblems int
	// TrustedKeys are further checkpoint verify keys, for example those of retired signing keys.
	TrustedKeys []ed25519.PublicKey
	// Witness holds the checkpoints of witness files (see Witness), read before Verify is called:
	// each must match the event at its Seq, and the log must reach the newest. They pin the log
	// even when its checkpoint rows were deleted from the database together with its tail.
	Witness []*callvault.Checkpoint
}

// Verify checks the audit log of cat and the recordings' blobs:
//
//   - events are numbered 1, 2, 3, ... without gaps, each prev_hash is the previous event's hash
//     (callvault.GenesisHash for event 1) and each hash is ComputeHash() of the event;
//   - every checkpoint, in the database or in opts.Witness, is signed by pub (or a TrustedKeys
//     key), its (Seq, Hash) matches the event with that Seq, and the log reaches the last
//     checkpoint (no truncation);
//   - every live recording has a recording.ingest event, no recording.delete event after it, and
//     the plain_sha256, stored_sha256, plain_size (and header_sha256, the SHA-256 of the age
//     header, where the event records it) of that event; every recording the log says was
//     ingested and not deleted is in the catalogue;
//   - the catalogue may change while it is listed (other nodes ingesting and deleting): the log
//     is read again to its end after the listing, and a row or tombstone whose event only that
//     second read finds is judged by it; a recording ingested or deleted after the listing began
//     is not required in (or missing from) the listing;
//   - every live recording's blob has StoredSize bytes whose SHA-256 is StoredSHA256.
//
// What it finds wrong goes into the report; the error is for a verification that could not run
// to the end (a store unavailable, ctx cancelled), and then the report holds what was found so
// far. KindInvalid if pub is not an ed25519 public key.
func Verify(ctx context.Context, cat VerifyStore, blobs callvault.BlobStore, pub ed25519.PublicKey, opts VerifyOptions) (*Report, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, callvault.Errorf(callvault.KindInvalid, "no audit verify key: Verify needs the ed25519 public key of the checkpoint signer")
	}
	if blobs == nil && !opts.SkipBlobs {
		return nil, callvault.Errorf(callvault.KindInvalid, "no blob store to verify recordings against (set SkipBlobs to check the log only)")
	}
	rep := newReport(opts.MaxProblems)
	led := newLedger(rep)
	ch, err := newLogChain(ctx, cat, rep, append([]ed25519.PublicKey{pub}, opts.TrustedKeys...), opts.Witness)
	if err != nil {
		return rep, err
	}
	listedAt, err := walkLog(ctx, cat, ch, led, 0)
	if err != nil {
		return rep, err
	}
	// The catalogue is listed after the log was read, and on a live vault other nodes ingest and
	// delete meanwhile: what the listing sees is judged against the whole log, read again to its
	// end afterwards (see ledger).
	led.listedAt = listedAt
	if err := verifyRecordings(ctx, cat, blobs, rep, led, opts.SkipBlobs); err != nil {
		return rep, err
	}
	if tl, ok := cat.(tombstoneLister); ok {
		if err := verifyTombstones(ctx, tl, led); err != nil {
			return rep, err
		}
	}
	if _, err := walkLog(ctx, cat, ch, led, listedAt); err != nil {
		return rep, err
	}
	ch.finish()
	led.finish()
	return rep, nil
}

// VerifyStore is what verification reads of a catalogue: the audit log and the recordings (and,
// when the catalogue has them, the tombstones of deleted ones).
type VerifyStore interface {
	callvault.AuditStore
	callvault.RecordingStore
}

// tombstoneLister is the part of callvault.CatalogueImporter that verification uses, when the
// catalogue has it (both of callvault's do).
type tombstoneLister interface {
	Tombstones(ctx context.Context, afterID string, limit int) ([]*callvault.Tombstone, error)
}

// verifyTombstones passes every tombstone to the ledger, which checks it against the deletions
// in the chain.
func verifyTombstones(ctx context.Context, cat tombstoneLister, led *ledger) error {
	led.tombstones = true
	for after := ""; ; {
		page, err := cat.Tombstones(ctx, after, recordingPage)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, t := range page {
			led.tombstone(t)
		}
		after = page[len(page)-1].ID
	}
}

func newReport(maxProblems int) *Report {
	if maxProblems <= 0 {
		maxProblems = 100
	}
	return &Report{max: maxProblems, Problems: []Problem{}}
}

// newLogChain returns the chain checker for a walk of store's log, with its checkpoints and the
// witness file's. Checkpoints are read before the events: each was written after the event it
// vouches for committed, so every one of them must be answered by the walk that follows.
func newLogChain(ctx context.Context, store callvault.AuditStore, rep *Report, trusted []ed25519.PublicKey, witness []*callvault.Checkpoint) (*chain, error) {
	cps, err := store.Checkpoints(ctx)
	if err != nil {
		return nil, err
	}
	ch := newChain(rep, true)
	ch.addCheckpoints(cps, trusted)
	ch.addWitness(witness, trusted)
	return ch, nil
}

// walkLog passes the events after seq after, to the end of the log, to the chain and the ledger,
// and returns the seq of the last one (after, when there are none).
func walkLog(ctx context.Context, store callvault.AuditStore, ch *chain, led *ledger, after int64) (int64, error) {
	for {
		if err := ctx.Err(); err != nil {
			return after, callvault.WrapError(callvault.KindUnavailable, err, "audit verification cancelled")
		}
		page, err := store.AuditEvents(ctx, after, eventPage)
		if err != nil {
			return after, err
		}
		if len(page) == 0 {
			return after, nil
		}
		for _, ev := range page {
			ch.add(ev)
			led.add(ev)
		}
		last := page[len(page)-1].Seq
		if last <= after {
			return after, callvault.Errorf(callvault.KindInternal,
				"the audit store returned events up to %d when asked for events after %d", last, after)
		}
		after = last
	}
}

func verifyRecordings(ctx context.Context, cat callvault.RecordingStore, blobs callvault.BlobStore, rep *Report, led *ledger, skipBlobs bool) error {
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return callvault.WrapError(callvault.KindUnavailable, err, "audit verification cancelled")
		}
		page, err := cat.ListRecordings(ctx, after, recordingPage)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			rep.Recordings++
			led.row(r)
			if skipBlobs {
				continue
			}
			if err := verifyBlob(ctx, blobs, r, rep); err != nil {
				return err
			}
		}
		last := page[len(page)-1].ID
		if last <= after {
			return callvault.Errorf(callvault.KindInternal,
				"the catalogue listed recording %q when asked for recordings after %q", last, after)
		}
		after = last
	}
}

// verifyBlob re-hashes r's blob. Findings go into rep; errors that stop the walk (the blob
// store unreachable, ctx cancelled) are returned.
func verifyBlob(ctx context.Context, blobs callvault.BlobStore, r *callvault.Recording, rep *Report) error {
	problem := func(format string, args ...any) {
		rep.add(Problem{Kind: ProblemRecording, ID: r.ID, Message: fmt.Sprintf(format, args...)})
	}
	b, err := blobs.Open(ctx, r.BlobKey)
	switch {
	case callvault.IsKind(err, callvault.KindNotFound):
		problem("blob %s is missing", r.BlobKey)
		return nil
	case stops(ctx, err):
		return err
	case err != nil:
		problem("cannot open blob %s: %s", r.BlobKey, callvault.ErrorMessage(err))
		return nil
	}
	defer b.Close()
	if b.Size() != r.StoredSize {
		problem("blob %s has %d bytes, the catalogue recorded %d", r.BlobKey, b.Size(), r.StoredSize)
		return nil
	}
	h := sha256.New()
	buf := make([]byte, min(hashPiece, max(r.StoredSize, 1)))
	for off := int64(0); off < r.StoredSize; {
		n, err := b.ReadAt(buf[:min(int64(len(buf)), r.StoredSize-off)], off)
		h.Write(buf[:n])
		off += int64(n)
		rep.BytesHashed += int64(n)
		if err != nil && !(errors.Is(err, io.EOF) && off == r.StoredSize) {
			if stops(ctx, err) {
				return err
			}
			problem("cannot read blob %s at offset %d: %s", r.BlobKey, off, readFailure(err))
			return nil
		}
		if n == 0 {
			problem("cannot read blob %s at offset %d: no progress", r.BlobKey, off)
			return nil
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != r.StoredSHA256 {
		problem("blob %s has SHA-256 %s, the catalogue recorded %s: the stored ciphertext changed",
			r.BlobKey, short(got), short(r.StoredSHA256))
	}
	return nil
}

// stops reports whether err ends the whole verification rather than one recording's check.
func stops(ctx context.Context, err error) bool {
	return err != nil && (ctx.Err() != nil || callvault.IsKind(err, callvault.KindUnavailable))
}

func readFailure(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the blob is shorter than its size"
	}
	return callvault.ErrorMessage(err)
}
