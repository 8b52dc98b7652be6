package migration

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"sync/atomic"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/fileblob"
)

// countingStore counts the ReadAt calls on the blobs it opens: on an object store each one is
// a ranged GET.
type countingStore struct {
	callvault.BlobStore
	reads atomic.Int64
}

func (c *countingStore) Open(ctx context.Context, key string) (callvault.Blob, error) {
	b, err := c.BlobStore.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return &countingBlob{Blob: b, reads: &c.reads}, nil
}

type countingBlob struct {
	callvault.Blob
	reads *atomic.Int64
}

func (c *countingBlob) ReadAt(p []byte, off int64) (int, error) {
	c.reads.Add(1)
	return c.Blob.ReadAt(p, off)
}

// Migration reads blobs in large pieces, not io.Copy's 32 KiB: a 6 MiB blob is two reads.
func TestMigrationReadsBlobsInLargePieces(t *testing.T) {
	ctx := context.Background()
	from, err := fileblob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	to, err := fileblob.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, 6<<20)
	rand.Read(payload)
	sum := sha256.Sum256(payload)
	r := &callvault.Recording{BlobKey: "recordings/2026/11/x.age", StoredSize: int64(len(payload)), StoredSHA256: hex.EncodeToString(sum[:])}
	w, err := from.Create(ctx, r.BlobKey)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(payload)
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	src, dst := &countingStore{BlobStore: from}, &countingStore{BlobStore: to}
	if err := CopyBlob(ctx, src, dst, r); err != nil {
		t.Fatalf("copyBlob: %v", err)
	}
	if n := src.reads.Load(); n > 3 {
		t.Errorf("copying a 6 MiB blob took %d reads of the source, want at most 3", n)
	}
	if n := dst.reads.Load(); n > 3 {
		t.Errorf("verifying a 6 MiB blob took %d reads of the target, want at most 3", n)
	}
	dst.reads.Store(0)
	if ok, err := blobMatches(ctx, dst, r); err != nil || !ok {
		t.Fatalf("blobMatches after the copy: %v, %v", ok, err)
	}
	if n := dst.reads.Load(); n > 3 {
		t.Errorf("blobMatches of a 6 MiB blob took %d reads, want at most 3", n)
	}
}
