package sqlite

import (
	"context"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/benchload"
)

// A bulk load runs the write connection without fsync and foreign-key checks, with a large
// cache; SettleBulkLoad must put the server's settings back, or every later write of the
// process would go unsynced.
func TestBulkLoadRestoresWriterSettings(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	g := benchload.NewGenerator(benchload.Spec{Numbers: 100, Names: 50, Seed: 3})
	rs := []*callvault.Recording{g.Recording(0), g.Recording(1), g.Recording(2)}
	pragma := func(name string) int64 {
		t.Helper()
		var v int64
		if err := db.w.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	if err := db.BulkLoadRecordings(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if got := pragma("synchronous"); got != 0 {
		t.Errorf("during the load synchronous = %d, want 0 (OFF)", got)
	}
	if err := db.SettleBulkLoad(ctx); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{"synchronous": 2, "foreign_keys": 1, "cache_size": -2000} {
		if got := pragma(name); got != want {
			t.Errorf("after SettleBulkLoad PRAGMA %s = %d, want %d", name, got, want)
		}
	}
}

// Searches of the same shape share one prepared statement, whatever they look for.
func TestFindReusesStatements(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	g := benchload.NewGenerator(benchload.Spec{Numbers: 100, Names: 50, Seed: 3})
	var rs []*callvault.Recording
	for i := range 20 {
		rs = append(rs, g.Recording(i))
	}
	if err := db.BulkLoadRecordings(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if err := db.SettleBulkLoad(ctx); err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, s := range r.Subjects() {
			found, err := db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: []callvault.Subject{s}})
			if err != nil || len(found) == 0 {
				t.Fatalf("FindRecordings(%v) = %d, %v; want at least %s", s, len(found), err, r.ID)
			}
		}
		two := r.Subjects()[:2]
		if _, err := db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: two, After: r.ID}); err != nil {
			t.Fatal(err)
		}
	}
	db.finds.mu.Lock()
	n := len(db.finds.stmts)
	db.finds.mu.Unlock()
	if n != 2 {
		t.Errorf("%d prepared search statements, want 2 (one subject; two subjects after a cursor)", n)
	}
}
