package sqlite

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

func openInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "catalogue.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestPragmas(t *testing.T) {
	db := openInternal(t)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		pool string
		want string
	}{
		{"journal_mode", "w", "wal"},
		{"synchronous", "w", "2"}, // FULL
		{"foreign_keys", "w", "1"},
		{"busy_timeout", "w", "10000"},
		{"synchronous", "r", "2"},
		{"query_only", "r", "1"},
		{"mmap_size", "r", "2147418112"}, // 2 GiB asked, capped at SQLITE_MAX_MMAP_SIZE
		{"query_only", "w", "0"},
	} {
		pool := db.w
		if c.pool == "r" {
			pool = db.r
		}
		var got string
		if err := pool.QueryRowContext(ctx, "PRAGMA "+c.name).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", c.name, err)
		}
		if !strings.EqualFold(got, c.want) {
			t.Errorf("PRAGMA %s on the %s pool = %q, want %q", c.name, c.pool, got, c.want)
		}
	}
}

// TestFindUsesSubjectIndex checks that a subject search is index lookups only: the subject
// index for each subject and the primary key for recordings, never a scan of recordings; and
// that a search for one subject reads the index in the order of the result, without sorting.
func TestFindUsesSubjectIndex(t *testing.T) {
	db := openInternal(t)
	two := []callvault.Subject{
		{Kind: callvault.SubjectNumber, Value: "+447700900123"},
		{Kind: callvault.SubjectName, Value: "jane doe"},
	}
	for _, c := range []struct {
		subjects []callvault.Subject
		after    string
	}{{two, ""}, {two, "x"}, {two[:1], ""}, {two[:1], "x"}} {
		subjects, after := c.subjects, c.after
		query, args := findQuery(subjects, math.MinInt64, math.MaxInt64, after, 100)
		rows, err := db.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
		if err != nil {
			t.Fatalf("EXPLAIN: %v", err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		t.Logf("plan:\n%s", all)
		if strings.Count(all, "USING COVERING INDEX recording_subjects_search") != len(subjects) {
			t.Errorf("plan does not search recording_subjects_search once per subject:\n%s", all)
		}
		if !strings.Contains(all, "SEARCH r USING INDEX sqlite_autoindex_recordings_1 (id=?)") {
			t.Errorf("plan does not read recordings by primary key:\n%s", all)
		}
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN r") || strings.HasPrefix(line, "SCAN recording") {
				t.Errorf("plan scans a table: %q in\n%s", line, all)
			}
		}
		if len(subjects) == 1 && (strings.Contains(all, "TEMP B-TREE") || strings.Contains(all, "CO-ROUTINE")) {
			t.Errorf("plan of a one-subject search is not a plain join in index order:\n%s", all)
		}
	}
}

func TestTranslateBusy(t *testing.T) {
	// A second handle on the same file holds the write lock; a writer with a short busy timeout
	// must report KindUnavailable rather than an internal error.
	db := openInternal(t)
	ctx := context.Background()
	conn, err := db.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	other, err := Open(ctx, db.path)
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	defer other.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatalf("BEGIN IMMEDIATE: %v", err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")
	if _, err := other.w.ExecContext(ctx, "PRAGMA busy_timeout = 10"); err != nil {
		t.Fatal(err)
	}
	err = other.AppendAudit(ctx, &callvault.AuditEvent{Actor: "system", Action: callvault.ActionServerStart})
	if !callvault.IsKind(err, callvault.KindUnavailable) {
		t.Errorf("AppendAudit while another process holds the lock = %v (kind %q), want unavailable", err, callvault.ErrorKind(err))
	}
}
