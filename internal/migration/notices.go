package migration

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
)

// migrateNotices copies every version of the recording notice, so the target asks for the
// same version people acknowledged on the source (their users carry the version number) and
// keeps the history; what the target has already (an earlier run) is left as it is. It
// returns how many versions it copied.
func migrateNotices(ctx context.Context, src, dst callvault.Catalogue) (int, error) {
	from, ok := src.(callvault.NoticeStore)
	if !ok {
		return 0, nil // a source from before stored notices has none
	}
	to, ok := dst.(callvault.NoticeImporter)
	if !ok {
		return 0, callvault.Errorf(callvault.KindInvalid, "the target catalogue cannot keep the notice's versions")
	}
	versions, err := from.NoticeVersions(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range versions {
		switch err := to.ImportNoticeVersion(ctx, v); {
		case err == nil:
			n++
		case !callvault.IsKind(err, callvault.KindConflict):
			return n, fmt.Errorf("notice version %d: %w", v.Version, err)
		}
	}
	return n, nil
}
