package vault

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/callvault/callvault"
)

// writeFileExclusive writes data to path atomically and only if path does not exist: the bytes go
// to a temporary file in the same directory, which is fsynced, then hard-linked to path (link
// fails if path exists, unlike rename) and the directory fsynced. A crash leaves either no file
// or the complete file, never a partial key. KindConflict if path exists.
func writeFileExclusive(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot create a file in key directory "+dir)
	}
	tmpName := tmp.Name()
	defer func() {
		tmp.Close()
		os.Remove(tmpName)
	}()
	// CreateTemp makes the file 0600; Chmod sets the exact mode, which the umask cannot narrow.
	if err := tmp.Chmod(perm); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot set the mode of "+tmpName)
	}
	if _, err := tmp.Write(data); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot write "+tmpName)
	}
	if err := tmp.Sync(); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot fsync "+tmpName)
	}
	if err := tmp.Close(); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot close "+tmpName)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return callvault.WrapError(callvault.KindConflict, err, path+" already exists; it was not overwritten")
		}
		// Some filesystems have no hard links: fall back to rename after checking, accepting
		// the small race with another process creating the same key at the same moment.
		if _, statErr := os.Lstat(path); statErr == nil {
			return callvault.Errorf(callvault.KindConflict, "%s already exists; it was not overwritten", path)
		}
		if err := os.Rename(tmpName, path); err != nil {
			return callvault.WrapError(callvault.KindInternal, err, "cannot create "+path)
		}
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot open directory "+dir)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return callvault.WrapError(callvault.KindInternal, err, "cannot fsync directory "+dir)
	}
	return nil
}
