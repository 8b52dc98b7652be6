package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/sqlite"
)

// TestVerifyOnSQLite runs the verifier against the real SQLite catalogue and tampers with the
// database file directly, as an attacker with file access would.
func TestVerifyOnSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalogue.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pub, key, _ := ed25519.GenerateKey(nil)
	cp := &Checkpointer{Store: db, Key: key, Every: 10}
	blobs := newFakeBlobs()

	var recID string
	for i := range 2 {
		data := []byte(strings.Repeat(fmt.Sprintf("blob %d ", i), 5000))
		id := callvault.NewID()
		k := "recordings/" + id + ".age"
		blobs.blobs[k] = data
		sum := sha256.Sum256(data)
		r := &callvault.Recording{
			ID: id, StartedAt: t0, Source: callvault.SourceUpload, SourceID: id,
			AnnouncementPlayed: callvault.AnnouncementUnknown, Codec: callvault.CodecPCM16, SampleRate: 8000, Channels: 1,
			StoredSize: int64(len(data)), StoredSHA256: hex.EncodeToString(sum[:]), PlainSHA256: emptySHA256,
			BlobKey: k, Header: []byte("hdr"), RetainUntil: t0.AddDate(7, 0, 0), CreatedAt: t0,
		}
		if err := db.CreateRecording(ctx, r, ingestEvent(r)); err != nil {
			t.Fatal(err)
		}
		recID = id
	}
	for i := range 28 {
		ev := &callvault.AuditEvent{Time: t0.Add(time.Duration(i) * time.Second), Actor: "user:alice",
			Action: callvault.ActionRecordingOpen, Object: recID, Purpose: "complaint 42"}
		if err := db.AppendAudit(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if err := cp.MaybeCheckpoint(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := cp.Checkpoint(ctx); err != nil { // at 30 the head is also a multiple of 10
		t.Fatal(err)
	}
	rep, err := Verify(ctx, db, blobs, pub, VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("intact SQLite vault: %v%s", err, problemsString(rep))
	}
	if rep.Events != 30 || rep.Checkpoints != 3 || rep.Recordings != 2 {
		t.Fatalf("counts: events %d checkpoints %d recordings %d", rep.Events, rep.Checkpoints, rep.Recordings)
	}

	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	expectProblem := func(want Problem) {
		t.Helper()
		rep, err := Verify(ctx, db, blobs, pub, VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p := rep.FirstProblem()
		if p == nil || p.Kind != want.Kind || p.Seq != want.Seq || p.ID != want.ID || !strings.Contains(p.Message, want.Message) {
			t.Fatalf("first problem %v, want %v:%s", p, want, problemsString(rep))
		}
	}
	expect := func(kind string, seq int64, fragment string) {
		t.Helper()
		expectProblem(Problem{Kind: kind, Seq: seq, Message: fragment})
	}

	// The row, its index rows and its blob removed without a delete event: the log says the
	// recording should be there.
	exec(`CREATE TABLE saved AS SELECT * FROM recordings WHERE id = '` + recID + `'`)
	exec(`DELETE FROM recording_subjects WHERE recording_id = '` + recID + `'`)
	exec(`DELETE FROM recordings WHERE id = '` + recID + `'`)
	expectProblem(Problem{Kind: ProblemRecording, ID: recID, Message: "no recording.delete event"})
	exec(`INSERT INTO recordings SELECT * FROM saved`)
	exec(`DROP TABLE saved`)
	if rep, err := Verify(ctx, db, blobs, pub, VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("restored vault: %v%s", err, problemsString(rep))
	}

	exec(`UPDATE audit_events SET actor = 'user:mallory' WHERE seq = 12`)
	expect(ProblemEvent, 12, "hash mismatch")
	exec(`UPDATE audit_events SET actor = 'user:alice' WHERE seq = 12`)
	exec(`DELETE FROM audit_events WHERE seq = 17`)
	expect(ProblemEvent, 17, "event 17 is missing")
	exec(`DELETE FROM audit_events WHERE seq > 16`)
	expect(ProblemCheckpoint, 20, "log ends at event 16")
}
