package blobtest

import (
	"context"
	"slices"
	"testing"

	"github.com/callvault/callvault"
)

// testDeleteBlobs checks callvault.BlobBatchDeleter, for stores that offer it.
func testDeleteBlobs(t *testing.T, s callvault.BlobStore) {
	bd, ok := s.(callvault.BlobBatchDeleter)
	if !ok {
		t.Skipf("%T does not implement callvault.BlobBatchDeleter", s)
	}
	ctx := context.Background()
	for _, k := range []string{"a/1", "a/2", "b/c/3", "keep/4"} {
		put(t, s, k, []byte(k))
	}
	err := bd.DeleteBlobs(ctx, []string{"a/1", "../escape"})
	wantKind(t, err, callvault.KindInvalid, "DeleteBlobs(an invalid key)")
	wantContent(t, s, "a/1", []byte("a/1")) // nothing removed
	// Blobs in several directories, a missing one and one named twice.
	if err := bd.DeleteBlobs(ctx, []string{"a/1", "b/c/3", "never/was", "a/2", "a/1"}); err != nil {
		t.Fatalf("DeleteBlobs: %v", err)
	}
	for _, k := range []string{"a/1", "a/2", "b/c/3"} {
		_, err := s.Open(ctx, k)
		wantKind(t, err, callvault.KindNotFound, "Open after DeleteBlobs")
	}
	if keys := listKeys(t, s, ""); !slices.Equal(keys, []string{"keep/4"}) {
		t.Fatalf("List after DeleteBlobs = %q, want [keep/4]", keys)
	}
	if err := bd.DeleteBlobs(ctx, []string{"a/1"}); err != nil {
		t.Fatalf("DeleteBlobs again = %v, want nil", err)
	}
	if err := bd.DeleteBlobs(ctx, nil); err != nil {
		t.Fatalf("DeleteBlobs(none) = %v, want nil", err)
	}
	wantContent(t, s, "keep/4", []byte("keep/4"))
}
