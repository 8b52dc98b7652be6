package fileblob

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/callvault/callvault"
)

// CleanTemp removes temporary files in the .tmp directory last modified more than olderThan
// ago: the leftovers of writers whose process crashed before Commit or Abort. Choose olderThan
// well above the longest write (a live writer's file would be removed under it and its Commit
// would fail). It returns the paths it removed, for the caller to audit, also when it stops at an
// error part way.
func (s *Store) CleanTemp(olderThan time.Duration) (removed []string, err error) {
	if olderThan < 0 {
		return nil, callvault.Errorf(callvault.KindInvalid, "fileblob: clean temp: negative age %s", olderThan)
	}
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, callvault.WrapError(callvault.KindUnavailable, err, "fileblob: clean temp: cannot read "+s.tmp)
	}
	cutoff := time.Now().Add(-olderThan)
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // finished meanwhile
		}
		if err != nil {
			return removed, callvault.WrapError(callvault.KindInternal, err, "fileblob: clean temp: stat "+e.Name()+" failed")
		}
		if !fi.ModTime().Before(cutoff) {
			continue
		}
		p := filepath.Join(s.tmp, e.Name())
		if err := os.Remove(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return removed, callvault.WrapError(callvault.KindInternal, err, "fileblob: clean temp: cannot remove "+p)
		}
		removed = append(removed, p)
	}
	if len(removed) > 0 {
		if err := syncDir(s.tmp); err != nil {
			return removed, callvault.WrapError(callvault.KindInternal, err, "fileblob: clean temp: fsync of "+s.tmp+" failed")
		}
	}
	return removed, nil
}
