package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/callvault/callvault"
)

// VerifyStored checks, before a source file may be deleted, that the recording stored from it is
// durable and is its audio: the blob reads back whole from the blob store with the stored
// hash, and the archive, given the file again under the same source ID, recognises it as the
// stored recording (the archive compares hashes; see callvault.Archive.Ingest). It returns nil
// only then.
func VerifyStored(ctx context.Context, blobs callvault.BlobStore, arch callvault.Archive, actor callvault.Actor,
	stored *callvault.Recording, path string, meta *callvault.Recording) error {
	if err := VerifyBlob(ctx, blobs, stored); err != nil {
		return fmt.Errorf("%s: %w; the source is kept", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	again := *meta
	r, created, err := arch.Ingest(ctx, callvault.IngestRequest{Actor: actor, Recording: &again, Audio: f})
	if err != nil {
		return fmt.Errorf("%s: the file is not the audio stored as %s (%w); the source is kept", path, stored.ID, err)
	}
	if created || r.ID != stored.ID {
		return fmt.Errorf("%s: the archive stored it again as %s instead of recognising %s; the source is kept", path, r.ID, stored.ID)
	}
	return nil
}

// VerifyBlob checks that the stored recording is durable: its blob reads back whole from the
// blob store with the size and hash the catalogue records.
func VerifyBlob(ctx context.Context, blobs callvault.BlobStore, stored *callvault.Recording) error {
	b, err := blobs.Open(ctx, stored.BlobKey)
	if err != nil {
		return fmt.Errorf("cannot read the stored recording %s back: %w", stored.ID, err)
	}
	defer b.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.NewSectionReader(b, 0, b.Size()))
	if err != nil {
		return fmt.Errorf("cannot read the stored recording %s back: %w", stored.ID, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != stored.StoredSHA256 || n != stored.StoredSize {
		return fmt.Errorf("the stored recording %s reads back with sha256 %s (%d bytes), not %s (%d bytes)",
			stored.ID, got, n, stored.StoredSHA256, stored.StoredSize)
	}
	return nil
}
