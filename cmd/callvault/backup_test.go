package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/vault"
)

// keySecrets returns the private key lines of the key directory (the vault identity and the
// audit signing key; comment lines, which name public halves, left out), to grep backups for.
func keySecrets(t *testing.T, keys string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, name := range []string{vault.IdentityFile, vault.SigningKeyFile} {
		b, err := os.ReadFile(filepath.Join(keys, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if line = bytes.TrimSpace(line); len(line) > 0 && line[0] != '#' {
				out = append(out, line)
			}
		}
	}
	if len(out) < 2 {
		t.Fatalf("no private keys found in %s", keys)
	}
	return out
}

func TestBackupRestoreEmbedded(t *testing.T) {
	// The key directory lives apart from the data directory, as it should in production.
	data, keys, bk := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "bk")
	flags := []string{"--data", data, "--keys", keys, "--checkpoint-every", "1"}
	m := mainFor(t, flags...)
	ingestN(t, m, 4, "bk", time.Now())
	m.Close()

	code, out, e := cli(t, append([]string{"backup", bk}, flags...)...)
	if code != 0 || !strings.Contains(out, "backed up 4 recordings") {
		t.Fatalf("backup: exit %d %q %q", code, out, e)
	}
	if code, _, e := cli(t, append([]string{"backup", bk}, flags...)...); code != 2 || !strings.Contains(e, "not empty") {
		t.Errorf("backup into a used directory: exit %d %q", code, e)
	}
	for _, secret := range keySecrets(t, keys) {
		if hits := grepDir(t, bk, secret); len(hits) > 0 {
			t.Fatalf("the backup holds private key material in %v", hits)
		}
	}
	if hits := grepDir(t, bk, []byte("AGE-SECRET-KEY")); len(hits) > 0 {
		t.Fatalf("the backup holds an age identity in %v", hits)
	}
	var man backupManifest
	if b, err := os.ReadFile(filepath.Join(bk, "manifest.json")); err != nil || json.Unmarshal(b, &man) != nil || man.Recordings != 4 || !man.BlobsCopied {
		t.Fatalf("manifest: %+v %v", man, err)
	}

	// Restore next to the live key directory: everything verifies and opens.
	restored := filepath.Join(t.TempDir(), "new")
	code, out, e = cli(t, "restore", bk, "--data", restored, "--keys", keys)
	if code != 0 || !strings.Contains(out, "restored the catalogue and 4 blobs") {
		t.Fatalf("restore: exit %d %q %q", code, out, e)
	}
	if code, out, e := cli(t, "fsck", "--data", restored, "--keys", keys); code != 0 || !strings.Contains(out, "checked 4 recordings") || !strings.Contains(out, "headers opened") {
		t.Fatalf("fsck of the restored vault: exit %d %q %q", code, out, e)
	}
	if code, _, e := cli(t, "restore", bk, "--data", filepath.Join(t.TempDir(), "x"), "--keys", keys, "--db", "postgres://127.0.0.1:1/none"); code != 2 || !strings.Contains(e, "not into --db") {
		t.Errorf("restore of a SQLite backup into a database: exit %d %q", code, e)
	}
	if code, out, e := cli(t, "restore", bk, "--data", restored, "--keys", keys); code != 2 || !strings.Contains(e, "not empty") {
		t.Errorf("restore over a used directory: exit %d %q %q", code, out, e)
	}
	// A manifest naming a catalogue outside the backup is refused before anything is copied.
	forged := t.TempDir()
	os.WriteFile(filepath.Join(forged, "manifest.json"), []byte(`{"format":"`+backupFormat+`","catalogue":"../../`+filepath.Base(data)+`/catalogue.db"}`), 0o600)
	if code, _, e := cli(t, "restore", forged, "--data", filepath.Join(t.TempDir(), "x"), "--keys", keys); code != 2 || !strings.Contains(e, "not catalogue.db") {
		t.Errorf("restore of a manifest naming a catalogue elsewhere: exit %d %q", code, e)
	}
	// A damaged backup is refused, naming the blob.
	var victim string
	filepath.Walk(filepath.Join(bk, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && victim == "" {
			victim = p
		}
		return nil
	})
	b, _ := os.ReadFile(victim)
	b[len(b)/2] ^= 1
	os.WriteFile(victim, b, 0o600)
	code, _, e = cli(t, "restore", bk, "--data", filepath.Join(t.TempDir(), "x"), "--keys", keys)
	if code != 1 || !strings.Contains(e, "differs from its recorded SHA-256") {
		t.Errorf("restore of a damaged backup: exit %d %q", code, e)
	}
	b[len(b)/2] ^= 1
	os.WriteFile(victim, b, 0o600)

	// The live vault moves on, and its checkpoints reach the witness file (in the key
	// directory). A restore of the older backup then ends before them: verify names them, and
	// the operator, having confirmed the restore, rotates the witness as docs/ARCHITECTURE.md says.
	m = mainFor(t, flags...)
	ingestN(t, m, 2, "after", time.Now())
	m.Close()
	older := filepath.Join(t.TempDir(), "older")
	code, out, e = cli(t, "restore", bk, "--data", older, "--keys", keys)
	if code != 1 || !strings.Contains(out, "witness file holds a checkpoint") || !strings.Contains(e, "audit witness-rotate --data "+older) {
		t.Fatalf("restore behind the witness: exit %d\n%s\n%s", code, out, e)
	}
	if code, out, e := cli(t, "audit", "witness-rotate", "--data", older, "--keys", keys, "--reason", "restored from backup"); code != 0 {
		t.Fatalf("witness-rotate: %s %s", out, e)
	}
	if code, out, e := cli(t, "audit", "verify", "--data", older, "--keys", keys); code != 0 {
		t.Fatalf("verify after rotation: %s %s", out, e)
	}
}

func TestBackupPostgresS3(t *testing.T) {
	dbURL, blobURL, _ := scaleOut(t)
	keys := t.TempDir()
	flags := []string{"--data", t.TempDir(), "--db", dbURL, "--blob", blobURL, "--keys", keys}
	m := mainFor(t, flags...)
	ingestN(t, m, 3, "pg", time.Now())
	m.Close()
	bk := filepath.Join(t.TempDir(), "bk")
	code, out, e := cli(t, append([]string{"backup", bk}, flags...)...)
	if code != 0 || !strings.Contains(out, "backed up 3 recordings") || !strings.Contains(e, "pg_dump") {
		t.Fatalf("backup: exit %d %q %q", code, out, e)
	}
	lines, err := os.ReadFile(filepath.Join(bk, "blobs.jsonl"))
	if err != nil || strings.Count(string(lines), `"sha256":`) != 3 {
		t.Fatalf("blob manifest: %q %v", lines, err)
	}
	if _, err := os.Stat(filepath.Join(bk, "CATALOGUE.txt")); err != nil {
		t.Fatalf("no note on backing up the PostgreSQL catalogue: %v", err)
	}
	for _, secret := range keySecrets(t, keys) {
		if hits := grepDir(t, bk, secret); len(hits) > 0 {
			t.Fatalf("the backup holds private key material in %v", hits)
		}
	}
	if code, _, e := cli(t, "restore", bk, "--data", t.TempDir(), "--keys", keys); code != 2 || !strings.Contains(e, "pg_restore") {
		t.Errorf("restore of a PostgreSQL backup without --db: exit %d %q", code, e)
	}

	// pg_dump beside it, pg_restore into a new database, and restore --db checks that the
	// bucket still holds every listed blob, then verifies.
	pgDump, pgRestore := lookPathOrSkip(t, "pg_dump"), lookPathOrSkip(t, "pg_restore")
	(&pgBackup{db: dbURL, pgDump: pgDump, pgRestore: pgRestore}).dump(t, bk)
	newDB := pgtest.NewTestDatabase(t)
	if out, err := exec.Command(pgRestore, "--no-owner", "--exit-on-error", "--dbname="+newDB, filepath.Join(bk, "catalogue.pgdump")).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	rflags := []string{"--data", t.TempDir(), "--db", newDB, "--blob", blobURL, "--keys", keys}
	code, out, e = cli(t, append([]string{"restore", bk}, rflags...)...)
	if code != 0 || !strings.Contains(out, "restored 3 blobs") || !strings.Contains(out, "OK: the audit chain is unbroken") {
		t.Fatalf("restore --db of the PostgreSQL backup: exit %d\n%s\n%s", code, out, e)
	}
	r := mainFor(t, rflags...)
	recs, err := r.Catalogue.ListRecordings(context.Background(), "", 10)
	if err != nil || len(recs) != 3 {
		t.Fatalf("restored catalogue: %d recordings, %v", len(recs), err)
	}
	for _, rec := range recs {
		if err := openMatches(t, r, rec.ID); err != nil {
			t.Errorf("restored recording %s: %v", rec.ID, err)
		}
	}
}
