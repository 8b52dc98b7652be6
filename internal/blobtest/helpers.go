package blobtest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/callvault/callvault"
)

// randomBytes returns n reproducible pseudo-random bytes; seed varies the content.
func randomBytes(n int, seed uint64) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24), 'b', 'l', 'o', 'b'})
	b := make([]byte, n)
	_, _ = r.Read(b)
	return b
}

// put writes data under key in uneven chunks and commits it, failing the test on any error.
func put(t testing.TB, s callvault.BlobStore, key string, data []byte) {
	t.Helper()
	if err := tryPut(s, key, data); err != nil {
		t.Fatalf("put %s (%d bytes): %v", key, len(data), err)
	}
}

// tryPut writes data under key in uneven chunks (so that writers see writes that straddle their
// buffers) and commits it.
func tryPut(s callvault.BlobStore, key string, data []byte) error {
	w, err := s.Create(context.Background(), key)
	if err != nil {
		return err
	}
	if err := writeChunks(w, data); err != nil {
		_ = w.Abort()
		return err
	}
	return w.Commit()
}

// writeChunks writes data to w in chunks of 100,003 bytes.
func writeChunks(w io.Writer, data []byte) error {
	const chunk = 100_003
	for len(data) > 0 {
		n := min(chunk, len(data))
		m, err := w.Write(data[:n])
		if err != nil {
			return err
		}
		if m != n {
			return io.ErrShortWrite
		}
		data = data[n:]
	}
	return nil
}

// get opens key and returns its whole content read with one ReadAt, checking Size on the way.
func get(t testing.TB, s callvault.BlobStore, key string) []byte {
	t.Helper()
	b, err := s.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	defer b.Close()
	buf := make([]byte, b.Size())
	n, err := b.ReadAt(buf, 0)
	if n != len(buf) {
		t.Fatalf("ReadAt(%d bytes, 0) of %s = %d, %v; want all bytes", len(buf), key, n, err)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("ReadAt of %s: %v", key, err)
	}
	return buf
}

// wantContent fails unless key holds exactly want.
func wantContent(t testing.TB, s callvault.BlobStore, key string, want []byte) {
	t.Helper()
	got := get(t, s, key)
	if !bytes.Equal(got, want) {
		t.Fatalf("content of %s: got %d bytes, want %d bytes (first difference at %d)", key, len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// wantKind fails unless err carries kind.
func wantKind(t testing.TB, err error, kind callvault.Kind, what string) {
	t.Helper()
	if !callvault.IsKind(err, kind) {
		t.Fatalf("%s: got error %v (kind %q), want kind %q", what, err, callvault.ErrorKind(err), kind)
	}
}

// list returns the infos List reports for prefix.
func list(t testing.TB, s callvault.BlobStore, prefix string) []callvault.BlobInfo {
	t.Helper()
	var out []callvault.BlobInfo
	err := s.List(context.Background(), prefix, func(bi callvault.BlobInfo) error {
		out = append(out, bi)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return out
}

// listKeys returns the keys List reports for prefix.
func listKeys(t testing.TB, s callvault.BlobStore, prefix string) []string {
	t.Helper()
	var keys []string
	for _, bi := range list(t, s, prefix) {
		keys = append(keys, bi.Key)
	}
	return keys
}
