package fileblob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/callvault/callvault"
)

// tmpDirName is the subdirectory of the store's root that holds blobs being written.
const tmpDirName = ".tmp"

// Store is a callvault.BlobStore on a local directory. It is safe for concurrent use, also by
// several processes sharing the directory.
type Store struct {
	root string // absolute, cleaned
	tmp  string // root/.tmp

	// spares holds unnamed files opened ahead of need: creating a file costs far more than
	// writing a recording on some filesystems, so Create takes a ready one and a goroutine
	// makes the next while the caller encrypts. Unused spares vanish when the process ends.
	spares    chan *os.File
	refilling atomic.Bool
	noAnon    atomic.Bool // O_TMPFILE is not supported here: use named temporary files
	probeOnce sync.Once

	dirs dirSyncer // concurrent commits into one directory share its fsync
}

// spareFiles is how many unnamed files a store keeps ready.
const spareFiles = 2

var _ callvault.BlobStore = (*Store)(nil)

// Open returns a store rooted at dir, creating dir (mode 0700) and its .tmp subdirectory if they do
// not exist. It fails with KindInvalid if dir is empty or is not a directory, and KindUnavailable
// if it cannot be created or accessed.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, callvault.Errorf(callvault.KindInvalid, "fileblob: the blob directory is not set")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInvalid, err, "fileblob: cannot resolve the blob directory "+dir)
	}
	if fi, err := os.Stat(root); err == nil && !fi.IsDir() {
		return nil, callvault.Errorf(callvault.KindInvalid, "fileblob: %s is not a directory", root)
	}
	s := &Store{root: root, tmp: filepath.Join(root, tmpDirName), spares: make(chan *os.File, spareFiles)}
	if err := os.MkdirAll(s.tmp, 0o700); err != nil {
		return nil, callvault.WrapError(callvault.KindUnavailable, err, "fileblob: cannot create the blob directory "+s.tmp+"; check that it is writable")
	}
	return s, nil
}

// Dir returns the store's root directory.
func (s *Store) Dir() string { return s.root }

// path returns the file name of a validated key.
func (s *Store) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

// Open opens the committed blob under key, or returns KindNotFound.
func (s *Store) Open(ctx context.Context, key string) (callvault.Blob, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, callvault.WrapError(callvault.KindUnavailable, err, "fileblob: open "+key+": cancelled")
	}
	f, err := os.Open(s.path(key))
	if err != nil {
		return nil, pathError(err, "open", key)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, pathError(err, "open", key)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, callvault.Errorf(callvault.KindNotFound, "fileblob: blob %s not found", key)
	}
	return &blob{f: f, size: fi.Size(), key: key}, nil
}

// Delete removes the blob under key, fsyncs its directory and checks that it is gone. Deleting a
// missing blob returns nil.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return callvault.WrapError(callvault.KindUnavailable, err, "fileblob: delete "+key+": cancelled")
	}
	p := s.path(key)
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return nil
	case err != nil:
		return pathError(err, "delete", key)
	case fi.IsDir():
		return nil // a directory is not a blob; never remove it
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return pathError(err, "delete", key)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return pathError(err, "delete", key)
	}
	if _, err := os.Lstat(p); err == nil {
		return callvault.Errorf(callvault.KindInternal, "fileblob: delete %s: the file is still present after removal", key)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return pathError(err, "delete", key)
	}
	return nil
}

// Ping reports whether the root directory is accessible.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return callvault.WrapError(callvault.KindUnavailable, err, "fileblob: ping cancelled")
	}
	fi, err := os.Stat(s.tmp)
	if err != nil {
		return callvault.WrapError(callvault.KindUnavailable, err, "fileblob: the blob directory "+s.root+" is not accessible")
	}
	if !fi.IsDir() {
		return callvault.Errorf(callvault.KindUnavailable, "fileblob: %s is not a directory", s.tmp)
	}
	return nil
}

// pathError translates a filesystem error about key into the error taxonomy.
func pathError(err error, op, key string) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return callvault.WrapError(callvault.KindNotFound, err, "fileblob: blob "+key+" not found")
	case errors.Is(err, fs.ErrPermission):
		return callvault.WrapError(callvault.KindUnavailable, err, "fileblob: "+op+" "+key+": permission denied; check the blob directory's owner and mode")
	}
	return callvault.WrapError(callvault.KindInternal, err, "fileblob: "+op+" "+key+" failed")
}

// syncDir fsyncs a directory so that entries added or removed in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}
