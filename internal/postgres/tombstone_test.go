package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// Crypto-shredding must destroy the bytes in the table, not only hide the row: after a delete
// the tombstone keeps its hashes but no header and no sidecar.
func TestDeleteShredsHeaderAndSidecar(t *testing.T) {
	db := openTest(t, pgtest.NewTestDatabase(t))
	ctx := context.Background()
	r := testRecording("shred-1")
	r.Sidecar = []byte("<recording>sealed metadata</recording>")
	r.PlainSHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	if err := db.CreateRecording(ctx, r, &callvault.AuditEvent{Time: time.Now(), Actor: "system", Action: callvault.ActionRecordingIngest, Object: r.ID}); err != nil {
		t.Fatalf("CreateRecording: %v", err)
	}
	got, err := db.Recording(ctx, r.ID)
	if err != nil {
		t.Fatalf("Recording: %v", err)
	}
	if string(got.Sidecar) != string(r.Sidecar) {
		t.Fatalf("Sidecar = %q, want %q", got.Sidecar, r.Sidecar)
	}
	if err := db.DeleteRecording(ctx, r.ID, &callvault.AuditEvent{Time: time.Now(), Actor: "system", Action: callvault.ActionRecordingDelete, Object: r.ID}); err != nil {
		t.Fatalf("DeleteRecording: %v", err)
	}
	var header, sidecar []byte
	var sha string
	var deleted *time.Time
	var subjects int
	err = db.pool.QueryRow(ctx, `SELECT header, sidecar, plain_sha256, deleted_at,
		(SELECT count(*) FROM recording_subjects WHERE recording_id = $1) FROM recordings WHERE id = $1`, r.ID).
		Scan(&header, &sidecar, &sha, &deleted, &subjects)
	if err != nil {
		t.Fatalf("read tombstone: %v", err)
	}
	if header != nil || sidecar != nil {
		t.Errorf("tombstone keeps header %q and sidecar %q, want both NULL", header, sidecar)
	}
	if sha != r.PlainSHA256 || deleted == nil {
		t.Errorf("tombstone: plain_sha256 %q, deleted_at %v; want the hash kept and a deletion time", sha, deleted)
	}
	if subjects != 0 {
		t.Errorf("%d subject rows remain for the deleted recording", subjects)
	}
}
