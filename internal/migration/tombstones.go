package migration

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
)

// migrateTombstones copies the tombstones of deleted recordings, so that the target keeps their
// source ids taken (a retried capture of a deleted call is refused there too) and the hashes
// their deletion receipts name. A tombstone whose recording the target still has live means the
// source deleted it after an earlier run copied it.
func migrateTombstones(ctx context.Context, src, dst callvault.CatalogueImporter, dstCat callvault.Catalogue) (int, error) {
	n := 0
	for after := ""; ; {
		page, err := src.Tombstones(ctx, after, 1000)
		if err != nil || len(page) == 0 {
			return n, err
		}
		for _, ts := range page {
			err := dst.ImportTombstone(ctx, ts)
			switch {
			case err == nil:
				n++
			case callvault.IsKind(err, callvault.KindConflict):
				if _, lerr := dstCat.Recording(ctx, ts.ID); lerr == nil {
					return n, callvault.Errorf(callvault.KindConflict,
						"recording %s was deleted in the source after an earlier run copied it; the target still has it: migrate into an empty catalogue", ts.ID)
				} else if !callvault.IsKind(lerr, callvault.KindNotFound) {
					return n, lerr
				}
			default:
				return n, fmt.Errorf("tombstone %s: %w", ts.ID, err)
			}
		}
		after = page[len(page)-1].ID
	}
}
