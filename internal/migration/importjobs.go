package migration

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
)

// migrateImportJobs copies the import jobs (provider fetches), finished or not, so that a fetch
// pending when the vault moves is made by the target; claims are not copied (the source is
// stopped). Jobs the target has already (an earlier run) are left as they are. It returns how
// many jobs it copied.
func migrateImportJobs(ctx context.Context, src, dst callvault.Catalogue) (int, error) {
	from, ok := src.(callvault.ImportJobImporter)
	to, ok2 := dst.(callvault.ImportJobImporter)
	if !ok || !ok2 {
		return 0, callvault.Errorf(callvault.KindInvalid, "the catalogues cannot copy import jobs")
	}
	n := 0
	for after := ""; ; {
		page, err := from.ImportJobs(ctx, after, 500)
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			return n, nil
		}
		for _, j := range page {
			switch err := to.ImportImportJob(ctx, j); {
			case err == nil:
				n++
			case !callvault.IsKind(err, callvault.KindConflict):
				return n, fmt.Errorf("import job %s: %w", j.ID, err)
			}
		}
		after = page[len(page)-1].ID
	}
}
