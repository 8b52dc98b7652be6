package migration

import (
	"context"
	"fmt"
	"time"

	"github.com/callvault/callvault"
)

// migrateHolds copies every legal hold, released or not, so that a recording held on the
// source (by a case or by hand) cannot be deleted on the target either; what the target has
// already (an earlier run) is left as it is. Recordings are copied first. It returns how many
// holds it copied.
func migrateHolds(ctx context.Context, src, dst callvault.Catalogue) (int, error) {
	from, ok := src.(callvault.HoldStore)
	if !ok {
		return 0, nil // a source from before legal holds has none
	}
	to, ok := dst.(callvault.HoldImporter)
	if !ok {
		return 0, callvault.Errorf(callvault.KindInvalid, "the target catalogue cannot keep legal holds")
	}
	n := 0
	f := callvault.HoldFilter{Limit: callvault.MaxSearchLimit}
	for {
		page, err := from.Holds(ctx, f)
		if err != nil {
			return n, err
		}
		for _, h := range page {
			h.RetainUntil = time.Time{} // the recording's, not the hold's
			switch err := to.ImportHold(ctx, h); {
			case err == nil:
				n++
			case !callvault.IsKind(err, callvault.KindConflict):
				return n, fmt.Errorf("hold %s: %w", h.ID, err)
			}
		}
		if len(page) < f.Limit {
			return n, nil
		}
		f.After = page[len(page)-1].ID
	}
}
