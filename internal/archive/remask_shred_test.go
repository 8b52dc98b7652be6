package archive_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// TestRemaskLeavesNoOldHeaderInCatalogueFiles: crypto-shredding of the replaced version holds
// in the catalogue's files, not only in its row. After Remask no piece of the old version's age
// header (its wrapped file key) is left in the SQLite database or its write-ahead log, where a
// copy of the files and a copy of the old blob (a backup, a versioned bucket) would give the
// unmasked audio back.
func TestRemaskLeavesNoOldHeaderInCatalogueFiles(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in, _ := keyedWAV(t)
	r, _, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: rec("before-masking"), Audio: bytes.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	old, err := f.db.Recording(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Remask(ctx, "cli:pci", r.ID, audio.MaskOptions{})
	if err != nil || !res.Remasked {
		t.Fatalf("remask: %+v %v", res, err)
	}
	now, err := f.db.Recording(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	files := catalogueFiles(t, f.db.Path())
	if !containsPiece(files, headerRandom(t, now.Header)) {
		t.Fatal("the new header is not found in the catalogue files; the search is broken")
	}
	if containsPiece(files, headerRandom(t, old.Header)) {
		t.Error("bytes of the replaced version's header are still in the catalogue files")
	}
}

// catalogueFiles returns the database file and the files SQLite made beside it.
func catalogueFiles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	names, err := filepath.Glob(path + "*")
	if err != nil || len(names) == 0 {
		t.Fatalf("catalogue files of %s: %v", path, err)
	}
	out := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(n)] = b
	}
	return out
}

// headerRandom returns an age header after its fixed beginning: the part unique to it.
func headerRandom(t *testing.T, header []byte) []byte {
	t.Helper()
	_, rest, ok := bytes.Cut(header, []byte("\n-> "))
	if ok {
		_, rest, ok = bytes.Cut(rest, []byte(" "))
	}
	if !ok || len(rest) < 64 {
		t.Fatalf("not an age header: %q", header)
	}
	return rest
}

// containsPiece reports whether any file holds any 32-byte piece of b.
func containsPiece(files map[string][]byte, b []byte) bool {
	for i := 0; i+32 <= len(b); i += 16 {
		for _, f := range files {
			if bytes.Contains(f, b[i:i+32]) {
				return true
			}
		}
	}
	return false
}
