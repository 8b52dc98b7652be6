package migration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"

	"github.com/callvault/callvault"
)

// migrateRecording copies one recording; it reports false if the target already had it.
func migrateRecording(ctx context.Context, src Source, dstCat callvault.Catalogue, imp callvault.CatalogueImporter, dstBlobs callvault.BlobStore, r *callvault.Recording) (bool, error) {
	if _, err := dstCat.Recording(ctx, r.ID); err == nil {
		return false, nil
	} else if !callvault.IsKind(err, callvault.KindNotFound) {
		return false, err
	}
	if err := CopyBlob(ctx, src.Blobs, dstBlobs, r); err != nil {
		return false, err
	}
	if err := imp.ImportRecording(ctx, r); err != nil && !callvault.IsKind(err, callvault.KindConflict) {
		return false, err
	}
	return true, nil
}

// CopyBlob copies r's blob and checks its SHA-256 against the catalogue. A blob left by an
// interrupted run is kept if its hash is right and replaced otherwise.
func CopyBlob(ctx context.Context, from, to callvault.BlobStore, r *callvault.Recording) error {
	if ok, err := blobMatches(ctx, to, r); err != nil || ok {
		return err
	}
	if err := to.Delete(ctx, r.BlobKey); err != nil {
		return err
	}
	b, err := from.Open(ctx, r.BlobKey)
	if err != nil {
		return err
	}
	defer b.Close()
	w, err := to.Create(ctx, r.BlobKey)
	if err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(io.MultiWriter(w, h), io.NewSectionReader(b, 0, b.Size()), make([]byte, migrateBuffer)); err != nil {
		w.Abort()
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != r.StoredSHA256 {
		w.Abort()
		return callvault.Errorf(callvault.KindInternal, "source blob %s has SHA-256 %s, the catalogue says %s: run `callvault audit verify` on the source", r.BlobKey, got, r.StoredSHA256)
	}
	if err := w.Commit(); err != nil {
		return err
	}
	if ok, err := blobMatches(ctx, to, r); err != nil || !ok {
		return callvault.Errorf(callvault.KindInternal, "blob %s does not read back intact from the target (%v)", r.BlobKey, err)
	}
	return nil
}

// migrateBuffer is how much of a blob one read asks for. Each ReadAt of an object store's blob
// is one ranged GET, so io.Copy's 32 KiB would make a 100 MiB recording 3,200 requests.
const migrateBuffer = 4 << 20

// blobMatches reports whether store holds r's blob with the right size and SHA-256.
func blobMatches(ctx context.Context, store callvault.BlobStore, r *callvault.Recording) (bool, error) {
	b, err := store.Open(ctx, r.BlobKey)
	if callvault.IsKind(err, callvault.KindNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer b.Close()
	if b.Size() != r.StoredSize {
		return false, nil
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(b, 0, b.Size()), make([]byte, migrateBuffer)); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == r.StoredSHA256, nil
}
