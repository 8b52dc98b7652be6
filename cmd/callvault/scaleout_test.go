package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/blobtest"
	"github.com/callvault/callvault/internal/postgres/pgtest"
)

// scaleOut gives a fresh PostgreSQL database and a fresh bucket on a real S3 server, with the
// S3 credentials in this process's environment (for in-process nodes) and returned for child
// processes.
func scaleOut(t testing.TB) (dbURL, blobURL string, env []string) {
	t.Helper()
	dbURL = pgtest.NewTestDatabase(t)
	gw := blobtest.NewVersityGW(t)
	if err := gw.CreateBucket(context.Background(), "vault"); err != nil {
		t.Fatal(err)
	}
	env = gw.Env()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return dbURL, gw.URL("vault", "clinic"), env
}

func mainFor(t *testing.T, args ...string) *Main {
	t.Helper()
	fs := newFlagSet(testEnv(io.Discard, io.Discard), "t", "t", true)
	if err := fs.Parse(append(args, "--log-level", "error")); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(fs, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, io.Discard, io.Discard)
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func ingestN(t *testing.T, m *Main, n int, prefix string, started time.Time) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.05)
		rec := &callvault.Recording{StartedAt: started, Source: callvault.SourceImport, SourceID: fmt.Sprintf("%s-%d", prefix, i),
			Parties: []callvault.Party{{Name: fmt.Sprintf("Person %d", i%50), Number: callvault.Number{E164: fmt.Sprintf("+4477009%05d", i), Raw: "x"}}}}
		r, _, err := m.Archive.Ingest(context.Background(), callvault.IngestRequest{Actor: "test", Recording: rec, Audio: bytes.NewReader(wav)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

// TestTwoNodes: two serve processes on one PostgreSQL and one bucket. A recording ingested on
// node A plays on node B; node A is killed during a retention sweep and node B finishes it; the
// audit chain verifies.
func TestTwoNodes(t *testing.T) {
	dbURL, blobURL, s3env := scaleOut(t)
	keys := t.TempDir()
	common := []string{"--db", dbURL, "--blob", blobURL, "--keys", keys, "--lease-ttl", "2s", "--job-interval", "1h"}

	// Recordings whose retention has ended, seeded before the nodes start.
	seed := mainFor(t, append([]string{"--data", t.TempDir()}, common...)...)
	expired := ingestN(t, seed, 150, "old", time.Now().AddDate(-1, 0, 0))
	seed.Close()

	// Node A deletes at most 25 recordings a second, so that it is still sweeping when killed.
	a := startProcessEnv(t, s3env, append([]string{"serve", "--data", t.TempDir(), "--http", "127.0.0.1:0", "--log-level", "warn",
		"--retention-rate", "25"}, common...)...)
	token := createTokenArgs(t, append([]string{"--data", t.TempDir()}, common...), "recorder", "pbx")

	// Node B runs in this process so that the test can play and watch deletions.
	var deletedByB atomic.Int64
	b := startServerWith(t, func(m *Main) { m.OnRetentionDelete = func(string) { deletedByB.Add(1) } },
		append([]string{"--data", t.TempDir()}, common...)...)

	// Ingest on A, play on B.
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 1)
	r := uploadWAV(t, a.url, token, "two-nodes-1", wav)
	if r.status != 201 {
		t.Fatalf("upload to node A: %d %s", r.status, r.raw)
	}
	au, err := b.main.Archive.Open(context.Background(), "test", r.body["id"].(string), "two-node check")
	if err != nil {
		t.Fatalf("open on node B: %v", err)
	}
	got, _ := io.ReadAll(io.NewSectionReader(au, 0, au.Size()))
	au.Close()
	if !bytes.Equal(got, wav) {
		t.Fatal("recording from node A does not play identically on node B")
	}

	// Kill A while it sweeps: wait until some but not all expired recordings are gone.
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		n := countEvents(t, b.main, callvault.ActionRecordingDelete)
		if n > 0 && deletedByB.Load() == 0 {
			if n >= len(expired) {
				t.Fatal("node A finished the whole sweep before it could be killed; nothing to fail over")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node A did not start sweeping (deletes by B: %d)", deletedByB.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	a.cmd.Process.Signal(syscall.SIGKILL)
	a.cmd.Wait()
	killedAt := countEvents(t, b.main, callvault.ActionRecordingDelete)
	t.Logf("node A killed after %d of %d deletions", killedAt, len(expired))

	deadline = time.Now().Add(60 * time.Second)
	for countEvents(t, b.main, callvault.ActionRecordingDelete) < len(expired) {
		if time.Now().After(deadline) {
			t.Fatalf("node B did not finish the sweep: %d of %d deleted", countEvents(t, b.main, callvault.ActionRecordingDelete), len(expired))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if deletedByB.Load() == 0 {
		t.Error("node B deleted nothing: it did not take over the sweep")
	}
	// Each expired recording was deleted exactly once, and the recent one survived.
	if n := countEvents(t, b.main, callvault.ActionRecordingDelete); n != len(expired) {
		t.Errorf("%d delete events for %d recordings", n, len(expired))
	}
	for _, id := range expired {
		if _, err := b.main.Catalogue.Recording(ctx, id); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("expired %s still there: %v", id, err)
		}
	}
	if _, err := b.main.Catalogue.Recording(ctx, r.body["id"].(string)); err != nil {
		t.Errorf("recent recording gone: %v", err)
	}
	b.stop()
	// A crash of A may leave the blob of one shredded recording; verify checks live recordings.
	code, out, errOut := cli(t, append([]string{"audit", "verify", "--data", t.TempDir()}, common...)...)
	if code != 0 {
		t.Fatalf("audit verify: %s%s", out, errOut)
	}
}

func countEvents(t *testing.T, m *Main, action string) int {
	t.Helper()
	return len(events(t, m, action))
}

// TestMigrateToScaleOut moves an embedded installation with 1,000 recordings to PostgreSQL and
// S3, is interrupted once, resumes, and ends with every recording playable and verified.
func TestMigrateToScaleOut(t *testing.T) {
	dbURL, blobURL, _ := scaleOut(t)
	data := t.TempDir()
	src := mainFor(t, "--data", data)
	ids := ingestN(t, src, 1000, "mig", time.Now().Add(-time.Hour))
	dstCfg := DefaultConfig()
	dstCfg.DB, dstCfg.Blob = dbURL, blobURL

	ctx, cancel := context.WithCancel(context.Background())
	_, err := migrate(ctx, src, dstCfg, "cli:test", func(done, total int) {
		if done == 400 {
			cancel() // the operator presses ^C
		}
	})
	if err == nil {
		t.Fatal("interrupted migration reported success")
	}
	rep, err := migrate(context.Background(), src, dstCfg, "cli:test", func(int, int) {})
	if err != nil {
		t.Fatalf("resumed migration: %v", err)
	}
	if rep.Present < 400 || rep.Copied+rep.Present != 1000 {
		t.Errorf("resume copied %d and found %d already there", rep.Copied, rep.Present)
	}
	src.Close()
	// The command line reports the same, and is idempotent once done.
	code, out, errOut := cli(t, "migrate", "--from", data, "--to-db", dbURL, "--to-blob", blobURL)
	if code != 0 || !strings.Contains(out, "(1000 already there)") {
		t.Fatalf("migrate command: %d %s %s", code, out, errOut)
	}

	keys := data + "/keys"
	dst := mainFor(t, "--data", t.TempDir(), "--db", dbURL, "--blob", blobURL, "--keys", keys)
	for i, id := range ids {
		if i%10 != 0 && i != len(ids)-1 {
			continue // every tenth is read back in full; audit verify below hashes every blob
		}
		a, err := dst.Archive.Open(context.Background(), "test", id, "migration check")
		if err != nil {
			t.Fatalf("open migrated %s: %v", id, err)
		}
		b := make([]byte, 16)
		if _, err := a.ReadAt(b, 0); err != nil || string(b[:4]) != "RIFF" {
			t.Fatalf("migrated %s does not decrypt to a WAV: %v %q", id, err, b)
		}
		a.Close()
	}
	found, err := dst.Catalogue.FindRecordings(context.Background(), callvault.RecordingFilter{
		Subjects: []callvault.Subject{{Kind: callvault.SubjectName, Value: "person 7"}}, Limit: 1000})
	if err != nil || len(found) != 20 {
		t.Errorf("subject search after migration found %d, want 20 (%v)", len(found), err)
	}
	dst.Close()
	code, out, errOut = cli(t, "audit", "verify", "--data", t.TempDir(), "--db", dbURL, "--blob", blobURL, "--keys", keys)
	if code != 0 || !strings.Contains(out, "recordings: 1000") {
		t.Fatalf("audit verify of the migrated vault: %s%s", out, errOut)
	}
}
