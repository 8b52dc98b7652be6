package blobtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/callvault/callvault"
)

// Bench runs the shared blob store benchmarks: WriteCommit of 1.4 MB blobs (about ten minutes of
// G.711 audio) and ReadAt of 64 KiB at random offsets of a 16 MiB blob. open returns a fresh store.
func Bench(b *testing.B, open func(b *testing.B) callvault.BlobStore) {
	b.Run("WriteCommit1.4MB", func(b *testing.B) {
		s := open(b)
		data := randomBytes(1_400_000, 9)
		b.SetBytes(int64(len(data)))
		for i := 0; b.Loop(); i++ {
			if err := tryPut(s, fmt.Sprintf("bench/w/%08d.age", i), data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReadAt64KiB", func(b *testing.B) {
		s := open(b)
		const size = 16 << 20
		put(b, s, "bench/r.age", randomBytes(size, 10))
		blob, err := s.Open(context.Background(), "bench/r.age")
		if err != nil {
			b.Fatal(err)
		}
		defer blob.Close()
		p := make([]byte, 64<<10)
		r := rand.New(rand.NewPCG(3, 4))
		b.SetBytes(int64(len(p)))
		for b.Loop() {
			off := r.Int64N(size - int64(len(p)))
			if n, err := blob.ReadAt(p, off); n != len(p) || (err != nil && err != io.EOF) {
				b.Fatalf("ReadAt at %d = %d, %v", off, n, err)
			}
		}
	})
}
