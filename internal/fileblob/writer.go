package fileblob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/callvault/callvault"
)

// Create starts a blob under key. Its bytes go to an unnamed file (O_TMPFILE, where the
// filesystem has it) or to a temporary file in the .tmp directory; nothing is visible under key
// until Commit returns nil.
func (s *Store) Create(ctx context.Context, key string) (callvault.BlobWriter, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, callvault.WrapError(callvault.KindUnavailable, err, "fileblob: create "+key+": cancelled")
	}
	if f := s.spare(); f != nil {
		return &writer{s: s, key: key, f: f, anon: true}, nil
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

// spare returns a ready unnamed file, or opens one, and starts making the next; nil if unnamed
// files are not supported here.
func (s *Store) spare() *os.File {
	s.probeOnce.Do(s.probeAnon)
	if s.noAnon.Load() {
		return nil
	}
	defer s.refill()
	select {
	case f := <-s.spares:
		return f
	default:
	}
	f, err := openAnon(s.tmp)
	if err != nil {
		s.noAnon.Store(true)
		return nil
	}
	return f
}

// probeAnon checks once that an unnamed file can be opened AND linked under a name here (the
// link goes through /proc/self/fd, which a sandbox may hide); if not, the store uses named
// temporary files.
func (s *Store) probeAnon() {
	f, err := openAnon(s.tmp)
	if err == nil {
		name := filepath.Join(s.tmp, "probe-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
		err = linkAnon(f, name)
		f.Close()
		os.Remove(name)
	}
	if err != nil {
		s.noAnon.Store(true)
	}
}

// refill tops up the spare files on a goroutine, unless one is doing it already.
func (s *Store) refill() {
	if s.noAnon.Load() || !s.refilling.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.refilling.Store(false)
		for len(s.spares) < cap(s.spares) {
			f, err := openAnon(s.tmp)
			if err != nil {
				return
			}
			select {
			case s.spares <- f:
			default:
				f.Close()
				return
			}
		}
	}()
}

// writer streams a blob into a temporary file. It is not safe for concurrent use.
type writer struct {
	s    *Store
	key  string
	f    *os.File
	anon bool  // f is an unnamed file (O_TMPFILE): linked into place at Commit, gone if closed
	done bool  // committed, aborted, or failed and cleaned up
	err  error // first write error; Commit returns it

	written, flushed int64 // bytes written, and bytes whose writeback has been started
}

// writebackChunk is how much a writer accumulates before it asks the kernel to start writing it
// out, so that disk writes overlap the encryption of what follows and Commit's fsync is short.
const writebackChunk = 512 << 10

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, callvault.Errorf(callvault.KindInvalid, "fileblob: write to %s after Commit or Abort", w.key)
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.f.Write(p)
	w.written += int64(n)
	if err != nil {
		w.err = callvault.WrapError(callvault.KindInternal, err, "fileblob: write "+w.key+" failed; is the disk full?")
	}
	if w.written-w.flushed >= writebackChunk {
		startWriteback(w.f, w.flushed, w.written-w.flushed)
		w.flushed = w.written
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
	dst := w.s.path(w.key)
	if err := w.s.mkdirs(w.key); err != nil {
		return err
	}
	var err error
	if w.anon {
		err = linkAnon(w.f, dst)
	} else if err = w.f.Close(); err == nil {
		err = os.Link(w.f.Name(), dst)
	}
	if err != nil {
		return w.linkError(err)
	}
	if err := w.s.dirs.sync(filepath.Dir(dst)); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "fileblob: commit "+w.key+": fsync of its directory failed")
	}
	return nil
}

func (w *writer) linkError(err error) error {
	if errors.Is(err, fs.ErrExist) {
		return callvault.Errorf(callvault.KindConflict, "fileblob: blob %s already exists", w.key)
	}
	return callvault.WrapError(callvault.KindInternal, err, "fileblob: commit "+w.key+": link into place failed")
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
	w.f.Close() // may already be closed by Commit; an unnamed file vanishes with it
	if w.anon {
		return nil
	}
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
