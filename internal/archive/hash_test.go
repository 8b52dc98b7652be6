package archive

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestAsyncHash(t *testing.T) {
	data := make([]byte, 3*hashChunk+12345)
	rand.Read(data)
	want := sha256.Sum256(data)
	for _, sizes := range [][]int{{len(data)}, {1, 100, smallHash - 1, smallHash, hashChunk, hashChunk + 1}, {640}} {
		a := newAsyncHash()
		for off, i := 0, 0; off < len(data); i++ {
			n := min(sizes[i%len(sizes)], len(data)-off)
			buf := append([]byte(nil), data[off:off+n]...)
			a.Write(buf)
			clear(buf) // Write copies: reusing the buffer at once must not change the hash
			off += n
		}
		if got := a.Sum(); got != hex.EncodeToString(want[:]) || a.n != int64(len(data)) {
			t.Errorf("writes of %v: hash %s, n %d", sizes, got, a.n)
		}
		if a.Sum() != hex.EncodeToString(want[:]) {
			t.Error("second Sum differs")
		}
	}
	// Sum at once after creation, before the goroutine has run, must not hang.
	for i := 0; i < 1000; i++ {
		if newAsyncHash().Sum() != hex.EncodeToString(sha256.New().Sum(nil)) {
			t.Fatal("hash of nothing is wrong")
		}
	}
}
