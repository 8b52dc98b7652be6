package fileblob

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/callvault/callvault"
)

// List calls fn for every committed blob whose key starts with prefix, in key (byte) order. It
// walks only the directory named by the prefix up to its last "/", skips the .tmp directory and
// anything that is not a regular file with a valid key, and stops at the first error fn returns,
// returning it unchanged.
func (s *Store) List(ctx context.Context, prefix string, fn func(callvault.BlobInfo) error) error {
	if err := validatePrefix(prefix); err != nil {
		return err
	}
	start := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = prefix[:i+1]
	}
	return s.walk(ctx, start, prefix, fn)
}

// walk visits the directory holding keys that start with dirKey ("" or ending in "/").
// Entries are sorted by the key they lead to: a directory "a" sorts as "a/", so that "a-b" (a
// file) comes before "a/x", as in byte order of the keys.
func (s *Store) walk(ctx context.Context, dirKey, prefix string, fn func(callvault.BlobInfo) error) error {
	if err := ctx.Err(); err != nil {
		return callvault.WrapError(callvault.KindUnavailable, err, "fileblob: list cancelled")
	}
	entries, err := os.ReadDir(filepath.Join(s.root, filepath.FromSlash(dirKey)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return callvault.WrapError(callvault.KindInternal, err, "fileblob: list "+dirKey+" failed")
	}
	type item struct {
		key string // the entry's key, with a trailing "/" for directories
		e   fs.DirEntry
	}
	items := make([]item, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if dirKey == "" && name == tmpDirName {
			continue
		}
		if callvault.ValidateBlobKey(name) != nil {
			continue // not a name this store writes
		}
		k := dirKey + name
		if e.IsDir() {
			k += "/"
		}
		// Keep entries that are in the prefix or lead into it.
		if !strings.HasPrefix(k, prefix) && !strings.HasPrefix(prefix, k) {
			continue
		}
		items = append(items, item{k, e})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	for _, it := range items {
		if it.e.IsDir() {
			if err := s.walk(ctx, it.key, prefix, fn); err != nil {
				return err
			}
			continue
		}
		if !it.e.Type().IsRegular() || !strings.HasPrefix(it.key, prefix) {
			continue
		}
		fi, err := it.e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted while we walked
		}
		if err != nil {
			return callvault.WrapError(callvault.KindInternal, err, "fileblob: list "+it.key+" failed")
		}
		if err := fn(callvault.BlobInfo{Key: it.key, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}
