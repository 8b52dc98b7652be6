package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/migrations"
)

func TestDeleteLeavesTombstone(t *testing.T) {
	ctx := context.Background()
	db := openInternal(t)
	r := &callvault.Recording{
		ID: callvault.NewID(), StartedAt: time.Now(), Source: callvault.SourceUpload, SourceID: "u1",
		Extensions: []string{"201"}, StoredSHA256: "abc", PlainSHA256: "def", BlobKey: "k",
		Header: []byte("age header"), Sidecar: []byte("sealed sidecar"), RetainUntil: time.Now(), CreatedAt: time.Now(),
	}
	if err := db.CreateRecording(ctx, r, &callvault.AuditEvent{Actor: "system", Action: callvault.ActionRecordingIngest}); err != nil {
		t.Fatalf("CreateRecording: %v", err)
	}
	if err := db.DeleteRecording(ctx, r.ID, &callvault.AuditEvent{Actor: "system", Action: callvault.ActionRecordingDelete}); err != nil {
		t.Fatalf("DeleteRecording: %v", err)
	}
	var (
		header, sidecar []byte
		headerNull      bool
		sidecarNull     bool
		deleted         *int64
		stored, blobKey string
		subjects        int
	)
	err := db.r.QueryRowContext(ctx, `SELECT header, header IS NULL, sidecar, sidecar IS NULL, deleted_at,
		stored_sha256, blob_key, (SELECT COUNT(*) FROM recording_subjects WHERE recording_id = id)
		FROM recordings WHERE id = ?`, r.ID).
		Scan(&header, &headerNull, &sidecar, &sidecarNull, &deleted, &stored, &blobKey, &subjects)
	if err != nil {
		t.Fatalf("read tombstone: %v", err)
	}
	if !headerNull || header != nil {
		t.Errorf("tombstone still has the age header %q", header)
	}
	if !sidecarNull || sidecar != nil {
		t.Errorf("tombstone still has the sealed sidecar %q", sidecar)
	}
	if deleted == nil {
		t.Error("tombstone has no deleted_at")
	}
	if stored != "abc" || blobKey != "k" {
		t.Errorf("tombstone lost its receipt facts: stored_sha256 %q blob_key %q", stored, blobKey)
	}
	if subjects != 0 {
		t.Errorf("tombstone keeps %d subject rows", subjects)
	}
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalogue.db")
	ms, err := migrations.Load(migrationFiles, "migrations")
	if err != nil || len(ms) == 0 {
		t.Fatalf("migrations() = %v, %v", ms, err)
	}
	for i := 0; i < 3; i++ {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		var n, maxV int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &maxV); err != nil {
			t.Fatal(err)
		}
		if n != len(ms) || maxV != ms[len(ms)-1].Version {
			t.Errorf("after Open #%d schema_migrations has %d rows up to %d, want %d up to %d", i+1, n, maxV, len(ms), ms[len(ms)-1].Version)
		}
		if i == 2 {
			// A database migrated by a newer program is refused, not half-used.
			if _, err := db.w.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 0)`); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
	if _, err := Open(ctx, path); err == nil || !callvault.IsKind(err, callvault.KindInternal) {
		t.Errorf("Open of a newer schema = %v, want an internal error", err)
	}
}
