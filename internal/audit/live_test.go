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

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/sqlite"
)

// racingCatalogue is a SQLite catalogue on which another node acts at a chosen moment of a
// verification: after the log was walked and before the rows (or the tombstones) are listed.
type racingCatalogue struct {
	*sqlite.DB
	beforeRows, beforeTombstones func()
}

func (c *racingCatalogue) ListRecordings(ctx context.Context, afterID string, limit int) ([]*callvault.Recording, error) {
	if f := c.beforeRows; f != nil && afterID == "" {
		c.beforeRows = nil
		f()
	}
	return c.DB.ListRecordings(ctx, afterID, limit)
}

func (c *racingCatalogue) Tombstones(ctx context.Context, afterID string, limit int) ([]*callvault.Tombstone, error) {
	if f := c.beforeTombstones; f != nil && afterID == "" {
		c.beforeTombstones = nil
		f()
	}
	return c.DB.Tombstones(ctx, afterID, limit)
}

// TestVerifyLiveVault: `audit verify` runs while other nodes serve. A recording ingested or
// deleted between the walk of the log and the listing of the catalogue is explained by the
// events appended meanwhile, not reported as tampering; a row ingested meanwhile is still
// checked against its event.
func TestVerifyLiveVault(t *testing.T) {
	ctx := context.Background()
	type live struct {
		db    *racingCatalogue
		blobs *fakeBlobs
		ids   []string
		n     int
	}
	ingest := func(t *testing.T, l *live, mutate func(r *callvault.Recording)) string {
		t.Helper()
		data := []byte(strings.Repeat(fmt.Sprintf("blob %d ", l.n), 500))
		id := callvault.NewID()
		k := "recordings/" + id + ".age"
		l.blobs.blobs[k] = data
		sum := sha256.Sum256(data)
		r := &callvault.Recording{
			ID: id, StartedAt: t0, Source: callvault.SourceUpload, SourceID: fmt.Sprintf("live-%d", l.n),
			AnnouncementPlayed: callvault.AnnouncementUnknown, Codec: callvault.CodecPCM16, SampleRate: 8000, Channels: 1,
			StoredSize: int64(len(data)), StoredSHA256: hex.EncodeToString(sum[:]), PlainSHA256: emptySHA256,
			BlobKey: k, Header: []byte("hdr " + id), RetainUntil: t0.AddDate(7, 0, 0), CreatedAt: t0,
		}
		l.n++
		ev := ingestEvent(r)
		if mutate != nil {
			mutate(r)
		}
		if err := l.db.CreateRecording(ctx, r, ev); err != nil {
			t.Fatal(err)
		}
		return id
	}
	del := func(t *testing.T, l *live, id string) {
		t.Helper()
		if err := l.db.DeleteRecording(ctx, id, &callvault.AuditEvent{Time: t0, Actor: "system",
			Action: callvault.ActionRecordingDelete, Object: "recording:" + id}); err != nil {
			t.Fatal(err)
		}
	}
	rewrap := func(t *testing.T, l *live, id, epoch string) {
		t.Helper()
		r, err := l.db.Recording(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		next := []byte("hdr " + epoch + " " + id)
		if err := l.db.RewrapRecording(ctx, id, r.Header, epoch, next, rewrapEvent(id, r.Header, next)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		race func(t *testing.T, l *live) // arranges what happens during the verification
		want string                      // the only problem expected ("" for none)
	}{
		{"ingested before the rows are listed", func(t *testing.T, l *live) {
			l.db.beforeRows = func() { ingest(t, l, nil) }
		}, ""},
		{"deleted before the rows are listed", func(t *testing.T, l *live) {
			l.db.beforeRows = func() { del(t, l, l.ids[1]) }
		}, ""},
		{"deleted after the rows and before the tombstones are listed", func(t *testing.T, l *live) {
			l.db.beforeTombstones = func() { del(t, l, l.ids[1]) }
		}, ""},
		{"ingested and deleted before the rows are listed", func(t *testing.T, l *live) {
			l.db.beforeRows = func() { del(t, l, ingest(t, l, nil)) }
		}, ""},
		{"re-wrapped before the rows are listed", func(t *testing.T, l *live) {
			l.db.beforeRows = func() { rewrap(t, l, l.ids[1], "hold") }
		}, ""},
		{"re-wrapped after the rows and before the tombstones are listed", func(t *testing.T, l *live) {
			l.db.beforeTombstones = func() { rewrap(t, l, l.ids[1], "hold") }
		}, ""},
		{"re-wrapped twice before the rows are listed", func(t *testing.T, l *live) {
			l.db.beforeRows = func() { rewrap(t, l, l.ids[1], "hold"); rewrap(t, l, l.ids[1], "2027-06") }
		}, ""},
		{"re-wrapped before the rows are listed and again after", func(t *testing.T, l *live) {
			l.db.beforeRows = func() { rewrap(t, l, l.ids[1], "hold") }
			l.db.beforeTombstones = func() { rewrap(t, l, l.ids[1], "2027-06") }
		}, ""},
		{"header changed outside callvault before the rows are listed, then re-wrapped", func(t *testing.T, l *live) {
			l.db.beforeRows = func() {
				rewrap(t, l, l.ids[0], "hold")
				execSQLite(t, l.db.DB, `UPDATE recordings SET header = x'00' WHERE id = ?`, l.ids[1])
			}
		}, "the key was replaced"},
		{"ingested before the rows are listed, with a row that differs from its event", func(t *testing.T, l *live) {
			l.db.beforeRows = func() {
				ingest(t, l, func(r *callvault.Recording) { r.PlainSize++ })
			}
		}, "the catalogue's plain_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "catalogue.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			pub, _, _ := ed25519.GenerateKey(nil)
			l := &live{db: &racingCatalogue{DB: db}, blobs: newFakeBlobs()}
			for range 3 {
				l.ids = append(l.ids, ingest(t, l, nil))
			}
			del(t, l, l.ids[2]) // a tombstone from before, matched by the first walk
			tt.race(t, l)
			rep, err := Verify(ctx, l.db, l.blobs, pub, VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if l.db.beforeRows != nil || l.db.beforeTombstones != nil {
				t.Fatal("the race was not run")
			}
			switch {
			case tt.want == "" && !rep.OK():
				t.Fatalf("a change made while the catalogue was listed is reported as tampering:%s", problemsString(rep))
			case tt.want != "" && (len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Message, tt.want)):
				t.Fatalf("want only a problem containing %q, got:%s", tt.want, problemsString(rep))
			}
		})
	}
}

// execSQLite changes the catalogue behind callvault's back, as someone with the database file.
func execSQLite(t *testing.T, db *sqlite.DB, query string, args ...any) {
	t.Helper()
	conn, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}
