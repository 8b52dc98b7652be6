package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/sqlite"
	"github.com/callvault/callvault/internal/vault"
)

// epochNode is one node of a vault: its data directory (catalogue.db and blobs/), the key
// directory it was given, and an injected clock.
type epochNode struct {
	data, keysDir string
	db            *sqlite.DB
	blobs         *fileblob.Store
	keys          *vault.Keys
	svc           *archive.Service
	epochs        *vault.Epochs
	clock         *time.Time
}

func openEpochNode(t testing.TB, data, keysDir string, clock *time.Time) *epochNode {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := fileblob.Open(filepath.Join(data, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := vault.LoadKeys(keysDir)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return *clock }
	n := &epochNode{data: data, keysDir: keysDir, db: db, blobs: blobs, keys: keys, clock: clock,
		svc:    &archive.Service{Catalogue: db, Blobs: blobs, Keys: keys, RetentionMonths: 6, Now: now},
		epochs: &vault.Epochs{Keys: keys, Catalogue: db, Now: now}}
	if _, err := n.epochs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

func (n *epochNode) ingest(t *testing.T, sourceID string, started time.Time, audio []byte) *callvault.Recording {
	t.Helper()
	r := rec(sourceID)
	r.StartedAt = started
	got, _, err := n.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "test", Recording: r, Audio: bytes.NewReader(audio)})
	if err != nil {
		t.Fatalf("ingest %s: %v", sourceID, err)
	}
	return got
}

// read opens a recording and returns its plaintext, or the error.
func (n *epochNode) read(id string) ([]byte, error) {
	a, err := n.svc.Open(context.Background(), "test", id, "check")
	if err != nil {
		return nil, err
	}
	defer a.Close()
	return io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
}

func london(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, callvault.DefaultZone())
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// grepTree returns the files under dir that contain s.
func grepTree(t *testing.T, dir, s string) []string {
	t.Helper()
	var hits []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(s)) {
				hits = append(hits, p)
			}
		}
		return nil
	})
	return hits
}

func TestIngestSealsToTheEpochOfTheRetentionEndMonth(t *testing.T) {
	root := t.TempDir()
	keysDir := filepath.Join(root, "keys")
	if _, _, err := vault.LoadOrCreateKeys(keysDir); err != nil {
		t.Fatal(err)
	}
	clock := london(2027, 1, 10)
	n := openEpochNode(t, filepath.Join(root, "data"), keysDir, &clock)
	for _, tc := range []struct {
		started time.Time
		want    string
	}{
		{london(2027, 1, 9), "2027-07"},
		{london(2026, 12, 31), "2027-06"}, // 31 December + 6 months = 30 June
		// 00:30 BST on 1 September is 23:30 UTC on 31 August: London's months count.
		{time.Date(2026, 8, 31, 23, 30, 0, 0, time.UTC), "2027-03"},
		{london(2026, 3, 1), "2027-01"}, // expired on arrival: the current month's epoch
	} {
		r := n.ingest(t, "seal-"+tc.started.String(), tc.started, wav(t, 1))
		if r.KeyEpoch != tc.want {
			t.Errorf("started %s, retained until %s: epoch %q, want %q", tc.started, r.RetainUntil, r.KeyEpoch, tc.want)
		}
		stored, _ := n.db.Recording(context.Background(), r.ID)
		id, _ := n.keys.Identity(tc.want)
		if _, err := age.DecryptHeader(stored.Header, id); err != nil {
			t.Errorf("the header is not sealed to %s: %v", tc.want, err)
		}
		if vid, _ := n.keys.Identity(vault.VaultEpoch); vid != nil {
			if _, err := age.DecryptHeader(stored.Header, vid); err == nil {
				t.Error("the vault key opens a new recording's header")
			}
		}
	}
}

// TestDataBackupCannotOpenDestroyedEpochs is the result issue 10 asks for: a data backup
// (catalogue and blobs) taken before an epoch was destroyed, restored next to today's key
// directory, opens none of that epoch's recordings, with a clear error, and holds no private key.
func TestDataBackupCannotOpenDestroyedEpochs(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	keysDir := filepath.Join(root, "keys")
	if _, _, err := vault.LoadOrCreateKeys(keysDir); err != nil {
		t.Fatal(err)
	}
	clock := london(2027, 1, 10)
	live := openEpochNode(t, filepath.Join(root, "data"), keysDir, &clock)

	audio := map[string][]byte{}
	add := func(name string, started time.Time) *callvault.Recording {
		audio[name] = wav(t, 1)
		return live.ingest(t, name, started, audio[name])
	}
	june := add("june", london(2026, 12, 20))     // retained to 20 June 2027
	june2 := add("june2", london(2026, 12, 1))    // retained to 1 June 2027
	july := add("july", london(2027, 1, 9))       // retained to 9 July 2027: still live
	expired := add("expired", london(2026, 6, 1)) // expired on arrival: sealed to January 2027, and left undeleted
	if june.KeyEpoch != "2027-06" || july.KeyEpoch != "2027-07" || expired.KeyEpoch != "2027-01" {
		t.Fatalf("epochs %s %s %s", june.KeyEpoch, july.KeyEpoch, expired.KeyEpoch)
	}
	// Every epoch's private key, as the key directory holds it today.
	secrets := map[string]string{}
	recorded, _ := live.db.VaultKeys(ctx)
	for _, k := range recorded {
		if k.Kind != callvault.VaultKeyRecipient {
			continue
		}
		id, err := live.keys.Identity(k.Epoch)
		if err != nil {
			t.Fatalf("epoch %q: %v", k.Epoch, err)
		}
		secrets[k.Epoch] = id.(*age.HybridIdentity).String()
	}
	if len(secrets) < 30 {
		t.Fatalf("only %d recipients recorded ahead", len(secrets))
	}

	// The data backup: a copy of the data directory (as `callvault backup` or a file-level
	// backup of a stopped node would take it).
	if err := live.db.Close(); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(root, "backup")
	copyTree(t, filepath.Join(root, "data"), backup)
	live = openEpochNode(t, filepath.Join(root, "data"), keysDir, &clock)

	// No private key is in the backup: not an epoch's, not the vault key's, not the seed.
	for ep, s := range secrets {
		if hits := grepTree(t, backup, s); len(hits) > 0 {
			t.Errorf("the data backup holds epoch %q's private key in %v", ep, hits)
		}
	}
	if hits := grepTree(t, backup, "AGE-SECRET-KEY"); len(hits) > 0 {
		t.Errorf("the data backup holds an age secret key in %v", hits)
	}
	seed, _ := os.ReadFile(filepath.Join(keysDir, vault.EpochDirName, vault.SeedFile))
	seedHex := strings.TrimSpace(strings.SplitN(string(seed), "seed: ", 2)[1])
	if hits := grepTree(t, backup, seedHex); len(hits) > 0 {
		t.Errorf("the data backup holds the epoch seed in %v", hits)
	}

	// Time passes: June ends, the sweep deletes June's recordings, the epochs that ended are
	// destroyed. January still seals the expired recording nobody deleted: out of order.
	clock = london(2027, 7, 2)
	for _, r := range []*callvault.Recording{june, june2} {
		if err := live.db.DeleteRecording(ctx, r.ID, &callvault.AuditEvent{Time: clock, Actor: "system",
			Action: callvault.ActionRecordingDelete, Object: "recording:" + r.ID, Detail: "{}"}); err != nil {
			t.Fatal(err)
		}
	}
	destroyed, err := live.epochs.DestroyEnded(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(destroyed, " ") != "2027-02 2027-03 2027-04 2027-05 2027-06" {
		t.Fatalf("destroyed %v, want February to June 2027 (January still seals a live recording)", destroyed)
	}
	if hits := grepTree(t, keysDir, secrets["2027-06"]); len(hits) > 0 {
		t.Errorf("the key directory still holds June's private key in %v", hits)
	}

	// Restore the old backup next to today's key directory.
	restored := filepath.Join(root, "restored")
	copyTree(t, backup, restored)
	old := openEpochNode(t, restored, keysDir, &clock)
	for _, r := range []*callvault.Recording{june, june2} {
		got, err := old.read(r.ID)
		if err == nil {
			t.Fatalf("the restored backup opened destroyed-epoch recording %s (%d bytes)", r.SourceID, len(got))
		}
		if !callvault.IsKind(err, callvault.KindNotFound) || !strings.Contains(err.Error(), "recording key destroyed") ||
			!strings.Contains(err.Error(), "2027-06") {
			t.Errorf("%s: err = %v, want KindNotFound recording key destroyed: key epoch 2027-06", r.SourceID, err)
		}
	}
	// What is still within retention (and the undeleted January recording) opens and matches.
	for _, r := range []*callvault.Recording{july, expired} {
		got, err := old.read(r.ID)
		if err != nil {
			t.Fatalf("%s from the backup: %v", r.SourceID, err)
		}
		sum := sha256.Sum256(got)
		if !bytes.Equal(got, audio[r.SourceID]) || hex.EncodeToString(sum[:]) != r.PlainSHA256 {
			t.Errorf("%s from the backup does not match its hash", r.SourceID)
		}
	}
	// The restored node refuses to seal anything to a destroyed epoch.
	if _, err := old.keys.Recipient("2027-06"); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("sealing to destroyed June on the restored node: err = %v, want KindConflict", err)
	}
	// And the live vault verifies, with the destruction audited with its recipient.
	rep, err := audit.Verify(ctx, live.db, live.blobs, live.keys.VerifyKey(), audit.VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("audit verify: %v %+v", err, rep.Problems)
	}
	evs, _ := live.db.AuditEvents(ctx, 0, 1000)
	n := 0
	for _, ev := range evs {
		if ev.Action == callvault.ActionKeyEpochDestroy && strings.Contains(ev.Detail, `"recipient":"age1pq1`) {
			n++
		}
	}
	if n != 5 {
		t.Errorf("%d key.epoch_destroy events with their recipient, want 5", n)
	}
}

// sealToVaultKey stores a recording the way ingest did before key epochs: its header sealed to
// the vault key (epoch "").
func sealToVaultKey(t testing.TB, n *epochNode, name string, started time.Time) (*callvault.Recording, []byte) {
	t.Helper()
	ctx := context.Background()
	plain := wav(t, 1)
	r, err := n.keys.Recipient(vault.VaultEpoch)
	if err != nil {
		t.Fatal(err)
	}
	id := callvault.NewID()
	key := archive.BlobKey(id, *n.clock)
	bw, _ := n.blobs.Create(ctx, key)
	h := sha256.New()
	header, w, err := vault.Seal(io.MultiWriter(bw, h), r)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	w.Close()
	if err := bw.Commit(); err != nil {
		t.Fatal(err)
	}
	ps := sha256.Sum256(plain)
	b, _ := n.blobs.Open(ctx, key)
	size := b.Size()
	b.Close()
	rec := &callvault.Recording{ID: id, StartedAt: started, Source: callvault.SourceUpload, SourceID: name,
		AnnouncementPlayed: callvault.AnnouncementUnknown, PlainSize: int64(len(plain)), PlainSHA256: hex.EncodeToString(ps[:]),
		StoredSize: size, StoredSHA256: hex.EncodeToString(h.Sum(nil)), BlobKey: key, KeyEpoch: vault.VaultEpoch, Header: header,
		RetainUntil: callvault.RetentionEnd(started, 6, nil).UTC(), CreatedAt: n.clock.UTC()}
	ev := &callvault.AuditEvent{Time: *n.clock, Actor: "test", Action: callvault.ActionRecordingIngest, Object: "recording:" + id,
		Detail: callvault.AuditDetail(map[string]any{audit.DetailPlainSHA256: rec.PlainSHA256, audit.DetailStoredSHA256: rec.StoredSHA256,
			audit.DetailPlainSize: rec.PlainSize, audit.DetailHeaderSHA256: audit.HeaderSHA256(header)})}
	if err := n.db.CreateRecording(ctx, rec, ev); err != nil {
		t.Fatal(err)
	}
	return rec, plain
}

func TestMigrateVaultKeyIsResumableAndVerified(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	keysDir := filepath.Join(root, "keys")
	if _, _, err := vault.LoadOrCreateKeys(keysDir); err != nil {
		t.Fatal(err)
	}
	clock := london(2027, 1, 10)
	n := openEpochNode(t, filepath.Join(root, "data"), keysDir, &clock)
	plain := map[string][]byte{}
	var recs []*callvault.Recording
	for i, started := range []time.Time{london(2026, 11, 3), london(2026, 12, 31), london(2027, 1, 2), london(2026, 1, 5), london(2026, 10, 1)} {
		r, p := sealToVaultKey(t, n, "old-"+string(rune('a'+i)), started)
		plain[r.ID] = p
		recs = append(recs, r)
	}
	gone := recs[4]
	if err := n.db.DeleteRecording(ctx, gone.ID, &callvault.AuditEvent{Time: clock, Actor: "system",
		Action: callvault.ActionRecordingDelete, Object: "recording:" + gone.ID, Detail: "{}"}); err != nil {
		t.Fatal(err)
	}

	// Two recordings per run; the run "crashes" (stops) after the first batch and resumes.
	moved, next, err := n.epochs.MigrateVaultKey(ctx, "", 2)
	if err != nil || moved != 2 || next == "" {
		t.Fatalf("first batch: moved %d next %q err %v", moved, next, err)
	}
	total := moved
	for after := ""; ; { // a new process starts the walk again from the beginning
		m, nx, err := n.epochs.MigrateVaultKey(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		total += m
		if nx == "" {
			break
		}
		after = nx
	}
	if total != 4 {
		t.Fatalf("re-wrapped %d recordings in all, want 4 (each once)", total)
	}
	want := map[string]string{recs[0].ID: "2027-05", recs[1].ID: "2027-06", recs[2].ID: "2027-07", recs[3].ID: "2027-01"}
	for id, ep := range want {
		r, err := n.db.Recording(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.KeyEpoch != ep {
			t.Errorf("%s: epoch %q, want %q", r.SourceID, r.KeyEpoch, ep)
		}
		vid, _ := n.keys.Identity(vault.VaultEpoch)
		if _, err := age.DecryptHeader(r.Header, vid); err == nil {
			t.Errorf("%s: the vault key still opens its header", r.SourceID)
		}
		got, err := n.read(id)
		if err != nil || !bytes.Equal(got, plain[id]) {
			t.Errorf("%s after migration: %v", r.SourceID, err)
		}
	}
	// The blobs were not touched: the stored hashes still match (audit verify re-hashes them),
	// and the chain of re-wraps leads from each ingest's header to the row's.
	rep, err := audit.Verify(ctx, n.db, n.blobs, n.keys.VerifyKey(), audit.VerifyOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("audit verify: %v %+v", err, rep.Problems)
	}
	evs, _ := n.db.AuditEvents(ctx, 0, 1000)
	rewraps := 0
	for _, ev := range evs {
		if ev.Action == callvault.ActionRecordingRewrap {
			rewraps++
		}
	}
	if rewraps != 4 {
		t.Errorf("%d recording.rewrap events, want 4", rewraps)
	}

	// A hold moves a recording to the hold key and back, each move audited and verified.
	r, _ := n.db.Recording(ctx, recs[0].ID)
	held, err := n.epochs.Rewrap(ctx, r, callvault.HoldEpoch, "user:dpo", "hold placed: case 7")
	if err != nil || held.KeyEpoch != callvault.HoldEpoch {
		t.Fatalf("hold: %v", err)
	}
	if _, err := n.epochs.Rewrap(ctx, r, "2027-06", "user:dpo", "stale"); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("re-wrap from a stale header: err = %v, want KindConflict", err)
	}
	back, err := n.epochs.Rewrap(ctx, held, n.epochs.EpochFor(held), "user:dpo", "hold released")
	if err != nil || back.KeyEpoch != "2027-05" {
		t.Fatalf("release: %v %+v", err, back)
	}
	if got, err := n.read(back.ID); err != nil || !bytes.Equal(got, plain[back.ID]) {
		t.Errorf("after hold and release: %v", err)
	}
	if rep, err := audit.Verify(ctx, n.db, n.blobs, n.keys.VerifyKey(), audit.VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("audit verify after the hold: %v %+v", err, rep.Problems)
	}
	// A retention change moved a recording's end to another month (the retention work updates
	// retain_until, then re-wraps; if it stopped in between, the next job run re-wraps).
	conn, err := sql.Open("sqlite", n.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	newEnd := london(2027, 11, 3).UTC()
	if _, err := conn.Exec(`UPDATE recordings SET retain_until = ? WHERE id = ?`, newEnd.UnixMicro(), recs[1].ID); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	r1, _ := n.db.Recording(ctx, recs[1].ID)
	if !r1.RetainUntil.Equal(newEnd) {
		t.Fatalf("retain_until not changed: %s", r1.RetainUntil)
	}
	if moved, _, err := n.epochs.MigrateVaultKey(ctx, "", 100); err != nil || moved != 0 {
		t.Fatalf("the vault-key migration moved %d after a retention change, want 0 (%v)", moved, err)
	}
	if moved, _, err := n.epochs.Reconcile(ctx, "", 100); err != nil || moved != 1 {
		t.Fatalf("re-wrap after a retention change: moved %d, %v", moved, err)
	}
	if r1, _ = n.db.Recording(ctx, recs[1].ID); r1.KeyEpoch != "2027-11" {
		t.Errorf("after the retention change: epoch %s, want 2027-11", r1.KeyEpoch)
	}
	if moved, _, _ := n.epochs.Reconcile(ctx, "", 100); moved != 0 {
		t.Errorf("a second run moved %d recordings, want none", moved)
	}
	if rep, err := audit.Verify(ctx, n.db, n.blobs, n.keys.VerifyKey(), audit.VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("audit verify after the retention change: %v %+v", err, rep.Problems)
	}
	// The vault key is being retired: nothing is re-wrapped to it.
	if _, err := n.epochs.Rewrap(ctx, back, "", "x", "y"); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("re-wrap to the vault key: err = %v, want KindInvalid", err)
	}
}

// Recordings stored before key epochs were sealed to the vault key; a data backup from then
// holds those headers. Retiring the vault key (after moving every recording into its epoch)
// makes that backup unreadable too, on every node.
func TestRetiredVaultKeyOpensNoOldBackup(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	keysDir, keysB := filepath.Join(root, "keys"), filepath.Join(root, "keys-b")
	if _, _, err := vault.LoadOrCreateKeys(keysDir); err != nil {
		t.Fatal(err)
	}
	copyTree(t, keysDir, keysB)
	clock := london(2027, 1, 10)
	n := openEpochNode(t, filepath.Join(root, "data"), keysDir, &clock)
	old, plain := sealToVaultKey(t, n, "legacy", london(2026, 12, 1))
	kept, keptPlain := sealToVaultKey(t, n, "legacy-kept", london(2027, 1, 2))
	n.db.Close()
	copyTree(t, filepath.Join(root, "data"), filepath.Join(root, "backup")) // before key epochs
	n = openEpochNode(t, filepath.Join(root, "data"), keysDir, &clock)
	other := openEpochNode(t, filepath.Join(root, "data"), keysB, &clock)

	moved, err := n.epochs.RetireVaultKey(ctx, "cli:root")
	if err != nil || moved != 2 {
		t.Fatalf("RetireVaultKey: moved %d, %v", moved, err)
	}
	if _, err := os.Stat(filepath.Join(keysDir, vault.IdentityFile)); !os.IsNotExist(err) {
		t.Errorf("vault.key is still there (%v)", err)
	}
	// The other node deletes its copy at its next sync; a restart keeps it retired.
	if _, err := other.epochs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(keysB, vault.IdentityFile)); !os.IsNotExist(err) {
		t.Errorf("node B's vault.key is still there (%v)", err)
	}
	for _, dir := range []string{keysDir, keysB} {
		k, _, err := vault.LoadOrCreateKeys(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, vault.IdentityFile)); !os.IsNotExist(err) {
			t.Errorf("%s: a new vault key was made after retirement", dir)
		}
		if !k.CanOpen() {
			t.Errorf("%s: keys with a retired vault key cannot open", dir)
		}
	}

	// The live vault still opens both recordings (moved into their epochs) and verifies.
	for r, p := range map[string][]byte{old.ID: plain, kept.ID: keptPlain} {
		if got, err := n.read(r); err != nil || !bytes.Equal(got, p) {
			t.Errorf("live recording %s: %v", r, err)
		}
	}
	if rep, err := audit.Verify(ctx, n.db, n.blobs, n.keys.VerifyKey(), audit.VerifyOptions{}); err != nil || !rep.OK() {
		t.Fatalf("audit verify: %v %+v", err, rep.Problems)
	}
	// The backup from before key epochs opens nothing next to today's key directory.
	restored := openEpochNode(t, filepath.Join(root, "backup"), keysDir, &clock)
	for _, id := range []string{old.ID, kept.ID} {
		got, err := restored.read(id)
		if err == nil || !callvault.IsKind(err, callvault.KindNotFound) || !strings.Contains(err.Error(), "recording key destroyed") {
			t.Errorf("restored pre-epoch recording: %d bytes, err %v; want recording key destroyed", len(got), err)
		}
	}
	// Nothing is sealed to the vault key again.
	if _, err := n.keys.Recipient(vault.VaultEpoch); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("sealing to the retired vault key: %v", err)
	}
}

// BenchmarkMigrateVaultKey: recordings moved from the vault key to their epochs per second on
// SQLite (each re-wrap is its own audited transaction), headers only.
func BenchmarkMigrateVaultKey(b *testing.B) {
	root := b.TempDir()
	keysDir := filepath.Join(root, "keys")
	if _, _, err := vault.LoadOrCreateKeys(keysDir); err != nil {
		b.Fatal(err)
	}
	clock := london(2027, 1, 10)
	n := openEpochNode(b, filepath.Join(root, "data"), keysDir, &clock)
	for i := range b.N {
		sealToVaultKey(b, n, fmt.Sprintf("bench-%d", i), london(2026, 12, 1+i%28))
	}
	b.ResetTimer()
	moved := 0
	for after := ""; ; {
		m, next, err := n.epochs.MigrateVaultKey(context.Background(), after, 1000)
		if err != nil {
			b.Fatal(err)
		}
		moved += m
		if next == "" {
			break
		}
		after = next
	}
	if moved != b.N {
		b.Fatalf("moved %d of %d", moved, b.N)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "recordings/s")
}

// A node that starts after a month was destroyed out of order (an earlier month still seals a
// live recording, say a held one whose move to the hold key is pending) keeps the earlier
// month: its ratchet moves past the destroyed month only after writing the live months before
// it as files, which it knows from the catalogue's recipients, read before the destructions are
// applied. Before, a freshly started node (or one restarted after a crash in the middle of a
// destruction) applied them knowing no recipient and lost the earlier month for good.
func TestNodeStartingAfterAnOutOfOrderDestructionKeepsTheEarlierMonth(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	keysA, keysB := filepath.Join(root, "keys-a"), filepath.Join(root, "keys-b")
	if _, _, err := vault.LoadOrCreateKeys(keysA); err != nil {
		t.Fatal(err)
	}
	copyTree(t, keysA, keysB) // node B's copy, made once
	clock := london(2027, 1, 10)
	a := openEpochNode(t, filepath.Join(root, "data"), keysA, &clock)
	audioFeb := wav(t, 1)
	feb := a.ingest(t, "feb", london(2026, 8, 15), audioFeb) // retained to 15 February 2027
	mar := a.ingest(t, "mar", london(2026, 9, 15), wav(t, 1))
	if feb.KeyEpoch != "2027-02" || mar.KeyEpoch != "2027-03" {
		t.Fatalf("epochs %s %s", feb.KeyEpoch, mar.KeyEpoch)
	}
	if err := a.db.DeleteRecording(ctx, mar.ID, &callvault.AuditEvent{Time: clock, Actor: "system",
		Action: callvault.ActionRecordingDelete, Object: "recording:" + mar.ID, Detail: "{}"}); err != nil {
		t.Fatal(err)
	}
	clock = london(2027, 4, 10)
	destroyed, err := a.epochs.DestroyEnded(ctx)
	if err != nil || !slices.Contains(destroyed, "2027-03") || slices.Contains(destroyed, "2027-02") {
		t.Fatalf("DestroyEnded = %v, %v; want March destroyed and February kept", destroyed, err)
	}
	for _, dir := range []string{keysB, keysB} { // started, then restarted
		b := openEpochNode(t, filepath.Join(root, "data"), dir, &clock)
		if got, err := b.read(feb.ID); err != nil || !bytes.Equal(got, audioFeb) {
			t.Fatalf("node B, started after March's destruction, cannot open February's live recording: %v", err)
		}
		b.db.Close()
	}
	if got, err := a.read(feb.ID); err != nil || !bytes.Equal(got, audioFeb) {
		t.Fatalf("node A: %v", err)
	}
}
