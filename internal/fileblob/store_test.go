package fileblob

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/blobtest"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openNamed returns a store that writes through named files in .tmp, as on a filesystem
// without O_TMPFILE.
func openNamed(t testing.TB) *Store {
	s := openTest(t)
	s.noAnon.Store(true)
	return s
}

func TestConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) callvault.BlobStore { return openTest(t) })
}

func TestConformanceNamedTemp(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) callvault.BlobStore { return openNamed(t) })
}

func BenchmarkFileblob(b *testing.B) {
	blobtest.Bench(b, func(b *testing.B) callvault.BlobStore { return openTest(b) })
}

func TestModes(t *testing.T) {
	s := openTest(t)
	put(t, s, "x/y/z.age", []byte("secret ciphertext"))
	for _, tt := range []struct {
		path string
		want os.FileMode
	}{
		{s.Dir(), 0o700 | os.ModeDir},
		{filepath.Join(s.Dir(), ".tmp"), 0o700 | os.ModeDir},
		{filepath.Join(s.Dir(), "x"), 0o700 | os.ModeDir},
		{filepath.Join(s.Dir(), "x", "y"), 0o700 | os.ModeDir},
		{filepath.Join(s.Dir(), "x", "y", "z.age"), 0o600},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode(); got != tt.want {
			t.Errorf("mode of %s = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// On Linux a writer's bytes live in an unnamed file: nothing shows anywhere until Commit, and a
// crash leaves nothing behind.
func TestWriterUsesUnnamedFile(t *testing.T) {
	s := openTest(t)
	w, err := s.Create(context.Background(), "a/b")
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" && !w.(*writer).anon {
		t.Fatal("the writer does not use an unnamed file on Linux")
	}
	w.Write([]byte("data"))
	if got := tempFiles(t, s); len(got) != 0 {
		t.Fatalf("temp files while writing = %q, want none", got)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(s.Dir(), "a", "b")); err != nil || string(b) != "data" {
		t.Fatalf("committed blob = %q, %v", b, err)
	}
	// Spares are made ahead; aborting one leaves nothing either.
	w2, _ := s.Create(context.Background(), "c")
	w2.Write([]byte("x"))
	w2.Abort()
	if _, err := os.Lstat(filepath.Join(s.Dir(), "c")); !os.IsNotExist(err) {
		t.Fatalf("aborted blob visible (err %v)", err)
	}
}

func TestWriterUsesTempDir(t *testing.T) {
	s := openNamed(t)
	w, err := s.Create(context.Background(), "a/b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("data")); err != nil {
		t.Fatal(err)
	}
	if got := tempFiles(t, s); len(got) != 1 {
		t.Fatalf("temp files while writing = %q, want one", got)
	}
	if _, err := os.Lstat(filepath.Join(s.Dir(), "a")); !os.IsNotExist(err) {
		t.Fatalf("the key's directory exists before Commit (err %v)", err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Fatalf("temp files after Commit = %q, want none", got)
	}
	// A conflicting commit and an abort leave no temp files either.
	w2, _ := s.Create(context.Background(), "a/b")
	if err := w2.Commit(); !callvault.IsKind(err, callvault.KindConflict) {
		t.Fatalf("second commit = %v, want conflict", err)
	}
	w3, _ := s.Create(context.Background(), "a/c")
	if err := w3.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := tempFiles(t, s); len(got) != 0 {
		t.Fatalf("temp files after conflict and abort = %q, want none", got)
	}
}

func TestReservedAndClashingKeys(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, key := range []string{".tmp", ".tmp/x"} {
		if _, err := s.Create(ctx, key); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("Create(%q) = %v, want invalid", key, err)
		}
	}
	put(t, s, "file", []byte("f"))
	put(t, s, "dir/x", []byte("x"))
	// A blob cannot live below another blob: conflict, and nothing changes.
	w, err := s.Create(ctx, "file/below")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); !callvault.IsKind(err, callvault.KindConflict) {
		t.Fatalf("commit under a blob = %v, want conflict", err)
	}
	// A directory is not a blob.
	if _, err := s.Open(ctx, "dir"); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("Open of a directory = %v, want not found", err)
	}
	if _, err := s.Open(ctx, "file/below"); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("Open below a blob = %v, want not found", err)
	}
	if err := s.Delete(ctx, "dir"); err != nil {
		t.Errorf("Delete of a directory = %v, want nil", err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir(), "dir", "x")); err != nil {
		t.Errorf("Delete of a directory removed its blobs: %v", err)
	}
	// Stray files that are not valid keys are not listed.
	if err := os.WriteFile(filepath.Join(s.Dir(), "dir", "bad name"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := s.List(ctx, "", func(bi callvault.BlobInfo) error { keys = append(keys, bi.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys, []string{"dir/x", "file"}) {
		t.Errorf("List = %q, want [dir/x file]", keys)
	}
}

func TestCleanTemp(t *testing.T) {
	s := openNamed(t)
	// A crashed writer's file (old) and a live writer's file (new).
	w, err := s.Create(context.Background(), "live")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	stale := filepath.Join(s.Dir(), ".tmp", "blob-crashed")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	removed, err := s.CleanTemp(time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(removed, []string{stale}) {
		t.Fatalf("CleanTemp removed %q, want [%s]", removed, stale)
	}
	if got := tempFiles(t, s); len(got) != 1 {
		t.Fatalf("temp files after CleanTemp = %q, want the live writer's only", got)
	}
	if _, err := w.Write([]byte("still writing")); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatalf("live writer's Commit after CleanTemp: %v", err)
	}
	if removed, err := s.CleanTemp(time.Hour); err != nil || len(removed) != 0 {
		t.Fatalf("second CleanTemp = %q, %v; want nothing removed", removed, err)
	}
	if _, err := s.CleanTemp(-time.Second); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Fatalf("CleanTemp with a negative age = %v, want invalid", err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(""); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("Open(\"\") = %v, want invalid", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(f); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("Open(a file) = %v, want invalid", err)
	}
	// Reopening an existing store keeps its blobs.
	s := openTest(t)
	put(t, s, "k", []byte("v"))
	s2, err := Open(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if b, err := s2.Open(context.Background(), "k"); err != nil || b.Size() != 1 {
		t.Fatalf("reopened store: %v", err)
	} else {
		b.Close()
	}
}

func TestPingMissingDir(t *testing.T) {
	s := openTest(t)
	if err := os.RemoveAll(s.Dir()); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(context.Background()); !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Fatalf("Ping of a removed directory = %v, want unavailable", err)
	}
}

func put(t *testing.T, s *Store, key string, data []byte) {
	t.Helper()
	w, err := s.Create(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func tempFiles(t *testing.T, s *Store) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(s.Dir(), ".tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
