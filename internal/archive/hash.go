package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
)

// hashChunk is the largest piece an asyncHash copies and hands to its goroutine at once, and
// hashQueue how many pieces may wait. Pieces of large writes come from a pool; small writes (a
// SIPREC packet) are copied into buffers of their own size, so a call's backlog stays small.
const (
	hashChunk = 64 << 10
	hashQueue = 32
	smallHash = 16 << 10
)

var hashBufs = sync.Pool{New: func() any { b := make([]byte, hashChunk); return &b }}

// asyncHash computes the SHA-256 and length of what is written to it on a goroutine of its own,
// so that hashing the plaintext and the ciphertext runs beside the encryption instead of after
// it (ingest is CPU-bound otherwise). Memory is bounded: at most a few chunks are in flight.
// Write copies its input, so callers may reuse their buffers at once.
type asyncHash struct {
	ch   chan *[]byte
	done chan struct{}
	h    hash.Hash
	n    int64
	sum  string
}

func newAsyncHash() *asyncHash {
	a := &asyncHash{ch: make(chan *[]byte, hashQueue), done: make(chan struct{}), h: sha256.New()}
	ch := a.ch // the goroutine must not read the field, which Sum changes
	go func() {
		defer close(a.done)
		for b := range ch {
			a.h.Write(*b)
			if cap(*b) == hashChunk {
				hashBufs.Put(b)
			}
		}
	}()
	return a
}

func (a *asyncHash) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), hashChunk)
		var b *[]byte
		if k < smallHash {
			s := make([]byte, k)
			b = &s
		} else {
			b = hashBufs.Get().(*[]byte)
			*b = (*b)[:k]
		}
		copy(*b, p[:k])
		a.ch <- b
		p = p[k:]
	}
	a.n += int64(n)
	return n, nil
}

// Sum waits for the goroutine and returns the hex SHA-256 of everything written. It may be
// called more than once; Write must not be called after it.
func (a *asyncHash) Sum() string {
	if a.ch != nil {
		close(a.ch)
		a.ch = nil
		<-a.done
		a.sum = hex.EncodeToString(a.h.Sum(nil))
	}
	return a.sum
}
