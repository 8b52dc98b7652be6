package blobtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/callvault/callvault"
)

// Run runs the BlobStore conformance suite. open must return a fresh, empty store for each
// subtest (a new directory, a new bucket or a new prefix) and arrange its cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) callvault.BlobStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s callvault.BlobStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"ReadAt", testReadAt},
		{"NotVisibleBeforeCommit", testNotVisibleBeforeCommit},
		{"AbortDiscards", testAbortDiscards},
		{"AbortAfterCommit", testAbortAfterCommit},
		{"CommitConflict", testCommitConflict},
		{"Delete", testDelete},
		{"DeleteBlobs", testDeleteBlobs},
		{"List", testList},
		{"ListStopsOnError", testListStopsOnError},
		{"InvalidKeys", testInvalidKeys},
		{"ConcurrentWriters", testConcurrentWriters},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, open(t))
		})
	}
}

func testRoundTrip(t *testing.T, s callvault.BlobStore) {
	for i, size := range []int{0, 1, 64 << 10, 5<<20 + 1} {
		key := fmt.Sprintf("rt/%d.age", size)
		data := randomBytes(size, uint64(i))
		put(t, s, key, data)

		b, err := s.Open(context.Background(), key)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		if b.Size() != int64(size) {
			t.Errorf("Size() of %s = %d, want %d", key, b.Size(), size)
		}
		if err := b.Close(); err != nil {
			t.Errorf("close %s: %v", key, err)
		}
		wantContent(t, s, key, data)
	}
	// An empty blob reads as immediately at its end.
	b, err := s.Open(context.Background(), "rt/0.age")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if n, err := b.ReadAt(make([]byte, 1), 0); n != 0 || err != io.EOF {
		t.Errorf("ReadAt of an empty blob = %d, %v; want 0, io.EOF", n, err)
	}
}

func testReadAt(t *testing.T, s callvault.BlobStore) {
	const size = 100_000
	data := randomBytes(size, 42)
	put(t, s, "r/blob", data)
	b, err := s.Open(context.Background(), "r/blob")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	tests := []struct {
		off     int64
		n       int
		wantN   int
		wantEOF bool // io.EOF required; otherwise nil or io.EOF (at the exact end) is accepted
	}{
		{off: 0, n: 10, wantN: 10},
		{off: 1, n: 1, wantN: 1},
		{off: 65_535, n: 3, wantN: 3},
		{off: size - 10, n: 10, wantN: 10},
		{off: size - 5, n: 10, wantN: 5, wantEOF: true},
		{off: size - 1, n: 64 << 10, wantN: 1, wantEOF: true},
		{off: 0, n: size + 1, wantN: size, wantEOF: true},
		{off: size, n: 1, wantN: 0, wantEOF: true},
		{off: size + 1000, n: 1, wantN: 0, wantEOF: true},
		{off: 500, n: 0, wantN: 0},
	}
	for _, tt := range tests {
		p := make([]byte, tt.n)
		n, err := b.ReadAt(p, tt.off)
		if n != tt.wantN {
			t.Errorf("ReadAt(%d bytes, %d) n = %d, want %d", tt.n, tt.off, n, tt.wantN)
		}
		switch {
		case tt.wantEOF && err != io.EOF:
			t.Errorf("ReadAt(%d bytes, %d) err = %v, want io.EOF", tt.n, tt.off, err)
		case !tt.wantEOF && err != nil && !(err == io.EOF && tt.off+int64(n) == size):
			t.Errorf("ReadAt(%d bytes, %d) err = %v, want nil", tt.n, tt.off, err)
		}
		if end := min(tt.off+int64(n), size); n > 0 && !slices.Equal(p[:n], data[tt.off:end]) {
			t.Errorf("ReadAt(%d bytes, %d) returned the wrong bytes", tt.n, tt.off)
		}
	}

	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		off := r.Int64N(size)
		n := 1 + r.IntN(8192)
		p := make([]byte, n)
		got, err := b.ReadAt(p, off)
		want := min(int64(n), size-off)
		if int64(got) != want || (int64(n) > want && err != io.EOF) || (err != nil && err != io.EOF) {
			t.Fatalf("ReadAt(%d bytes, %d) = %d, %v; want %d bytes", n, off, got, err, want)
		}
		if !slices.Equal(p[:got], data[off:off+want]) {
			t.Fatalf("ReadAt(%d bytes, %d) returned the wrong bytes", n, off)
		}
	}

	if n, err := b.ReadAt(make([]byte, 1), -1); err == nil || n != 0 {
		t.Errorf("ReadAt at offset -1 = %d, %v; want an error", n, err)
	}
}

func testNotVisibleBeforeCommit(t *testing.T, s callvault.BlobStore) {
	ctx := context.Background()
	w, err := s.Create(ctx, "pending/a.age")
	if err != nil {
		t.Fatal(err)
	}
	data := randomBytes(1000, 3)
	if err := writeChunks(w, data); err != nil {
		t.Fatal(err)
	}
	_, err = s.Open(ctx, "pending/a.age")
	wantKind(t, err, callvault.KindNotFound, "Open before Commit")
	if keys := listKeys(t, s, ""); len(keys) != 0 {
		t.Fatalf("List before Commit = %q, want nothing", keys)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	wantContent(t, s, "pending/a.age", data)
	if keys := listKeys(t, s, ""); !slices.Equal(keys, []string{"pending/a.age"}) {
		t.Fatalf("List after Commit = %q", keys)
	}
}

func testAbortDiscards(t *testing.T, s callvault.BlobStore) {
	ctx := context.Background()
	for _, size := range []int{10, 5<<20 + 1} {
		key := fmt.Sprintf("abort/%d", size)
		w, err := s.Create(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := writeChunks(w, randomBytes(size, 4)); err != nil {
			t.Fatal(err)
		}
		if err := w.Abort(); err != nil {
			t.Fatalf("Abort: %v", err)
		}
		if err := w.Abort(); err != nil {
			t.Fatalf("second Abort: %v", err)
		}
		_, err = s.Open(ctx, key)
		wantKind(t, err, callvault.KindNotFound, "Open after Abort")
		if keys := listKeys(t, s, key); len(keys) != 0 {
			t.Fatalf("List after Abort = %q, want nothing", keys)
		}
		// The key is still free.
		data := randomBytes(size/2, 5)
		put(t, s, key, data)
		wantContent(t, s, key, data)
	}
}

func testAbortAfterCommit(t *testing.T, s callvault.BlobStore) {
	w, err := s.Create(context.Background(), "ac/x")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("committed")
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Fatalf("Abort after Commit = %v, want nil", err)
	}
	wantContent(t, s, "ac/x", data)
}

func testCommitConflict(t *testing.T, s callvault.BlobStore) {
	ctx := context.Background()
	first := randomBytes(2000, 6)
	put(t, s, "c/key", first)
	for _, size := range []int{0, 100, 5<<20 + 1} {
		err := tryPut(s, "c/key", randomBytes(size, 7))
		wantKind(t, err, callvault.KindConflict, fmt.Sprintf("second Commit of %d bytes", size))
		wantContent(t, s, "c/key", first)
	}

	// Two writers racing for a new key: exactly the first to commit wins.
	w1, err := s.Create(ctx, "c/race")
	if err != nil {
		t.Fatal(err)
	}
	w2, err := s.Create(ctx, "c/race")
	if err != nil {
		t.Fatal(err)
	}
	a, b := []byte("writer one"), []byte("writer two")
	if _, err := w1.Write(a); err != nil {
		t.Fatal(err)
	}
	if _, err := w2.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w2.Commit(); err != nil {
		t.Fatal(err)
	}
	wantKind(t, w1.Commit(), callvault.KindConflict, "Commit of the slower writer")
	if err := w1.Abort(); err != nil {
		t.Fatalf("Abort after a failed Commit: %v", err)
	}
	wantContent(t, s, "c/race", b)
	if infos := list(t, s, "c/"); len(infos) != 2 {
		t.Fatalf("List after conflicts = %v, want 2 blobs", infos)
	}
}

func testDelete(t *testing.T, s callvault.BlobStore) {
	ctx := context.Background()
	put(t, s, "d/keep", []byte("keep"))
	put(t, s, "d/gone", []byte("gone"))
	if err := s.Delete(ctx, "d/gone"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := s.Open(ctx, "d/gone")
	wantKind(t, err, callvault.KindNotFound, "Open after Delete")
	if keys := listKeys(t, s, "d/"); !slices.Equal(keys, []string{"d/keep"}) {
		t.Fatalf("List after Delete = %q, want [d/keep]", keys)
	}
	if err := s.Delete(ctx, "d/gone"); err != nil {
		t.Fatalf("second Delete = %v, want nil", err)
	}
	if err := s.Delete(ctx, "never/was"); err != nil {
		t.Fatalf("Delete of a missing key = %v, want nil", err)
	}
	wantContent(t, s, "d/keep", []byte("keep"))
	// A deleted key can be written again.
	put(t, s, "d/gone", []byte("again"))
	wantContent(t, s, "d/gone", []byte("again"))
}

func testList(t *testing.T, s callvault.BlobStore) {
	// Sizes differ so that a mixed-up size shows; "a-c" < "a/b" < "a0" in byte order.
	keys := []string{"b", "a/b/2", "a-c", "a/b/10", "a/c", "ab", "a/b/1", "a0", "a.x/y"}
	sizes := map[string]int64{}
	for i, k := range keys {
		sizes[k] = int64(i * 7)
		put(t, s, k, randomBytes(i*7, uint64(i)))
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)

	tests := []struct {
		prefix string
		want   []string
	}{
		{"", sorted},
		{"a/", []string{"a/b/1", "a/b/10", "a/b/2", "a/c"}},
		{"a/b/1", []string{"a/b/1", "a/b/10"}},
		{"a", []string{"a-c", "a.x/y", "a/b/1", "a/b/10", "a/b/2", "a/c", "a0", "ab"}},
		{"a/b/", []string{"a/b/1", "a/b/10", "a/b/2"}},
		{"b", []string{"b"}},
		{"zzz", nil},
		{"b/", nil},
		{"nothing/here/", nil},
	}
	for _, tt := range tests {
		infos := list(t, s, tt.prefix)
		var got []string
		for _, bi := range infos {
			got = append(got, bi.Key)
			if bi.Size != sizes[bi.Key] {
				t.Errorf("List(%q): %s has size %d, want %d", tt.prefix, bi.Key, bi.Size, sizes[bi.Key])
			}
			if bi.ModTime.IsZero() {
				t.Errorf("List(%q): %s has no ModTime", tt.prefix, bi.Key)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("List(%q) = %q, want %q", tt.prefix, got, tt.want)
		}
	}
}

func testListStopsOnError(t *testing.T, s callvault.BlobStore) {
	for _, k := range []string{"l/1", "l/2", "l/3"} {
		put(t, s, k, []byte(k))
	}
	stop := errors.New("stop here")
	var seen []string
	err := s.List(context.Background(), "l/", func(bi callvault.BlobInfo) error {
		seen = append(seen, bi.Key)
		if bi.Key == "l/2" {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("List returned %v, want the callback's error", err)
	}
	if !slices.Equal(seen, []string{"l/1", "l/2"}) {
		t.Fatalf("List visited %q after the callback failed, want [l/1 l/2]", seen)
	}
}

func testInvalidKeys(t *testing.T, s callvault.BlobStore) {
	ctx := context.Background()
	bad := []string{
		"", "../x", "/abs", "a//b", "a/./b", "a/../b", "a/", ".", "..", "a/..",
		"a b", "with space", `a\b`, `..\x`, "tab\tkey", "nul\x00", "ü.age", "a?b", "a*b", "a%2Fb",
		longKey(callvault.MaxBlobKeyLen + 1),
	}
	for _, key := range bad {
		_, err := s.Create(ctx, key)
		wantKind(t, err, callvault.KindInvalid, fmt.Sprintf("Create(%q)", key))
		_, err = s.Open(ctx, key)
		wantKind(t, err, callvault.KindInvalid, fmt.Sprintf("Open(%q)", key))
		wantKind(t, s.Delete(ctx, key), callvault.KindInvalid, fmt.Sprintf("Delete(%q)", key))
	}
	for _, prefix := range []string{"../", "/abs", "a//", "a b", `a\`, "./"} {
		err := s.List(ctx, prefix, func(callvault.BlobInfo) error { return nil })
		wantKind(t, err, callvault.KindInvalid, fmt.Sprintf("List(%q)", prefix))
	}
	// The same store accepts the full key alphabet.
	good := "Rec_2026-11.x/A-z_0.9/0193aBc.age"
	put(t, s, good, []byte("ok"))
	wantContent(t, s, good, []byte("ok"))
	// ... and keys up to callvault.MaxBlobKeyLen bytes.
	long := longKey(callvault.MaxBlobKeyLen)
	put(t, s, long, []byte("long"))
	wantContent(t, s, long, []byte("long"))
}

// longKey returns a valid key of exactly n bytes, in segments short enough for any file system.
func longKey(n int) string {
	var b strings.Builder
	for b.Len() < n {
		rest := n - b.Len()
		if b.Len() > 0 {
			b.WriteByte('/')
			rest--
		}
		seg := min(100, rest)
		if rest-seg == 1 {
			seg-- // leave room for a slash and a segment, not for a slash alone
		}
		b.WriteString(strings.Repeat("k", seg))
	}
	return b.String()
}

func testConcurrentWriters(t *testing.T, s callvault.BlobStore) {
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			errs[i] = tryPut(s, fmt.Sprintf("conc/%02d", i), randomBytes(200_000+i, uint64(100+i)))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v", i, err)
		}
	}
	for i := range writers {
		wantContent(t, s, fmt.Sprintf("conc/%02d", i), randomBytes(200_000+i, uint64(100+i)))
	}
	if keys := listKeys(t, s, "conc/"); len(keys) != writers {
		t.Fatalf("List after concurrent writes = %q, want %d keys", keys, writers)
	}
}

func testPing(t *testing.T, s callvault.BlobStore) {
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
