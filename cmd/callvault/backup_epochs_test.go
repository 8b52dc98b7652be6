package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/testenv"
)

// A data backup cannot undo a deletion once the deleted recordings' key epoch is destroyed, on
// either catalogue: the backup is taken, time passes (an injected clock) until the sweep deletes
// a month's recordings and its epoch is destroyed, and the backup is restored into a new data
// directory next to the live key directory. Every recording of the destroyed month then fails
// to open with the "recording key destroyed" error, while those still within retention and the
// held one (moved to the hold key before the backup) open and match their hashes. No private key
// of any epoch, nor the seed they derive from, is anywhere in the backup.
func TestBackupCannotUndoDestroyedEpochEmbedded(t *testing.T) {
	testBackupCannotUndoDestroyedEpoch(t, embeddedBackup{})
}

// The same on PostgreSQL: `callvault backup` copies the blobs (kept in files here) and pg_dump
// the catalogue; pg_restore brings the catalogue back into a new database and `callvault
// restore --db` the blobs, then verifies.
func TestBackupCannotUndoDestroyedEpochPostgres(t *testing.T) {
	pgDump := lookPathOrSkip(t, "pg_dump")
	pgRestore := lookPathOrSkip(t, "pg_restore")
	testBackupCannotUndoDestroyedEpoch(t, &pgBackup{db: pgtest.NewTestDatabase(t), pgDump: pgDump, pgRestore: pgRestore})
}

// lookPathOrSkip returns the path of a program the test needs, or skips the test without it
// (fails it under CALLVAULT_TEST_REQUIRE_EXTERNAL=1, as every external dependency does).
func lookPathOrSkip(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(testenv.RequireExternal) == "1" {
			t.Fatalf("%s is not installed and %s=1 (it comes with PostgreSQL's client programs)", name, testenv.RequireExternal)
		}
		t.Skipf("%s is not installed", name)
	}
	return p
}

// backupBackend is how one catalogue is backed up and restored beyond `callvault backup` and
// `callvault restore`.
type backupBackend interface {
	flags() []string                          // the live vault's catalogue flags
	dump(t *testing.T, bk string)             // after `callvault backup bk`
	restore(t *testing.T, bk string) []string // before `callvault restore`: its extra flags
}

type embeddedBackup struct{}

func (embeddedBackup) flags() []string                          { return nil }
func (embeddedBackup) dump(t *testing.T, bk string)             {}
func (embeddedBackup) restore(t *testing.T, bk string) []string { return nil }

type pgBackup struct{ db, pgDump, pgRestore string }

func (p *pgBackup) flags() []string { return []string{"--db", p.db} }

// dump writes the catalogue with pg_dump into the backup directory, uncompressed so that the
// test's grep for keys sees every row.
func (p *pgBackup) dump(t *testing.T, bk string) {
	t.Helper()
	if out, err := exec.Command(p.pgDump, "--format=custom", "--compress=0", "--file="+filepath.Join(bk, "catalogue.pgdump"), p.db).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
}

// restore brings the dump back into a new database with pg_restore and names it with --db.
// Before that, `callvault restore` refuses the empty database without touching it.
func (p *pgBackup) restore(t *testing.T, bk string) []string {
	t.Helper()
	db := pgtest.NewTestDatabase(t)
	if code, _, e := cli(t, "restore", bk, "--data", filepath.Join(t.TempDir(), "x"), "--keys", t.TempDir(), "--db", db); code != 2 || !strings.Contains(e, "holds no callvault catalogue") {
		t.Fatalf("restore into an empty database: exit %d %s", code, e)
	}
	if out, err := exec.Command(p.pgRestore, "--no-owner", "--exit-on-error", "--dbname="+db, filepath.Join(bk, "catalogue.pgdump")).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	return []string{"--db", db}
}

func testBackupCannotUndoDestroyedEpoch(t *testing.T, be backupBackend) {
	ctx := context.Background()
	data, keys := t.TempDir(), filepath.Join(t.TempDir(), "keys")
	flags := append([]string{"--data", data, "--keys", keys}, be.flags()...)
	m := mainFor(t, flags...)

	// This month's epoch seals calls whose retention ends this month, and one of them is
	// held; later months seal today's calls.
	now := time.Now()
	expiring := ingestN(t, m, 3, "expiring", now.AddDate(0, -m.Config.RetentionMonths, 0))
	held := ingestN(t, m, 1, "held", now.AddDate(0, -m.Config.RetentionMonths, 0))[0]
	kept := ingestN(t, m, 2, "kept", now)
	month := callvault.EpochFor(now, now)
	for _, id := range append(expiring, held) {
		if r, err := m.Catalogue.Recording(ctx, id); err != nil || r.KeyEpoch != month {
			t.Fatalf("recording %s: %+v %v; want it sealed to %s", id, r, err, month)
		}
	}
	holds, err := m.holdService()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: held, Reason: "claim", ReviewAt: now.AddDate(1, 0, 0), Actor: "dpo"}); err != nil {
		t.Fatal(err)
	}
	secrets, publics := epochKeys(t, m)
	m.Close()

	bk := filepath.Join(t.TempDir(), "bk")
	if code, out, e := cli(t, append([]string{"backup", bk}, flags...)...); code != 0 || !strings.Contains(out, "backed up 6 recordings") {
		t.Fatalf("backup: exit %d %q %q", code, out, e)
	}
	be.dump(t, bk)

	// Time passes: the month ends, the sweep deletes its calls and its epoch is destroyed.
	m = mainFor(t, flags...)
	end, _ := callvault.EpochEnd(month)
	later := end.Add(25 * time.Hour)
	m.Now = func() time.Time { return later }
	m.Epochs.Now = m.Now
	runJob(t, m, retention.LeaseName)
	if !destroyedEpochs(t, m)[month] {
		t.Fatalf("epoch %s not destroyed after its calls were swept", month)
	}
	m.Close()

	// No private key in the backup, of any epoch; the grep does see the catalogue's text (the
	// month's public recipient is there).
	for what, secret := range secrets {
		if hits := grepDir(t, bk, []byte(secret)); len(hits) > 0 {
			t.Errorf("the backup holds the private key of %s in %v", what, hits)
		}
	}
	if hits := grepDir(t, bk, []byte("AGE-SECRET-KEY")); len(hits) > 0 {
		t.Errorf("the backup holds an age identity in %v", hits)
	}
	if hits := grepDir(t, bk, []byte(publics[month])); len(hits) == 0 {
		t.Fatal("the grep finds not even the month's public recipient in the backup: it proves nothing")
	}

	// Restored next to today's key directory.
	restored := filepath.Join(t.TempDir(), "restored")
	rflags := append([]string{"--data", restored, "--keys", keys}, be.restore(t, bk)...)
	code, out, e := cli(t, append([]string{"restore", bk}, rflags...)...)
	if !strings.Contains(out, "6 blobs of the backup") {
		t.Fatalf("restore: exit %d\n%s\n%s", code, out, e)
	}
	if code == 1 && strings.Contains(out, "witness file holds a checkpoint") {
		// The live vault signed checkpoints after the backup: confirmed as a restore, the
		// witness is rotated (docs/ARCHITECTURE.md) and the restored log verifies.
		if code, out, e := cli(t, append([]string{"audit", "witness-rotate", "--reason", "restored from backup"}, rflags...)...); code != 0 {
			t.Fatalf("witness-rotate: %s %s", out, e)
		}
		code, out, e = cli(t, append([]string{"audit", "verify"}, rflags...)...)
	}
	if code != 0 {
		t.Fatalf("the restored vault does not verify: exit %d\n%s\n%s", code, out, e)
	}
	r := mainFor(t, rflags...)
	for _, id := range expiring {
		if _, err := r.Catalogue.Recording(ctx, id); err != nil {
			t.Fatalf("the backup lacks recording %s: %v", id, err)
		}
		au, err := r.Archive.Open(ctx, "test", id, "backup check")
		if err == nil {
			au.Close()
			t.Fatalf("recording %s of the destroyed epoch %s opens from the backup", id, month)
		}
		if !callvault.IsKind(err, callvault.KindNotFound) || !strings.Contains(err.Error(), "recording key destroyed: key epoch "+month+" was destroyed") {
			t.Errorf("recording %s of the destroyed epoch: %v; want the clear 'recording key destroyed' error", id, err)
		}
	}
	for _, id := range append(kept, held) {
		if err := openMatches(t, r, id); err != nil {
			t.Errorf("recording %s (within retention or held) does not open from the backup: %v", id, err)
		}
	}
	r.Close()
	// fsck names each of them, as headers no key opens.
	code, out, e = cli(t, append([]string{"fsck"}, rflags...)...)
	if code != 1 {
		t.Errorf("fsck of the restored backup: exit %d, want 1\n%s\n%s", code, out, e)
	}
	for _, id := range expiring {
		if !strings.Contains(out, id) {
			t.Errorf("fsck does not name %s:\n%s", id, out)
		}
	}
}

// epochKeys returns every private key of m's key directory, by what it is, to grep backups for:
// the lines of its key files (vault key, audit signing key, hold key, kept months, the
// ratchet's seed) and the identity of every month epoch the catalogue records, as m derives it;
// and the public recipients of those months, which a backup does hold.
func epochKeys(t *testing.T, m *Main) (private, public map[string]string) {
	t.Helper()
	out, public := map[string]string{}, map[string]string{}
	dir := m.Config.KeysDir()
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.HasSuffix(p, ".jsonl") || strings.HasSuffix(p, ".pub") || strings.HasSuffix(p, ".recipient") {
			return nil
		}
		b, _ := os.ReadFile(p)
		for i, line := range bytes.Split(b, []byte("\n")) {
			line = bytes.TrimSpace(line)
			if len(line) == 0 || line[0] == '#' || bytes.HasPrefix(line, []byte("epoch:")) {
				continue
			}
			if v, ok := bytes.CutPrefix(line, []byte("seed:")); ok {
				line = bytes.TrimSpace(v)
			}
			rel, _ := filepath.Rel(dir, p)
			out[rel+":"+string(rune('0'+i))] = string(line)
		}
		return nil
	})
	recorded, err := m.Catalogue.(callvault.KeyStore).VaultKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	months := 0
	for _, k := range recorded {
		if _, ok := callvault.EpochEnd(k.Epoch); !ok || k.Kind != callvault.VaultKeyRecipient {
			continue
		}
		out["epoch "+k.Epoch] = identitySecret(t, m, k.Epoch)
		public[k.Epoch] = k.Public
		months++
	}
	if months < 12 || len(out) < months+4 {
		t.Fatalf("found %d month epochs and %d private keys in all; the vault has more", months, len(out))
	}
	return out, public
}
