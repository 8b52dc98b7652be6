package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/postgres"
	"github.com/callvault/callvault/internal/postgres/pgtest"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/sqlite"
	"github.com/callvault/callvault/internal/vault"
)

// monthsAgo returns noon on the 15th of the month n months before now's, in the vault's zone
// (the 15th: adding or taking months never spills into another month).
func monthsAgo(n int) time.Time {
	now := time.Now().In(callvault.DefaultZone())
	return time.Date(now.Year(), now.Month()-time.Month(n), 15, 12, 0, 0, 0, callvault.DefaultZone())
}

// pastEpochs makes a vault whose key epochs began months ago: node m records the recipients of
// the months from `from` on (as a node running then would have) and ingests, at that time, one
// recording per entry of started. It returns the recordings, each sealed to the month of its
// retention end.
func pastEpochs(t *testing.T, m *Main, from time.Time, started ...time.Time) []*callvault.Recording {
	t.Helper()
	ctx := context.Background()
	m.Epochs.Now = func() time.Time { return from }
	if _, err := m.Epochs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	m.Archive.Now = func() time.Time { return from }
	var out []*callvault.Recording
	for i, s := range started {
		id := ingestN(t, m, 1, "past-"+s.Format("2006-01")+"-"+string(rune('a'+i)), s)[0]
		r, err := m.Catalogue.Recording(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	m.Epochs.Now, m.Archive.Now = nil, nil
	return out
}

// identitySecret returns the private identity of a key epoch as m derives it, to grep for.
func identitySecret(t *testing.T, m *Main, epoch string) string {
	t.Helper()
	id, err := m.Keys.Identity(epoch)
	if err != nil {
		t.Fatalf("identity of %s: %v", epoch, err)
	}
	return id.(*age.HybridIdentity).String()
}

// TestCrashDuringEpochDestruction kills a real server with SIGKILL at the one point where an
// epoch's destruction is half done: the catalogue records it, the node's key directory still
// holds the identity (here as a file of its own, epochs/YYYY-MM.key: a later month was
// destroyed first). After a restart the destruction completes: the key file is gone from the
// node's key directory and from a second node's copy, fsck reports nothing and the audit log
// verifies. The server stops at that point through CALLVAULT_TEST_CRASH_POINT (crashpoint.go),
// so the kill never races the work.
func TestCrashDuringEpochDestruction(t *testing.T) {
	testCrashDuringEpochDestruction(t, nil, func(ctx context.Context, data string) (callvault.EpochStore, func() error, error) {
		db, err := sqlite.Open(ctx, filepath.Join(data, "catalogue.db"))
		if err != nil {
			return nil, nil, err
		}
		return db, db.Close, nil
	})
}

// The same on PostgreSQL.
func TestCrashDuringEpochDestructionPostgres(t *testing.T) {
	db := pgtest.NewTestDatabase(t)
	testCrashDuringEpochDestruction(t, []string{"--db", db}, func(ctx context.Context, _ string) (callvault.EpochStore, func() error, error) {
		cat, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, nil, err
		}
		return cat, cat.Close, nil
	})
}

// testCrashDuringEpochDestruction runs the crash test on the catalogue of catFlags, which open
// opens as the test's own view (without a node's key work).
func testCrashDuringEpochDestruction(t *testing.T, catFlags []string,
	open func(ctx context.Context, data string) (callvault.EpochStore, func() error, error)) {
	ctx := context.Background()
	data := t.TempDir()
	keysA := filepath.Join(t.TempDir(), "keys-a")
	flagsA := append([]string{"--data", data, "--keys", keysA}, catFlags...)
	flagsB := func(keys string) []string { return append([]string{"--data", data, "--keys", keys}, catFlags...) }
	m := mainFor(t, flagsA...)

	// Four months ago: a call whose retention ends next month (month1); months 0 and 2 seal
	// nothing. Today: two calls well within retention.
	t0 := monthsAgo(4)
	month1 := callvault.EpochFor(t0.AddDate(0, 1, 0), t0)
	month2 := callvault.EpochFor(t0.AddDate(0, 2, 0), t0)
	past := pastEpochs(t, m, t0, t0.AddDate(0, 1-m.Config.RetentionMonths, 0))
	if past[0].KeyEpoch != month1 {
		t.Fatalf("the past call is sealed to %s, want %s", past[0].KeyEpoch, month1)
	}
	live := ingestN(t, m, 2, "live", time.Now())
	secret := identitySecret(t, m, month1)

	// Ended, empty months go (month2 among them, before month1: the key directory keeps
	// month1 as a file of its own); month1 stays while the call seals it.
	got, err := m.Epochs.DestroyEnded(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(got, " "), month2) || strings.Contains(strings.Join(got, " "), month1) {
		t.Fatalf("destroyed %v; want %s and not %s", got, month2, month1)
	}
	keyFile := filepath.Join(vault.EpochDirName, month1+".key")
	if _, err := os.Stat(filepath.Join(keysA, keyFile)); err != nil {
		t.Fatalf("month1's identity is not a file of its own: %v", err)
	}
	// A hold moves the call to the hold key: month1 is now empty and ended, and the next
	// key-epochs job destroys it (the retention sweep, deleting nothing, destroys nothing).
	holds, err := m.holdService()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holds.Place(ctx, retention.PlaceRequest{RecordingID: past[0].ID, Reason: "claim", ReviewAt: time.Now().AddDate(1, 0, 0), Actor: "dpo"}); err != nil {
		t.Fatal(err)
	}
	m.Close()
	// Node B's copy of the key directory, taken now (it holds month1's file too).
	keysB := filepath.Join(t.TempDir(), "keys-b")
	if out, err := exec.Command("cp", "-a", keysA, keysB).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}

	stopped := filepath.Join(t.TempDir(), "stopped")
	p := startProcessEnv(t, []string{crashPointEnv + "=" + crashPointEpochDestroyed + ":" + stopped},
		append([]string{"serve", "--http", "127.0.0.1:0", "--log-level", "warn", "--lease-ttl", "2s"}, flagsA...)...)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for {
		if b, err := os.ReadFile(stopped); err == nil && strings.HasSuffix(string(b), "\n") {
			if at := strings.TrimSpace(string(b)); at != month1 {
				t.Fatalf("the server stopped at the destruction of %s, want %s", at, month1)
			}
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("the server never reached the epoch destruction:\n%s", p.out.String())
		}
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()

	// The crash fell in the window: recorded destroyed, the key file still there.
	cat, closeCat, err := open(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	done, err := cat.DestroyedEpochs(ctx)
	closeCat()
	if err != nil {
		t.Fatal(err)
	}
	recorded := false
	for _, d := range done {
		recorded = recorded || d.Epoch == month1
	}
	if !recorded {
		t.Fatalf("the catalogue does not record %s's destruction after the kill: %+v", month1, done)
	}
	if _, err := os.Stat(filepath.Join(keysA, keyFile)); err != nil {
		t.Fatalf("the key file was gone before the kill, so the test missed the window: %v", err)
	}

	// Restart: the key file goes at start; one key-epochs run later all is quiet.
	var once sync.Once
	ran := make(chan struct{})
	s := startServerWith(t, func(m *Main) {
		m.onJobPoll = func(job, _ string, held bool) {
			if job == keyEpochsJob && held {
				once.Do(func() { close(ran) })
			}
		}
	}, append([]string{"--lease-ttl", "2s"}, flagsA...)...)
	<-ran
	s.stop()
	if _, err := os.Stat(filepath.Join(keysA, keyFile)); !os.IsNotExist(err) {
		t.Errorf("node A still has %s after its restart: %v", keyFile, err)
	}
	// Node B starts after the destruction: it deletes its copy on sight.
	b := mainFor(t, flagsB(keysB)...)
	if _, err := os.Stat(filepath.Join(keysB, keyFile)); !os.IsNotExist(err) {
		t.Errorf("node B still has %s after its start: %v", keyFile, err)
	}
	if _, err := b.Keys.Identity(month1); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("node B still opens %s: %v", month1, err)
	}
	for _, dir := range []string{keysA, keysB} {
		if hits := grepDir(t, dir, []byte(secret)); len(hits) > 0 {
			t.Errorf("%s's identity is still in %v", month1, hits)
		}
	}
	// The held call (on the hold key) and today's calls still open and match their hashes.
	for _, id := range append(live, past[0].ID) {
		if err := openMatches(t, b, id); err != nil {
			t.Errorf("recording %s after the crash: %v", id, err)
		}
	}
	b.Close()

	if code, out, e := cli(t, append([]string{"fsck"}, flagsA...)...); code != 0 || !strings.Contains(out, "0 problems") {
		t.Fatalf("fsck after the crash: exit %d\n%s\n%s", code, out, e)
	}
	if code, out, e := cli(t, append([]string{"audit", "verify"}, flagsA...)...); code != 0 {
		t.Fatalf("audit verify after the crash: exit %d\n%s\n%s", code, out, e)
	}
}
