package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/migrations"
)

// A database made by a program that knew only migration 0001 (no sidecar column) must upgrade
// in place: its recordings stay readable, with no sidecar, and new ones keep theirs.
func TestMigrateFromFirstVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalogue.db")
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil || len(ms) < 2 || ms[0].Version != 1 {
		t.Fatalf("migrations() = %v, %v; want 0001 and later ones", ms, err)
	}
	old, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	oldID := callvault.NewID()
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
		ms[0].SQL,
		`INSERT INTO schema_migrations VALUES (1, '` + ms[0].Name + `', 0)`,
	} {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("set up a version 1 database: %v", err)
		}
	}
	if _, err := old.ExecContext(ctx, `INSERT INTO recordings (id, started_at, duration_ns, direction,
		extensions, external_numbers, parties, line, source, source_id, announcement_played, codec,
		sample_rate, channels, plain_size, stored_size, plain_sha256, stored_sha256, blob_key, key_epoch,
		header, retain_until, created_at, attributes)
		VALUES (?, ?, 0, '', '[]', '[]', '[]', '', 'upload', 'old-1', 'unknown', 'pcm_s16le', 8000, 1,
		1, 2, 'p', 's', 'k', '', x'00ff', ?, ?, '{}')`,
		oldID, start.UnixMicro(), start.AddDate(1, 0, 0).UnixMicro(), start.UnixMicro()); err != nil {
		t.Fatalf("insert a version 1 recording: %v", err)
	}
	old.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open of a version 1 database: %v", err)
	}
	defer db.Close()
	var version int
	if err := db.r.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if want := ms[len(ms)-1].Version; version != want {
		t.Errorf("schema version after Open = %d, want %d", version, want)
	}
	got, err := db.Recording(ctx, oldID)
	if err != nil {
		t.Fatalf("Recording(old row): %v", err)
	}
	if got.Sidecar != nil || string(got.Header) != "\x00\xff" || !got.StartedAt.Equal(start) {
		t.Errorf("old row after the upgrade: sidecar %q, header %q, started %v", got.Sidecar, got.Header, got.StartedAt)
	}
	r := &callvault.Recording{
		ID: callvault.NewID(), StartedAt: start, Source: callvault.SourceSIPREC, SourceID: "new-1",
		BlobKey: "k2", Header: []byte("h"), Sidecar: []byte("sealed\x00xml"), RetainUntil: start.AddDate(1, 0, 0),
	}
	if err := db.CreateRecording(ctx, r, &callvault.AuditEvent{Actor: "system", Action: callvault.ActionRecordingIngest}); err != nil {
		t.Fatalf("CreateRecording after the upgrade: %v", err)
	}
	got, err = db.Recording(ctx, r.ID)
	if err != nil {
		t.Fatalf("Recording after the upgrade: %v", err)
	}
	if string(got.Sidecar) != string(r.Sidecar) {
		t.Errorf("Sidecar after the upgrade = %q, want %q", got.Sidecar, r.Sidecar)
	}
}
