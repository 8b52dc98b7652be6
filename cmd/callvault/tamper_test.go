package main

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audit"
	_ "modernc.org/sqlite"
)

// seedVault makes a data directory with a few recordings and audit events, server stopped:
// ids[0] to ids[3] are live, ids[4] was deleted by retention (its tombstone remains).
func seedVault(t *testing.T) (data string, ids []string) {
	t.Helper()
	s := startServer(t, "", "--checkpoint-every", "3")
	token := createToken(t, s.data, "recorder", "pbx")
	for i := 0; i < 4; i++ {
		wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.5)
		r := uploadWAV(t, s.url, token, fmt.Sprintf("tamper-%d", i), wav)
		if r.status != 201 {
			t.Fatalf("upload: %d %s", r.status, r.raw)
		}
		ids = append(ids, r.body["id"].(string))
	}
	s.stop()
	old := filepath.Join(t.TempDir(), "old.json")
	os.WriteFile(old, metaJSON("tamper-old", map[string]any{"started_at": "2020-01-01T10:00:00Z", "ended_at": nil}), 0o600)
	wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.5)
	oldWAV := filepath.Join(t.TempDir(), "old.wav")
	os.WriteFile(oldWAV, wav, 0o600)
	code, out, e := cli(t, "ingest", "--data", s.data, oldWAV, "--meta", old)
	if code != 0 {
		t.Fatalf("ingest: %s%s", out, e)
	}
	ids = append(ids, strings.Fields(out)[0])
	if code, out, e := cli(t, "retention", "run", "--data", s.data); code != 0 || !strings.Contains(out, "deleted 1 recordings") {
		t.Fatalf("retention run: %s%s", out, e)
	}
	if code, out, e := cli(t, "audit", "verify", "--data", s.data); code != 0 {
		t.Fatalf("untampered vault does not verify: %s%s", out, e)
	}
	return s.data, ids
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func openCatalogueDB(t *testing.T, data string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// auditColumns returns the columns of audit_events other than seq.
func auditColumns(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM pragma_table_info('audit_events')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		if n != "seq" {
			cols = append(cols, n)
		}
	}
	if len(cols) == 0 {
		t.Fatal("no audit_events table")
	}
	return cols
}

// blobPath returns the blob file of recording id in data.
func blobPath(t *testing.T, data, id string) string {
	t.Helper()
	var blob string
	filepath.Walk(filepath.Join(data, "blobs", "recordings"), func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.Contains(p, id) {
			blob = p
		}
		return nil
	})
	if blob == "" {
		t.Fatalf("no blob for %s", id)
	}
	return blob
}

func execSQL(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func ingestSeq(t *testing.T, db *sql.DB, id string) int64 {
	t.Helper()
	var seq int64
	if err := db.QueryRow(`SELECT seq FROM audit_events WHERE action = 'recording.ingest' AND object = ?`, "recording:"+id).Scan(&seq); err != nil {
		t.Fatal(err)
	}
	return seq
}

// witnessed returns the seqs in the vault's witness file, in file order.
func witnessed(t *testing.T, data string) []int64 {
	t.Helper()
	w, err := audit.ReadWitness(filepath.Join(data, "keys", audit.WitnessFile))
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, c := range w.Checkpoints {
		seqs = append(seqs, c.Seq)
	}
	return seqs
}

// cutTailWithCheckpoints deletes the events after seq and the checkpoint rows of them, as
// someone with write access to the database but not to the witness file would.
func cutTailWithCheckpoints(t *testing.T, data string, seq int64) {
	t.Helper()
	db := openCatalogueDB(t, data)
	execSQL(t, db, fmt.Sprintf(`DELETE FROM audit_events WHERE seq > %d`, seq),
		fmt.Sprintf(`DELETE FROM audit_checkpoints WHERE seq > %d`, seq))
}

// firstWitnessedAfter returns the smallest witnessed seq above seq.
func firstWitnessedAfter(t *testing.T, data string, seq int64) int64 {
	t.Helper()
	first := int64(0)
	for _, s := range witnessed(t, data) {
		if s > seq && (first == 0 || s < first) {
			first = s
		}
	}
	if first == 0 {
		t.Fatalf("no witnessed checkpoint after event %d: %v", seq, witnessed(t, data))
	}
	return first
}

// firstProblem returns the first PROBLEM line of audit verify's output.
func firstProblem(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "PROBLEM ") {
			return l
		}
	}
	return ""
}

// TestTamperDetection tampers with a copy of a real vault's files and requires audit verify to
// fail with the exact first PROBLEM line that names what was changed (the summary line, which
// is always printed, holds numbers that would match a looser check).
func TestTamperDetection(t *testing.T) {
	base, ids := seedVault(t)
	cases := []struct {
		name   string
		tamper func(t *testing.T, data string) (want string) // the first PROBLEM line, or its start when it ends in "…"
	}{
		{"flip one byte of a blob", func(t *testing.T, data string) string {
			blob := blobPath(t, data, ids[2])
			b, err := os.ReadFile(blob)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x01
			if err := os.WriteFile(blob, b, 0o600); err != nil {
				t.Fatal(err)
			}
			return "PROBLEM recording " + ids[2] + ": blob recordings/…"
		}},
		{"delete one audit row", func(t *testing.T, data string) string {
			execSQL(t, openCatalogueDB(t, data), `DELETE FROM audit_events WHERE seq = 3`)
			return "PROBLEM event 3: event 3 is missing: the chain has a gap"
		}},
		{"swap two audit rows", func(t *testing.T, data string) string {
			db := openCatalogueDB(t, data)
			cols := auditColumns(t, db)
			// Copy to a scratch table first so the swap reads the original values.
			stmts := []string{`CREATE TABLE swap AS SELECT * FROM audit_events WHERE seq IN (4, 5)`}
			for _, c := range cols {
				stmts = append(stmts, fmt.Sprintf(`UPDATE audit_events SET %s = (SELECT %s FROM swap WHERE swap.seq = CASE WHEN audit_events.seq = 4 THEN 5 ELSE 4 END) WHERE seq IN (4, 5)`, c, c))
			}
			execSQL(t, db, append(stmts, `DROP TABLE swap`)...)
			return "PROBLEM event 4: prev_hash does not match the hash of event 3: events were changed, removed or reordered"
		}},
		{"edit an event's actor", func(t *testing.T, data string) string {
			execSQL(t, openCatalogueDB(t, data), `UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2`)
			return "PROBLEM event 2: hash mismatch: the event's content was changed after it was written"
		}},
		{"cut the log's tail", func(t *testing.T, data string) string {
			execSQL(t, openCatalogueDB(t, data), `DELETE FROM audit_events WHERE seq > 2`)
			n := firstWitnessedAfter(t, data, 2)
			return fmt.Sprintf("PROBLEM checkpoint %d: the log ends at event 2 but a signed checkpoint vouches for event %d: events were deleted from the end", n, n)
		}},
		{"cut the log's tail together with its checkpoint rows", func(t *testing.T, data string) string {
			cutTailWithCheckpoints(t, data, 2)
			n := firstWitnessedAfter(t, data, 2)
			return fmt.Sprintf("PROBLEM checkpoint %d: the log ends at event 2 but the witness file holds a checkpoint for event %d: "+
				"events were deleted from the end, together with the database's checkpoints of them", n, n)
		}},
		{"copy one recording's row facts and blob over another's", func(t *testing.T, data string) string {
			db := openCatalogueDB(t, data)
			execSQL(t, db, fmt.Sprintf(`UPDATE recordings SET (header, plain_sha256, stored_sha256, plain_size, stored_size) =
				(SELECT header, plain_sha256, stored_sha256, plain_size, stored_size FROM recordings WHERE id = '%s') WHERE id = '%s'`, ids[1], ids[0]))
			b, _ := os.ReadFile(blobPath(t, data, ids[1]))
			os.WriteFile(blobPath(t, data, ids[0]), b, 0o600)
			return "PROBLEM recording " + ids[0] + ": the catalogue's plain_sha256 …"
		}},
		{"swap two recordings' rows and blobs", func(t *testing.T, data string) string {
			db := openCatalogueDB(t, data)
			stmts := []string{fmt.Sprintf(`CREATE TABLE swap AS SELECT * FROM recordings WHERE id IN ('%s', '%s')`, ids[0], ids[1])}
			for _, c := range []string{"header", "plain_sha256", "stored_sha256", "plain_size", "stored_size"} {
				stmts = append(stmts, fmt.Sprintf(`UPDATE recordings SET %s = (SELECT %s FROM swap WHERE swap.id <> recordings.id) WHERE id IN ('%s', '%s')`, c, c, ids[0], ids[1]))
			}
			execSQL(t, db, append(stmts, `DROP TABLE swap`)...)
			a, b := blobPath(t, data, ids[0]), blobPath(t, data, ids[1])
			ba, _ := os.ReadFile(a)
			bb, _ := os.ReadFile(b)
			os.WriteFile(a, bb, 0o600)
			os.WriteFile(b, ba, 0o600)
			return "PROBLEM recording " + ids[0] + ": the catalogue's plain_sha256 …"
		}},
		{"replace a recording's age header with another's", func(t *testing.T, data string) string {
			execSQL(t, openCatalogueDB(t, data), fmt.Sprintf(`UPDATE recordings SET header = (SELECT header FROM recordings WHERE id = '%s') WHERE id = '%s'`, ids[3], ids[2]))
			return "PROBLEM recording " + ids[2] + ": the SHA-256 of the catalogue's age header (the wrapped file key) …"
		}},
		{"delete a recording's row, index rows and blob without a delete event", func(t *testing.T, data string) string {
			db := openCatalogueDB(t, data)
			seq := ingestSeq(t, db, ids[1])
			os.Remove(blobPath(t, data, ids[1]))
			execSQL(t, db, fmt.Sprintf(`DELETE FROM recording_subjects WHERE recording_id = '%s'`, ids[1]),
				fmt.Sprintf(`DELETE FROM recordings WHERE id = '%s'`, ids[1]))
			return fmt.Sprintf("PROBLEM recording %s: was ingested by event %d but is not in the catalogue, "+
				"and no recording.delete event records its deletion: it was removed outside callvault", ids[1], seq)
		}},
		{"remove a deleted recording's tombstone (freeing its source id)", func(t *testing.T, data string) string {
			db := openCatalogueDB(t, data)
			var seq int64
			if err := db.QueryRow(`SELECT seq FROM audit_events WHERE action = 'recording.delete' AND object = ?`, "recording:"+ids[4]).Scan(&seq); err != nil {
				t.Fatal(err)
			}
			execSQL(t, db, fmt.Sprintf(`DELETE FROM recordings WHERE id = '%s'`, ids[4]))
			return fmt.Sprintf("PROBLEM recording %s: was deleted by event %d but its tombstone is not in the catalogue: the row was removed outside callvault", ids[4], seq)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := copyDir(t, base)
			want := c.tamper(t, data)
			code, out, errOut := cli(t, "audit", "verify", "--data", data)
			if code != 1 {
				t.Fatalf("audit verify exit %d on a tampered vault, want 1:\n%s%s", code, out, errOut)
			}
			got := firstProblem(out)
			if prefix, ok := strings.CutSuffix(want, "…"); ok && !strings.HasPrefix(got, prefix) || !ok && got != want {
				t.Errorf("first problem:\n got %q\nwant %q\n%s", got, want, out)
			}
		})
	}
}

// TestNoCheckpointOverATruncatedLog: after the tail and its checkpoint rows are cut, no later
// command signs a checkpoint over the shorter log (which would make it look genuine): not the
// failed audit verify, not a command that appends events, not a server. The cut stays visible.
func TestNoCheckpointOverATruncatedLog(t *testing.T) {
	base, _ := seedVault(t)
	data := copyDir(t, base)
	cutTailWithCheckpoints(t, data, 2)
	witnessBefore := witnessed(t, data)
	n := firstWitnessedAfter(t, data, 2)
	// Later commands append events after the cut (they are not refused: only signing is), so
	// the log's end moves, but never up to the witnessed checkpoint.
	wantStart := fmt.Sprintf("PROBLEM checkpoint %d: the log ends at event ", n)
	wantEnd := fmt.Sprintf(" but the witness file holds a checkpoint for event %d: events were deleted from the end, together with the database's checkpoints of them", n)

	for _, args := range [][]string{
		{"audit", "verify", "--data", data},
		{"token", "create", "--role", "recorder", "--name", "after-cut", "--data", data, "--checkpoint-every", "1"},
		{"token", "list", "--data", data},
		{"audit", "verify", "--data", data},
	} {
		code, out, errOut := cli(t, args...)
		if p := firstProblem(out); args[0] == "audit" && (code != 1 || !strings.HasPrefix(p, wantStart) || !strings.HasSuffix(p, wantEnd)) {
			t.Errorf("%v: exit %d, first problem %q; want 1 and %q…%q", args, code, p, wantStart, wantEnd)
		}
		if args[0] == "token" && !strings.Contains(errOut, "refusing to sign checkpoints") {
			t.Errorf("%v: the refusal was not logged: %s", args, errOut)
		}
	}
	s := startServerWith(t, nil, "--data", data, "--http", "127.0.0.1:0")
	s.cancel()
	if err := <-s.done; !errors.Is(err, audit.ErrRefused) {
		t.Errorf("server over a truncated log stopped with %v, want the refusal", err)
	}
	s.cancel = nil

	if got := witnessed(t, data); !slices.Equal(got, witnessBefore) {
		t.Errorf("witness file changed from %v to %v", witnessBefore, got)
	}
	var newest int64
	if err := openCatalogueDB(t, data).QueryRow(`SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints`).Scan(&newest); err != nil {
		t.Fatal(err)
	}
	if newest > 2 {
		t.Errorf("a checkpoint at event %d was signed over the truncated log", newest)
	}
}

// TestVerifyExportOffline: an auditor verifies an export with only the export, its checkpoints
// and the public key; an edited export fails.
func TestVerifyExportOffline(t *testing.T) {
	data, _ := seedVault(t)
	dir := t.TempDir()
	events, cps := filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "cp.jsonl")
	if code, _, e := cli(t, "audit", "export", "--data", data, "--out", events, "--checkpoints", cps); code != 0 {
		t.Fatalf("export: %s", e)
	}
	pub := filepath.Join(data, "keys", "audit-signing.pub")
	code, out, e := cli(t, "audit", "verify-export", events, "--checkpoints", cps, "--verify-key", pub)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("verify-export of an intact export: exit %d\n%s%s", code, out, e)
	}
	if b, _ := os.ReadFile(cps); len(b) == 0 {
		t.Fatal("no checkpoints were exported")
	}
	b, _ := os.ReadFile(events)
	edited := filepath.Join(dir, "edited.jsonl")
	os.WriteFile(edited, []byte(strings.Replace(string(b), `"actor":"token:pbx"`, `"actor":"token:someone"`, 1)), 0o600)
	if code, out, _ := cli(t, "audit", "verify-export", edited, "--checkpoints", cps, "--verify-key", pub); code == 0 {
		t.Fatalf("verify-export passed an edited export:\n%s", out)
	}
	// With the vault's witness file too.
	witness := filepath.Join(data, "keys", audit.WitnessFile)
	code, out, e = cli(t, "audit", "verify-export", events, "--checkpoints", cps, "--verify-key", pub, "--witness", witness)
	if code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("verify-export with the witness: exit %d\n%s%s", code, out, e)
	}
	// Another vault's key does not verify these checkpoints.
	other := t.TempDir()
	cli(t, "keys", "show-recipient", "--data", other)
	if code, _, _ := cli(t, "audit", "verify-export", events, "--checkpoints", cps, "--verify-key", filepath.Join(other, "keys", "audit-signing.pub")); code == 0 {
		t.Fatal("verify-export accepted checkpoints under a foreign key")
	}
}

// TestVerifyExportWithWitness: the tail and its checkpoint rows are cut after the auditor took a
// copy of the witness file. The export made afterwards, with its own checkpoints, verifies on
// its own; with the witness copy it does not. The vault itself refuses to date such an export.
func TestVerifyExportWithWitness(t *testing.T) {
	base, _ := seedVault(t)
	data := copyDir(t, base)
	dir := t.TempDir()
	witnessCopy := filepath.Join(dir, "witness-copy.jsonl")
	b, err := os.ReadFile(filepath.Join(data, "keys", audit.WitnessFile))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(witnessCopy, b, 0o600)
	pub := filepath.Join(data, "keys", "audit-signing.pub")

	// Cut at a checkpointed event, so that the cut log's head already has a checkpoint: the
	// export must still be dated by a fresh one.
	seqs := witnessed(t, base)
	slices.Sort(seqs)
	cut, n := seqs[1], seqs[2]
	cutTailWithCheckpoints(t, data, cut)
	events, cps := filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "cp.jsonl")
	// This node's witness file shows the cut: it will not sign the checkpoint that dates the export.
	if code, _, e := cli(t, "audit", "export", "--data", data, "--out", events, "--checkpoints", cps); code != 1 ||
		!strings.Contains(e, "cannot sign a checkpoint to date the export") || !strings.Contains(e, fmt.Sprintf("the audit log ends at event %d", cut)) {
		t.Fatalf("export of a cut log: exit %d: %s", code, e)
	}
	// Exported from a node with a fresh witness file (or none), the export is dated after the
	// auditor's copy of the witness; the copy holds checkpoints past the export's end.
	os.Remove(events)
	os.Remove(cps)
	if code, _, e := cli(t, "audit", "export", "--data", data, "--out", events, "--checkpoints", cps,
		"--audit-witness", filepath.Join(dir, "other-node.jsonl")); code != 0 {
		t.Fatalf("export: %s", e)
	}
	if code, out, _ := cli(t, "audit", "verify-export", events, "--checkpoints", cps, "--verify-key", pub); code != 0 {
		t.Fatalf("without a witness the cut export was expected to verify:\n%s", out)
	}
	code, out, _ := cli(t, "audit", "verify-export", events, "--checkpoints", cps, "--verify-key", pub, "--witness", witnessCopy)
	want := fmt.Sprintf("PROBLEM checkpoint %d: the log ends at event %d but the witness file holds a checkpoint for event %d: "+
		"events were deleted from the end, together with the database's checkpoints of them (the checkpoint was signed at ", n, cut, n)
	if code != 1 || !strings.HasPrefix(firstProblem(out), want) {
		t.Fatalf("verify-export with the witness: exit %d, first problem %q, want %q…\n%s", code, firstProblem(out), want, out)
	}
}
