package retention_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

// Crypto-shredding must hold in the catalogue's files, not only in its rows: after a sweep no
// piece of a deleted recording's age header (its wrapped file key) is left in the SQLite
// database or its write-ahead log, where a copy or backup of the files would keep it.
func TestSweepLeavesNoHeaderInCatalogueFiles(t *testing.T) {
	a, db, blobs := setup(t)
	ctx := context.Background()
	now := time.Now()
	var expired []*callvault.Recording
	for i := range 3 {
		r := ingest(t, a, "old-"+string(rune('a'+i)), now.AddDate(-1, 0, 0))
		stored, err := db.Recording(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		expired = append(expired, stored)
	}
	live := ingest(t, a, "fresh", now)
	liveStored, err := db.Recording(ctx, live.ID)
	if err != nil {
		t.Fatal(err)
	}

	res, err := (&retention.Sweeper{Catalogue: db, Blobs: blobs}).RunOnce(ctx)
	if err != nil || res.Deleted != len(expired) {
		t.Fatalf("sweep deleted %d (%v), want %d", res.Deleted, err, len(expired))
	}

	files := catalogueFiles(t, db.Path())
	// The search works: the live recording's header is found.
	if !containsAnyWindow(files, randomPart(t, liveStored.Header)) {
		t.Fatal("the live recording's header is not found in the catalogue files; the search is broken")
	}
	for _, r := range expired {
		if containsAnyWindow(files, randomPart(t, r.Header)) {
			t.Errorf("bytes of the shredded header of %s are still in the catalogue files", r.ID)
		}
	}
}

// catalogueFiles returns the contents of the database file and every file beside it that SQLite
// made for it (-wal, -shm, -journal).
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

// randomPart returns the header after its fixed beginning ("age-encryption.org/v1\n-> TYPE "),
// which every header shares: the rest (stanza argument, wrapped key, MAC) is unique to it.
func randomPart(t *testing.T, header []byte) []byte {
	t.Helper()
	_, rest, ok := bytes.Cut(header, []byte("\n-> "))
	if !ok {
		t.Fatalf("not an age header: %q", header)
	}
	_, rest, ok = bytes.Cut(rest, []byte(" "))
	if !ok || len(rest) < 64 {
		t.Fatalf("age header without a stanza argument: %q", header)
	}
	return rest
}

// containsAnyWindow reports whether any file holds any 32-byte piece of b.
func containsAnyWindow(files map[string][]byte, b []byte) bool {
	const window = 32
	for i := 0; i+window <= len(b); i += window / 2 {
		for _, f := range files {
			if bytes.Contains(f, b[i:i+window]) {
				return true
			}
		}
	}
	return false
}
