package migration

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
)

// migrateCases copies the DPO's cases exactly as they are (references, history, decisions,
// closing records); what the target has already (an earlier run) is left as it is. It returns
// how many cases it copied.
func migrateCases(ctx context.Context, src, dst callvault.Catalogue) (int, error) {
	from, ok := src.(callvault.CaseStore)
	if !ok {
		return 0, nil // a source from before the case desk has no cases
	}
	to, ok := dst.(callvault.CaseImporter)
	if !ok {
		return 0, callvault.Errorf(callvault.KindInvalid, "the target catalogue cannot keep cases")
	}
	n := 0
	f := callvault.CaseFilter{Limit: callvault.MaxSearchLimit}
	for {
		page, err := from.Cases(ctx, f)
		if err != nil {
			return n, err
		}
		for _, c := range page {
			switch err := to.ImportCase(ctx, c); {
			case err == nil:
				n++
			case !callvault.IsKind(err, callvault.KindConflict):
				return n, fmt.Errorf("case %s: %w", c.Reference, err)
			}
		}
		if len(page) < f.Limit {
			return n, nil
		}
		f.After = page[len(page)-1].ID
	}
}
