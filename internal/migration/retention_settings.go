package migration

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
)

// migrateRetentionSettings copies every version of the retention period set in the browser,
// so the target keeps the period in force (not the configuration's, which would move every
// deletion date back) and its history; what the target has already is left as it is. It
// returns how many versions it copied.
func migrateRetentionSettings(ctx context.Context, src, dst callvault.Catalogue) (int, error) {
	from, ok := src.(callvault.RetentionSettingStore)
	if !ok {
		return 0, nil // a source from before stored periods has none
	}
	to, ok := dst.(callvault.RetentionSettingImporter)
	if !ok {
		return 0, callvault.Errorf(callvault.KindInvalid, "the target catalogue cannot keep the retention period's versions")
	}
	versions, err := from.RetentionSettings(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range versions {
		switch err := to.ImportRetentionSetting(ctx, v); {
		case err == nil:
			n++
		case !callvault.IsKind(err, callvault.KindConflict):
			return n, fmt.Errorf("retention period version %d: %w", v.Version, err)
		}
	}
	return n, nil
}
