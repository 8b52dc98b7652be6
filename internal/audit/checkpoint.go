package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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

// Checkpointer signs checkpoints of the audit log's head. It is safe for concurrent use within
// a process; across processes, two nodes checkpointing the same head is harmless.
type Checkpointer struct {
	Store callvault.AuditStore
	Key   ed25519.PrivateKey
	Every int64            // events between checkpoints; 0 means DefaultEvery
	Now   func() time.Time // nil means time.Now

	mu     sync.Mutex
	loaded bool
	last   int64 // Seq of the newest checkpoint known
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

func (c *Checkpointer) checkpoint(ctx context.Context, every int64) error {
	if len(c.Key) != ed25519.PrivateKeySize {
		return callvault.Errorf(callvault.KindInternal, "no audit signing key configured for checkpoints")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		if err := c.loadLast(ctx); err != nil {
			return err
		}
	}
	head, err := c.Store.AuditHead(ctx)
	if err != nil {
		return err
	}
	if head == nil || head.Seq < c.last+every {
		return nil
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	cp := SignCheckpoint(c.Key, head.Seq, head.Hash, now())
	if err := c.Store.AddCheckpoint(ctx, cp); err != nil {
		if callvault.IsKind(err, callvault.KindConflict) {
			// Another node checkpointed this head first; learn what it wrote.
			return c.loadLast(ctx)
		}
		return err
	}
	c.last = head.Seq
	return nil
}

func (c *Checkpointer) loadLast(ctx context.Context) error {
	cps, err := c.Store.Checkpoints(ctx)
	if err != nil {
		return err
	}
	pub := c.Key.Public().(ed25519.PublicKey)
	for _, cp := range cps {
		// A forged checkpoint far ahead must not silence ours; Verify reports it.
		if VerifyCheckpoint(cp, pub) == nil {
			c.last = max(c.last, cp.Seq)
		}
	}
	c.loaded = true
	return nil
}
