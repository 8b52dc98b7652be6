package fileblob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/callvault/callvault"
)

var _ callvault.BlobBatchDeleter = (*Store)(nil)

// removers is how many files DeleteBlobs removes at once: an unlink waits on the filesystem's
// journal, and several waiting together share its commits.
const removers = 8

// DeleteBlobs removes the blobs under keys, several at once, then fsyncs each directory they
// were in once, then checks that each is gone (see callvault.BlobBatchDeleter). The fsync and
// the unlinks are what a delete costs on local disk; sharing them is what lets the retention
// sweep delete thousands of blobs a second, where Delete pays an fsync per blob.
func (s *Store) DeleteBlobs(ctx context.Context, keys []string) error {
	for _, key := range keys {
		if err := validateKey(key); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return callvault.WrapError(callvault.KindUnavailable, err, "fileblob: delete blobs: cancelled")
	}
	errs := make([]error, len(keys))
	removed := make([]bool, len(keys))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(removers, len(keys)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				removed[i], errs[i] = s.remove(keys[i])
			}
		}()
	}
	for i := range keys {
		next <- i
	}
	close(next)
	wg.Wait()
	dirs := map[string]bool{}
	for i, key := range keys {
		if removed[i] {
			dirs[filepath.Dir(s.path(key))] = true
		}
	}
	for dir := range dirs {
		if err := s.dirs.sync(dir); err != nil {
			errs = append(errs, callvault.WrapError(callvault.KindInternal, err, "fileblob: delete blobs: fsync "+dir))
		}
	}
	for i, key := range keys {
		if !removed[i] {
			continue
		}
		if _, err := os.Lstat(s.path(key)); err == nil {
			errs = append(errs, callvault.Errorf(callvault.KindInternal, "fileblob: delete %s: the file is still present after removal", key))
		} else if !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, pathError(err, "delete", key))
		}
	}
	return errors.Join(errs...)
}

// remove unlinks the blob under key, without syncing its directory, and reports whether it
// removed a file. A missing blob is not an error; a directory is not a blob and stays.
func (s *Store) remove(key string) (bool, error) {
	p := s.path(key)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return false, nil
	case err != nil:
		return false, pathError(err, "delete", key)
	case fi.IsDir():
		return false, nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, pathError(err, "delete", key)
	}
	return true, nil
}
