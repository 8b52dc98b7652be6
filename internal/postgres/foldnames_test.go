package postgres

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// TestMigrateRefoldsNames: names indexed by a program that folded them only by case and spaces,
// or by NFKC without accents removed, are re-folded by the accents_fold_names migration (0070),
// so the recordings are found by the plain name typed without accents.
func TestMigrateRefoldsNames(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewTestDatabase(t)
	db, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []string
	for i, names := range [][]string{{"JANE DOE", "Ｊａｎｅ\u200b Doe"}, {"Zoe\u0308"}, {"Plain Name"}, {"José García"}} {
		r := &callvault.Recording{
			ID: callvault.NewID(), StartedAt: start.Add(time.Duration(i) * time.Minute), Duration: time.Minute,
			Source: callvault.SourceUpload, SourceID: fmt.Sprint("fold-", i),
			Codec: callvault.CodecPCM16, SampleRate: 8000, Channels: 1, AnnouncementPlayed: callvault.AnnouncementNo,
			BlobKey: "k", Header: []byte("hdr"), RetainUntil: start.AddDate(1, 0, 0), CreatedAt: start,
		}
		for _, n := range names {
			r.Parties = append(r.Parties, callvault.Party{Name: n})
		}
		if err := db.CreateRecording(ctx, r, &callvault.AuditEvent{Time: start, Actor: "system", Action: callvault.ActionRecordingIngest}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	// Make the index what the old fold (lower case, single spaces) gave, and forget the migration.
	for _, stmt := range []string{
		`INSERT INTO recording_subjects (recording_id, kind, value, started_at) SELECT recording_id, 'name', 'ｊａｎｅ` + "\u200b" + ` doe', started_at FROM recording_subjects WHERE recording_id = '` + ids[0] + `' AND kind = 'name'`,
		`UPDATE recording_subjects SET value = 'zoe` + "\u0308" + `' WHERE recording_id = '` + ids[1] + `' AND kind = 'name'`,
		`UPDATE recording_subjects SET value = 'josé garcía' WHERE recording_id = '` + ids[3] + `' AND kind = 'name'`,
		`DELETE FROM schema_migrations WHERE name = '0070_accents_fold_names.sql'`,
	} {
		if _, err := db.pool.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	if got := indexedNames(t, db, ids[1]); !slices.Equal(got, []string{"zoe\u0308"}) {
		t.Fatalf("set-up: indexed names %q", got)
	}
	if rs, err := db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: []callvault.Subject{{Kind: callvault.SubjectName, Value: "Jose Garcia"}}}); err != nil || len(rs) != 0 {
		t.Fatalf("set-up: the old index is found by the new fold: %d results, %v", len(rs), err)
	}
	db.Close()

	db = openTest(t, url)
	for i, want := range [][]string{{"jane doe"}, {"zoe"}, {"plain name"}, {"jose garcia"}} {
		if got := indexedNames(t, db, ids[i]); !slices.Equal(got, want) {
			t.Errorf("recording %d: indexed names %q, want %q", i, got, want)
		}
	}
	rs, err := db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: []callvault.Subject{{Kind: callvault.SubjectName, Value: "Zoë"}}})
	if err != nil || len(rs) != 1 || rs[0].ID != ids[1] {
		t.Errorf("FindRecordings(Zoë) = %d results, %v; want recording 1", len(rs), err)
	}
	for _, name := range []string{"jose garcia", "JOSÉ GARCÍA", "Jose\u0301 Garci\u0301a"} {
		rs, err := db.FindRecordings(ctx, callvault.RecordingFilter{Subjects: []callvault.Subject{{Kind: callvault.SubjectName, Value: name}}})
		if err != nil || len(rs) != 1 || rs[0].ID != ids[3] {
			t.Errorf("FindRecordings(%q) = %d results, %v; want recording 3", name, len(rs), err)
		}
	}
}

func indexedNames(t *testing.T, db *DB, id string) []string {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), `SELECT value FROM recording_subjects WHERE recording_id = $1 AND kind = 'name' ORDER BY value`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
