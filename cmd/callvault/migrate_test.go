package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/migration"
	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/sqlite"
)

// embeddedTarget returns the configuration of a migration target on embedded stores; the
// migration logic does not care which backends it copies between.
func embeddedTarget(t *testing.T) Config {
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	return cfg
}

func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// A deleted recording's tombstone moves with the vault: its source id stays taken on the target
// (a retried capture of the deleted call is refused) and the hashes its receipt names stay.
func TestMigrateCopiesTombstones(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	ids := ingestN(t, src, 3, "tomb", time.Now().Add(-time.Hour))
	deleted, err := src.Catalogue.Recording(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Catalogue.DeleteRecording(ctx, deleted.ID, &callvault.AuditEvent{Time: time.Now(), Actor: "system",
		Action: callvault.ActionRecordingDelete, Object: "recording:" + deleted.ID}); err != nil {
		t.Fatal(err)
	}
	if err := src.Blobs.Delete(ctx, deleted.BlobKey); err != nil {
		t.Fatal(err)
	}
	// A destroyed key epoch's record moves too: the target's nodes keep refusing it.
	gone := &callvault.EpochDestruction{Epoch: "2020-01", Recipient: "age1pq1gone", DestroyedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := src.Catalogue.(callvault.EpochStore).DestroyEpoch(ctx, gone, &callvault.AuditEvent{Time: time.Now(), Actor: "system",
		Action: callvault.ActionKeyEpochDestroy, Object: "epoch:2020-01", Detail: "{}"}); err != nil {
		t.Fatal(err)
	}
	// A provider fetch still pending moves too: the target makes it.
	pending := &callvault.ImportJob{ID: callvault.NewID(), Kind: "twilio", Key: "RE0123456789abcdef0123456789abcdef",
		Payload: `{"CallSid":"CA0123456789abcdef0123456789abcdef"}`, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if err := src.Catalogue.(callvault.ImportJobStore).EnqueueImportJob(ctx, pending, &callvault.AuditEvent{Time: time.Now(),
		Actor: "provider:twilio", Action: callvault.ActionImportQueued, Object: "twilio:" + pending.Key, Detail: "{}"}); err != nil {
		t.Fatal(err)
	}
	dstCfg := embeddedTarget(t)
	rep, err := migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if rep.Copied != 2 || rep.Tombstones != 1 || rep.ImportJobs != 1 {
		t.Errorf("migrated %d recordings, %d tombstones and %d import jobs, want 2, 1 and 1", rep.Copied, rep.Tombstones, rep.ImportJobs)
	}
	rep, err = migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if err != nil || rep.Tombstones != 0 || rep.Present != 2 || rep.ImportJobs != 0 {
		t.Errorf("second run: %+v, %v; want nothing new", rep, err)
	}

	dst := mainFor(t, "--data", dstCfg.Data, "--keys", filepath.Join(data, "keys"))
	if got, err := dst.Catalogue.(callvault.EpochStore).DestroyedEpochs(ctx); err != nil || len(got) != 1 || got[0].Epoch != "2020-01" {
		t.Errorf("target's destroyed epochs: %+v %v, want the source's 2020-01", got, err)
	}
	if got, err := dst.Catalogue.(callvault.ImportJobStore).ImportJobByKey(ctx, "twilio", pending.Key); err != nil ||
		got.ID != pending.ID || got.Done() || got.Payload != pending.Payload {
		t.Errorf("target's import job: %+v %v, want the source's pending fetch", got, err)
	}
	ts, err := dst.Catalogue.(callvault.CatalogueImporter).Tombstones(ctx, "", 10)
	if err != nil || len(ts) != 1 || ts[0].ID != deleted.ID || ts[0].PlainSHA256 != deleted.PlainSHA256 || ts[0].StoredSHA256 != deleted.StoredSHA256 {
		t.Fatalf("target tombstones %+v (%v), want the deleted recording's with its hashes", ts, err)
	}
	wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.05)
	_, _, err = dst.Archive.Ingest(ctx, callvault.IngestRequest{Actor: "test", Audio: bytes.NewReader(wav),
		Recording: &callvault.Recording{StartedAt: time.Now(), Source: deleted.Source, SourceID: deleted.SourceID}})
	if !callvault.IsKind(err, callvault.KindConflict) || !strings.Contains(err.Error(), "deleted") {
		t.Errorf("ingest of a deleted source id on the target: %v, want the conflict of a deleted recording", err)
	}
}

// A target whose audit log is not a prefix of the source's is another vault's: the migration
// refuses before it copies a single recording or blob into it.
func TestMigrateChecksTargetLogFirst(t *testing.T) {
	ctx := context.Background()
	src := mainFor(t, "--data", t.TempDir())
	ingestN(t, src, 3, "prefix", time.Now().Add(-time.Hour))
	dstCfg := embeddedTarget(t)
	db, err := sqlite.Open(ctx, filepath.Join(dstCfg.Data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, &callvault.AuditEvent{Time: time.Now(), Actor: "system", Action: callvault.ActionServerStart}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if !callvault.IsKind(err, callvault.KindConflict) || !strings.Contains(err.Error(), "not a copy of the source's") {
		t.Fatalf("migrate into another vault's catalogue: %v, want a conflict", err)
	}
	db, err = sqlite.Open(ctx, filepath.Join(dstCfg.Data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if recs, err := db.ListRecordings(ctx, "", 10); err != nil || len(recs) != 0 {
		t.Errorf("the refused migration copied %d recordings (%v)", len(recs), err)
	}
	if files := blobFiles(t, filepath.Join(dstCfg.Data, "blobs")); len(files) != 0 {
		t.Errorf("the refused migration copied blobs: %v", files)
	}
}

// A target holding a recording the source does not is reported, naming it: audit verification
// of the target finds a row that no ingest event records (and the final comparison of both
// sides' recording ids would name it too).
func TestMigrateComparesRecordingIDs(t *testing.T) {
	ctx := context.Background()
	src := mainFor(t, "--data", t.TempDir())
	ingestN(t, src, 2, "ids", time.Now().Add(-time.Hour))
	other := mainFor(t, "--data", t.TempDir())
	extraID := ingestN(t, other, 1, "elsewhere", time.Now().Add(-time.Hour))[0]
	extra, err := other.Catalogue.Recording(ctx, extraID)
	if err != nil {
		t.Fatal(err)
	}

	dstCfg := embeddedTarget(t)
	db, err := sqlite.Open(ctx, filepath.Join(dstCfg.Data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	dstBlobs, err := fileblob.Open(filepath.Join(dstCfg.Data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportRecording(ctx, extra); err != nil {
		t.Fatal(err)
	}
	if err := migration.CopyBlob(ctx, other.Blobs, dstBlobs, extra); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = migrate(ctx, src, dstCfg, "cli:test", func(int, int) {})
	if err == nil || !strings.Contains(err.Error(), extraID) {
		t.Fatalf("migrate into a target with a recording of its own: %v, want the difference reported", err)
	}
}

// While a server runs on the data directory, migrate refuses to start.
func TestMigrateRefusesWhileServerRuns(t *testing.T) {
	s := startServer(t, "")
	code, _, errOut := cli(t, "migrate", "--from", s.data, "--to-db", "postgres://callvault@127.0.0.1:1/callvault", "--to-blob", "s3://b/p")
	if code != 2 || !strings.Contains(errOut, "a callvault server or ingest is using "+s.data) || !strings.Contains(errOut, "callvault: hint: stop it first") {
		t.Fatalf("migrate while serving: exit %d, %q; want a refusal", code, errOut)
	}
}

// migrate reads the source's keys from --from-keys (default <from>/keys) and never creates any.
func TestMigrateSourceKeys(t *testing.T) {
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	ingestN(t, src, 2, "keys", time.Now().Add(-time.Hour))
	src.Close()
	moved := filepath.Join(t.TempDir(), "keys")
	if err := os.Rename(filepath.Join(data, "keys"), moved); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "migrate", "--from", data, "--to-db", "postgres://callvault@127.0.0.1:1/callvault", "--to-blob", "s3://b/p")
	if code == 0 || !strings.Contains(errOut, "the vault's keys are not in "+filepath.Join(data, "keys")) {
		t.Fatalf("migrate without the source's keys: exit %d, %q; want a refusal naming the key directory", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "keys")); !os.IsNotExist(err) {
		t.Fatalf("migrate created keys in the source (%v)", err)
	}

	dbURL := pgtest.NewTestDatabase(t)
	blobURL := "file://" + t.TempDir()
	code, out, errOut := cli(t, "migrate", "--from", data, "--from-keys", moved, "--to-db", dbURL, "--to-blob", blobURL)
	if code != 0 || !strings.Contains(out, "migrated 2 recordings") {
		t.Fatalf("migrate with --from-keys: exit %d %s %s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "keys")); !os.IsNotExist(err) {
		t.Fatalf("migrate created keys in the source (%v)", err)
	}
	// The target holds its nodes to the source's keys.
	code, _, errOut = cli(t, "audit", "verify", "--data", t.TempDir(), "--db", dbURL, "--blob", blobURL)
	if code == 0 || !strings.Contains(errOut, "point --keys") {
		t.Errorf("audit verify of the target without the vault's keys: exit %d %q, want a refusal", code, errOut)
	}
	if code, out, errOut := cli(t, "audit", "verify", "--data", t.TempDir(), "--db", dbURL, "--blob", blobURL, "--keys", moved); code != 0 {
		t.Errorf("audit verify of the target with the vault's keys: %d %s %s", code, out, errOut)
	}
}

// migrate verifies the target against the source's witness file wherever the source kept it
// (--from-witness): a tail cut together with its checkpoint rows, which only that file shows,
// stops the migration. The source's checkpoints go on being written there, not to <keys>.
func TestMigrateFromWitness(t *testing.T) {
	data := t.TempDir()
	witness := filepath.Join(t.TempDir(), "witness.jsonl")
	src := mainFor(t, "--data", data, "--audit-witness", witness, "--checkpoint-every", "2")
	ingestN(t, src, 3, "from-witness", time.Now().Add(-time.Hour))
	head, err := src.Catalogue.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for range 4 { // events after the last ingest, witnessed: cutting them leaves every row explained
		if err := src.audit(context.Background(), "cli:test", callvault.ActionTokenList, "tokens", nil); err != nil {
			t.Fatal(err)
		}
	}
	src.Close()
	defaultWitness := filepath.Join(data, "keys", audit.WitnessFile)

	cut := copyDir(t, data)
	cutTailWithCheckpoints(t, cut, head.Seq)
	code, out, errOut := cli(t, "migrate", "--from", cut, "--from-witness", witness, "--to-db", pgtest.NewTestDatabase(t), "--to-blob", "file://"+t.TempDir())
	if code == 0 || !strings.Contains(errOut, "but the witness file") {
		t.Fatalf("migrate of a cut source with its witness: exit %d, want a refusal naming the witness:\n%s%s", code, out, errOut)
	}

	if code, _, errOut := cli(t, "migrate", "--from", data, "--from-witness", filepath.Join(t.TempDir(), "none.jsonl"),
		"--to-db", "postgres://callvault@127.0.0.1:1/callvault", "--to-blob", "s3://b/p"); code != 2 || !strings.Contains(errOut, "cannot read the source's audit witness file") {
		t.Errorf("migrate with a missing --from-witness: exit %d %q, want a usage error", code, errOut)
	}

	before, err := audit.ReadWitness(witness)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut = cli(t, "migrate", "--from", data, "--from-witness", witness, "--to-db", pgtest.NewTestDatabase(t), "--to-blob", "file://"+t.TempDir())
	if code != 0 || strings.Contains(out, "note:") {
		t.Fatalf("migrate with --from-witness: exit %d:\n%s%s", code, out, errOut)
	}
	after, err := audit.ReadWitness(witness)
	if err != nil || len(after.Checkpoints) <= len(before.Checkpoints) {
		t.Errorf("the migration's checkpoint was not written to --from-witness (%d lines before, %v)", len(before.Checkpoints), err)
	}
	if _, err := os.Stat(defaultWitness); !os.IsNotExist(err) {
		t.Errorf("migrate wrote a witness file at the default path (%v)", err)
	}
}
