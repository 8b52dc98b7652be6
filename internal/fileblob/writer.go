package fileblob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/callvault/callvault"
)

// Create starts a blob under key. Its bytes go to a temporary file in the .tmp directory; nothing
// is visible under key until Commit returns nil.
func (s *Store) Create(ctx context.Context, key string) (callvault.BlobWriter, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, callvault.WrapError(callvault.KindUnavailable, err, "fileblob: create "+key+": cancelled")
	}
	f, err := os.CreateTemp(s.tmp, "blob-*") // mode 0600
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			// Someone removed .tmp under us; recreate it once.
			if mkErr := os.MkdirAll(s.tmp, 0o700); mkErr == nil {
				f, err = os.CreateTemp(s.tmp, "blob-*")
			}
		}
		if err != nil {
			return nil, pathError(err, "create", key)
		}
	}
	return &writer{s: s, key: key, f: f}, nil
}

// writer streams a blob into a temporary file. It is not safe for concurrent use.
type writer struct {
	s    *Store
	key  string
	f    *os.File
	done bool  // committed, aborted, or failed and cleaned up
	err  error // first write error; Commit returns it
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, callvault.Errorf(callvault.KindInvalid, "fileblob: write to %s after Commit or Abort", w.key)
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(p)
	if err != nil {
		w.err = callvault.WrapError(callvault.KindInternal, err, "fileblob: write "+w.key+" failed; is the disk full?")
	}
	return n, w.err
}

// Commit fsyncs the temporary file, links it under its key without replacing an existing file,
// removes the temporary name and fsyncs every directory it changed. On any failure the temporary
// file is removed; Abort is then a no-op.
func (w *writer) Commit() error {
	if w.done {
		return callvault.Errorf(callvault.KindInvalid, "fileblob: commit %s: the writer is already finished", w.key)
	}
	defer w.discard()
	if w.err != nil {
		return w.err
	}
	if err := w.f.Sync(); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "fileblob: commit "+w.key+": fsync failed")
	}
	if err := w.f.Close(); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "fileblob: commit "+w.key+": close failed")
	}
	dst := w.s.path(w.key)
	if err := w.s.mkdirs(w.key); err != nil {
		return err
	}
	if err := os.Link(w.f.Name(), dst); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return callvault.Errorf(callvault.KindConflict, "fileblob: blob %s already exists", w.key)
		}
		return callvault.WrapError(callvault.KindInternal, err, "fileblob: commit "+w.key+": link into place failed")
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "fileblob: commit "+w.key+": fsync of its directory failed")
	}
	return nil
}

// Abort discards the temporary file. It does nothing after Commit or a previous Abort.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	return w.discard()
}

// discard closes and removes the temporary file and marks the writer finished.
func (w *writer) discard() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close() // may already be closed by Commit
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return callvault.WrapError(callvault.KindInternal, err, "fileblob: abort "+w.key+": cannot remove the temporary file")
	}
	return nil
}

// mkdirs creates the directories above key (mode 0700), fsyncing the parent of each one it
// creates. A path component that is an existing blob makes the key unusable: KindConflict.
func (s *Store) mkdirs(key string) error {
	segs := strings.Split(key, "/")
	dir := s.root
	for _, seg := range segs[:len(segs)-1] {
		next := filepath.Join(dir, seg)
		err := os.Mkdir(next, 0o700)
		switch {
		case err == nil:
			if err := syncDir(dir); err != nil {
				return callvault.WrapError(callvault.KindInternal, err, "fileblob: commit "+key+": fsync of "+dir+" failed")
			}
		case errors.Is(err, fs.ErrExist):
			fi, statErr := os.Stat(next)
			if statErr != nil {
				return pathError(statErr, "commit", key)
			}
			if !fi.IsDir() {
				return callvault.Errorf(callvault.KindConflict, "fileblob: blob %s cannot be stored: %s is a blob, not a directory", key, strings.TrimPrefix(next, s.root+string(filepath.Separator)))
			}
		case errors.Is(err, syscall.ENOTDIR):
			return callvault.Errorf(callvault.KindConflict, "fileblob: blob %s cannot be stored: a parent path is a blob, not a directory", key)
		default:
			return pathError(err, "commit", key)
		}
		dir = next
	}
	return nil
}
