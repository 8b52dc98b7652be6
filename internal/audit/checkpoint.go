package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// DefaultEvery is how many events a Checkpointer lets pass between checkpoints when Every is 0.
const DefaultEvery = 1000

// KeyID returns the identifier of a checkpoint verify key: hex of the first 8 bytes of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// SignCheckpoint returns a checkpoint stating that event seq has hash, signed with key at t.
func SignCheckpoint(key ed25519.PrivateKey, seq int64, hash string, t time.Time) *callvault.Checkpoint {
	c := &callvault.Checkpoint{
		Seq:   seq,
		Hash:  hash,
		Time:  t.UTC().Truncate(time.Microsecond),
		KeyID: KeyID(key.Public().(ed25519.PublicKey)),
	}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.SignedBytes()))
	return c
}

// VerifyCheckpoint checks c's signature against the trusted keys. It returns KindInvalid, with a
// message naming the reason, if c was not signed by one of them.
func VerifyCheckpoint(c *callvault.Checkpoint, trusted ...ed25519.PublicKey) error {
	for _, pub := range trusted {
		if len(pub) != ed25519.PublicKeySize || KeyID(pub) != c.KeyID {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(c.Signature)
		if err != nil || !ed25519.Verify(pub, c.SignedBytes(), sig) {
			return callvault.Errorf(callvault.KindInvalid, "signature of checkpoint %d is invalid", c.Seq)
		}
		return nil
	}
	return callvault.Errorf(callvault.KindInvalid, "checkpoint %d is signed by unknown key %q", c.Seq, c.KeyID)
}

// ErrRefused is wrapped by the errors of a Checkpointer that will not sign because the log
// failed its check (or Refuse was called): signing would vouch for a broken log.
var ErrRefused = errors.New("no checkpoint is signed over this log")

// Checkpointer signs checkpoints of the audit log's head. It is safe for concurrent use within
// a process; across processes, two nodes checkpointing the same head is harmless.
//
// Before it signs, it checks the log from its anchor, the newest checkpoint it trusts (the
// newest validly signed one in the database or the witness file, then each one it signs): the
// event at the anchor's seq must still have the anchor's hash, and every event since must link
// to the one before and hash to its hash. If the log is shorter than the anchor or fails the
// check, it refuses: it logs an error and returns one wrapping ErrRefused, now and on every
// later call in this process, so that no checkpoint ever vouches for a truncated or rewritten
// log. Writes after the anchor that keep the chain consistent (all hashes recomputed) cannot be
// told from genuine ones; the checkpoints signed every Every events keep that window short.
type Checkpointer struct {
	Store callvault.AuditStore
	Key   ed25519.PrivateKey
	Every int64            // events between checkpoints; 0 means DefaultEvery
	Now   func() time.Time // nil means time.Now
	// Witness, if set, receives every checkpoint (fsynced) before the database does, and its
	// checkpoints of this vault (Witness.Vault) are anchors like the database's.
	Witness *Witness
	Logger  *slog.Logger // nil means slog.Default()

	mu      sync.Mutex
	loaded  bool
	anchor  anchor
	refused error // set once the log failed a check: every later call returns it
}

// anchor is the checkpoint the next check starts from; seq 0 is the genesis.
type anchor struct {
	seq    int64
	hash   string
	source string // for messages
}

// MaybeCheckpoint signs a checkpoint of the head if at least Every events were appended since
// the last checkpoint. Call it after appending events; it costs one head query otherwise.
func (c *Checkpointer) MaybeCheckpoint(ctx context.Context) error {
	every := c.Every
	if every <= 0 {
		every = DefaultEvery
	}
	return c.checkpoint(ctx, every)
}

// Checkpoint signs a checkpoint of the head if the head moved since the last one (at shutdown).
func (c *Checkpointer) Checkpoint(ctx context.Context) error { return c.checkpoint(ctx, 1) }

// CheckpointHead signs a checkpoint of the head now, even if one exists for it, after the same
// check as the others. Its time dates what the caller reads next: `audit export --checkpoints`
// signs one so that a verifier can tell witnessed checkpoints the export should hold from ones
// signed after it was made.
func (c *Checkpointer) CheckpointHead(ctx context.Context) error { return c.checkpoint(ctx, 0) }

// Refuse stops c from signing for the rest of the process, for example after `audit verify`
// found the log broken: a checkpoint signed at exit would vouch for it.
func (c *Checkpointer) Refuse(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refused == nil {
		c.refused = callvault.WrapError(callvault.KindInternal, ErrRefused, reason)
	}
}

func (c *Checkpointer) checkpoint(ctx context.Context, every int64) error {
	if len(c.Key) != ed25519.PrivateKeySize {
		return callvault.Errorf(callvault.KindInternal, "no audit signing key configured for checkpoints")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.refused != nil {
		return c.refused
	}
	if !c.loaded {
		if err := c.loadAnchor(ctx); err != nil {
			return err
		}
	}
	head, err := c.Store.AuditHead(ctx)
	if err != nil {
		return err
	}
	var headSeq int64
	if head != nil {
		headSeq = head.Seq
	}
	if headSeq < c.anchor.seq {
		return c.refuse(fmt.Sprintf("the audit log ends at event %d but %s vouches for event %d: events were deleted from the end",
			headSeq, c.anchor.source, c.anchor.seq))
	}
	if head == nil || headSeq < c.anchor.seq+every { // every is 0 for CheckpointHead
		return nil
	}
	last, err := c.checkSinceAnchor(ctx)
	if err != nil {
		return err
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	cp := SignCheckpoint(c.Key, last.Seq, last.Hash, now())
	// The witness first: a checkpoint the database holds is then always witnessed, and one the
	// witness holds but the database lost (a crash in between) still matches the log.
	if c.Witness != nil {
		if err := c.Witness.Append(cp); err != nil {
			return err
		}
	}
	// A conflict means another node checkpointed this head first; ours is as good.
	if err := c.Store.AddCheckpoint(ctx, cp); err != nil && !callvault.IsKind(err, callvault.KindConflict) {
		return err
	}
	c.anchor = anchor{seq: cp.Seq, hash: cp.Hash, source: "the checkpoint this process signed"}
	return nil
}

// checkSinceAnchor reads the log from the anchor's event to its end and checks it, returning
// the last event: the one to sign.
func (c *Checkpointer) checkSinceAnchor(ctx context.Context) (*callvault.AuditEvent, error) {
	prevSeq, prevHash := int64(0), callvault.GenesisHash
	after := int64(0)
	if c.anchor.seq > 0 {
		after = c.anchor.seq - 1 // read the anchor's own event, to check its hash
	}
	var last *callvault.AuditEvent
	for {
		page, err := c.Store.AuditEvents(ctx, after, eventPage)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		for _, ev := range page {
			if last == nil && c.anchor.seq > 0 {
				if ev.Seq != c.anchor.seq {
					return nil, c.refuse(fmt.Sprintf("event %d, which %s vouches for, is missing", c.anchor.seq, c.anchor.source))
				}
				if ev.Hash != c.anchor.hash || ev.ComputeHash() != ev.Hash {
					return nil, c.refuse(fmt.Sprintf("event %d no longer has the hash %s vouches for: the log was rewritten",
						c.anchor.seq, c.anchor.source))
				}
			} else if ev.Seq != prevSeq+1 || ev.PrevHash != prevHash || ev.ComputeHash() != ev.Hash {
				return nil, c.refuse(fmt.Sprintf("event %d does not follow event %d in the chain (missing, reordered or changed) since %s at event %d",
					prevSeq+1, prevSeq, c.anchor.source, c.anchor.seq))
			}
			prevSeq, prevHash, last = ev.Seq, ev.Hash, ev
		}
		after = page[len(page)-1].Seq
	}
	if last == nil || last.Seq < c.anchor.seq {
		return nil, c.refuse(fmt.Sprintf("event %d, which %s vouches for, is missing", c.anchor.seq, c.anchor.source))
	}
	return last, nil
}

// refuse records that the log failed a check, logs it and returns the error every later call
// returns. c.mu is held.
func (c *Checkpointer) refuse(reason string) error {
	c.refused = callvault.WrapError(callvault.KindInternal, ErrRefused, reason)
	c.logger().Error("audit log check failed; refusing to sign checkpoints", "reason", reason,
		"hint", "run `callvault audit verify` and investigate before restarting")
	return c.refused
}

func (c *Checkpointer) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

// loadAnchor finds the newest checkpoint signed by c's key, in the database or the witness file.
func (c *Checkpointer) loadAnchor(ctx context.Context) error {
	cps, err := c.Store.Checkpoints(ctx)
	if err != nil {
		return err
	}
	pub := c.Key.Public().(ed25519.PublicKey)
	// A forged checkpoint far ahead must not become the anchor; Verify reports it.
	for _, cp := range cps {
		if cp.Seq > c.anchor.seq && VerifyCheckpoint(cp, pub) == nil {
			c.anchor = anchor{seq: cp.Seq, hash: cp.Hash, source: "the database's checkpoint"}
		}
	}
	if c.Witness != nil {
		w, err := ReadWitness(c.Witness.Path)
		if err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
			return err
		}
		if w != nil {
			// Lines naming another vault are held against this log like the others: from
			// outside the database, a log rewritten from its first event (new hashes, checkpoint
			// rows deleted) cannot be told from a key directory that another vault uses too,
			// and only the first must never be signed over. The operator who knows it is the
			// second gives each vault its own witness (or archives this one).
			cps := w.Checkpoints
			if _, others := w.Of(c.Witness.Vault); others > 0 {
				c.logger().Warn("the audit witness file holds checkpoints naming another vault; they are checked against this log",
					"file", c.Witness.Path, "checkpoints", others,
					"hint", "if another vault uses this key directory, give each vault its own --audit-witness (or archive this file with `callvault audit witness-rotate`); otherwise this log was rewritten: run `callvault audit verify`")
			}
			// At equal seq the witness wins: the database's user cannot have written it.
			for _, cp := range cps {
				if cp.Seq >= c.anchor.seq && cp.Seq > 0 && VerifyCheckpoint(cp, pub) == nil {
					c.anchor = anchor{seq: cp.Seq, hash: cp.Hash, source: "the witness file's checkpoint"}
				}
			}
		}
	}
	c.loaded = true
	return nil
}
