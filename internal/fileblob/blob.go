package fileblob

import (
	"errors"
	"io"
	"os"

	"github.com/callvault/callvault"
)

// blob is an open committed blob; ReadAt goes straight to the file.
type blob struct {
	f    *os.File
	size int64
	key  string
}

func (b *blob) Size() int64 { return b.size }

// ReadAt follows io.ReaderAt: it returns io.EOF (unwrapped) when fewer than len(p) bytes remain.
func (b *blob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, callvault.Errorf(callvault.KindInvalid, "fileblob: read %s at negative offset %d", b.key, off)
	}
	n, err := b.f.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, callvault.WrapError(callvault.KindInternal, err, "fileblob: read "+b.key+" failed")
	}
	return n, err
}

func (b *blob) Close() error {
	if err := b.f.Close(); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "fileblob: close "+b.key+" failed")
	}
	return nil
}
