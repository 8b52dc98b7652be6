package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// witnessedVault is a test vault whose checkpointer also writes a witness file.
func witnessedVault(t *testing.T, events int) (*testVault, *Witness) {
	t.Helper()
	v := newTestVault(t, 0, 0)
	w := &Witness{Path: filepath.Join(t.TempDir(), WitnessFile)}
	v.cp.Witness = w
	for i := range events {
		v.append(t, &callvault.AuditEvent{Time: t0.Add(time.Duration(i) * time.Minute), Actor: "system", Action: callvault.ActionRecordingOpen})
	}
	return v, w
}

func readWitness(t *testing.T, w *Witness) []*callvault.Checkpoint {
	t.Helper()
	c, err := ReadWitness(w.Path)
	if err != nil {
		t.Fatal(err)
	}
	return c.Checkpoints
}

// cutTail deletes the events after seq and the database's checkpoints of them, as someone with
// write access to the database (but not to the witness file) would.
func cutTail(v *testVault, seq int64) {
	v.cat.events = v.cat.events[:seq]
	var kept []*callvault.Checkpoint
	for _, cp := range v.cat.checkpoints {
		if cp.Seq <= seq {
			kept = append(kept, cp)
		}
	}
	v.cat.checkpoints = kept
}

func TestWitnessHoldsEveryCheckpoint(t *testing.T) {
	v, w := witnessedVault(t, 35)
	got := readWitness(t, w)
	if len(got) != 3 || len(v.cat.checkpoints) != 3 {
		t.Fatalf("witness holds %d checkpoints, database %d; want 3 and 3", len(got), len(v.cat.checkpoints))
	}
	for i, cp := range got {
		if *cp != *v.cat.checkpoints[i] {
			t.Errorf("witness line %d = %+v, database has %+v", i+1, cp, v.cat.checkpoints[i])
		}
	}
	if st, err := os.Stat(w.Path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("witness file mode: %v %v", st, err)
	}
}

func TestReadWitness(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadWitness(filepath.Join(dir, "none")); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("missing file: err = %v, want KindNotFound", err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	w := &Witness{Path: filepath.Join(dir, WitnessFile)}
	if err := w.Append(SignCheckpoint(key, 1, callvault.GenesisHash, t0)); err != nil {
		t.Fatal(err)
	}
	// A crash tore the next write: the line is incomplete and has no newline. The next append
	// starts a line of its own, and the reader skips the torn one.
	f, _ := os.OpenFile(w.Path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":2,"hash":"00`)
	f.Close()
	if err := w.Append(SignCheckpoint(key, 3, callvault.GenesisHash, t0)); err != nil {
		t.Fatal(err)
	}
	c, err := ReadWitness(w.Path)
	if err != nil || c.Incomplete != 1 || len(c.Checkpoints) != 2 || c.Checkpoints[0].Seq != 1 || c.Checkpoints[1].Seq != 3 {
		t.Fatalf("torn line: %+v %v", c, err)
	}
	// JSON that is not a checkpoint is not a torn write: the file is not a witness file.
	os.WriteFile(w.Path, []byte(`{"seq":1}`+"\n"), 0o600)
	if _, err := ReadWitness(w.Path); !callvault.IsKind(err, callvault.KindInvalid) || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("not a checkpoint: err = %v, want KindInvalid naming line 1", err)
	}
	// A witness that cannot be written is an error of the checkpointer, not a silent skip.
	bad := &Witness{Path: filepath.Join(dir, "no-such-dir", WitnessFile)}
	if err := bad.CheckWritable(); err == nil {
		t.Error("CheckWritable of an unwritable path: no error")
	}
	cat := newFakeCatalogue()
	cat.AppendAudit(context.Background(), &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionServerStart})
	c2 := &Checkpointer{Store: cat, Key: key, Witness: bad}
	if err := c2.Checkpoint(context.Background()); err == nil || len(cat.checkpoints) != 0 {
		t.Errorf("unwritable witness: err = %v, %d database checkpoints; want an error and none", err, len(cat.checkpoints))
	}
}

// TestVerifyWithWitness: cutting the log's tail together with the checkpoint rows passes a
// verification that only has the database, and fails one given the witness file.
func TestVerifyWithWitness(t *testing.T) {
	v, w := witnessedVault(t, 45)
	wit := readWitness(t, w)
	rep := v.verify(t, VerifyOptions{Witness: wit})
	if !rep.OK() || rep.Witnessed != 4 || rep.Checkpoints != 4 {
		t.Fatalf("intact: witnessed %d checkpoints %d:%s", rep.Witnessed, rep.Checkpoints, problemsString(rep))
	}

	cutTail(v, 25)
	if rep := v.verify(t, VerifyOptions{}); !rep.OK() {
		t.Fatalf("without the witness the cut was expected to go unnoticed, which is what the witness is for:%s", problemsString(rep))
	}
	rep = v.verify(t, VerifyOptions{Witness: wit})
	p := rep.FirstProblem()
	if p == nil || p.Kind != ProblemCheckpoint || p.Seq != 30 || !strings.Contains(p.String(),
		"checkpoint 30: the log ends at event 25 but the witness file holds a checkpoint for event 30") {
		t.Fatalf("first problem %v:%s", p, problemsString(rep))
	}
	if len(rep.Problems) != 2 { // 30 and 40
		t.Errorf("want the two witnessed checkpoints past the end:%s", problemsString(rep))
	}

	// The tail rewritten with new events past the witnessed seqs: the hashes disagree.
	for range 20 {
		v.cat.AppendAudit(context.Background(), &callvault.AuditEvent{Time: t0, Actor: "user:mallory", Action: callvault.ActionServerStart})
	}
	rep = v.verify(t, VerifyOptions{Witness: wit})
	if p := rep.FirstProblem(); p == nil || p.Seq != 30 || !strings.Contains(p.Message, "the witness file's checkpoint") ||
		!strings.Contains(p.Message, "the log was rewritten") {
		t.Fatalf("rewritten tail: first problem %v:%s", p, problemsString(rep))
	}

	// A witness line not signed by the vault's key vouches for nothing and is reported.
	_, mallory, _ := ed25519.GenerateKey(nil)
	forged := append(wit, SignCheckpoint(mallory, 3, v.cat.events[2].Hash, t0))
	rep = v.verify(t, VerifyOptions{Witness: forged})
	if !strings.Contains(problemsString(rep), "checkpoint 3: checkpoint 3 is signed by unknown key") {
		t.Errorf("forged witness line not reported:%s", problemsString(rep))
	}
}

// TestCheckpointerRefusesBrokenLog: the checkpointer checks the log from its newest trusted
// checkpoint before it signs, and never signs over a log that failed.
func TestCheckpointerRefusesBrokenLog(t *testing.T) {
	ctx := context.Background()
	type setup struct {
		v *testVault
		w *Witness
	}
	fresh := func(v *testVault, w *Witness) *Checkpointer { // a new process on the same stores
		return &Checkpointer{Store: v.cat, Key: v.key, Every: 10, Witness: w, Now: func() time.Time { return t0 }}
	}
	tests := []struct {
		name   string
		tamper func(s setup) *Checkpointer // returns the checkpointer asked to sign
		grow   int                         // events appended after tampering, to make a checkpoint due
		want   string
	}{
		{"tail and checkpoint rows cut, new process", func(s setup) *Checkpointer {
			cutTail(s.v, 25)
			return fresh(s.v, s.w)
		}, 5, "the audit log ends at event 30 but the witness file's checkpoint vouches for event 40"},
		{"tail and checkpoint rows cut, then the log grown past the witness", func(s setup) *Checkpointer {
			cutTail(s.v, 25)
			for range 30 {
				s.v.cat.AppendAudit(ctx, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionServerStart})
			}
			return fresh(s.v, s.w)
		}, 0, "event 40 no longer has the hash the witness file's checkpoint vouches for"},
		{"tail cut under a running process (no witness)", func(s setup) *Checkpointer {
			s.v.cp.Witness = nil
			cutTail(s.v, 25)
			return s.v.cp
		}, 0, "the audit log ends at event 25 but the checkpoint this process signed vouches for event 40"},
		{"event after the last checkpoint edited", func(s setup) *Checkpointer {
			s.v.cat.events[42].Actor = "user:mallory"
			return fresh(s.v, s.w)
		}, 15, "event 43 does not follow event 42"},
		{"event after the last checkpoint deleted", func(s setup) *Checkpointer {
			s.v.cat.events = append(s.v.cat.events[:42], s.v.cat.events[43:]...)
			return fresh(s.v, s.w)
		}, 15, "event 43 does not follow event 42"},
		{"whole chain rewritten and checkpoint rows re-made by the database's user", func(s setup) *Checkpointer {
			s.v.cat.events[3].Actor = "user:mallory"
			s.v.rehash(3)
			s.v.cat.checkpoints = nil
			return fresh(s.v, s.w)
		}, 15, "event 40 no longer has the hash the witness file's checkpoint vouches for"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, w := witnessedVault(t, 45)
			before := len(readWitness(t, w))
			c := tt.tamper(setup{v, w})
			var logs bytes.Buffer
			c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			for range tt.grow {
				v.cat.AppendAudit(ctx, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionRecordingOpen})
			}
			dbBefore := len(v.cat.checkpoints)
			err := c.MaybeCheckpoint(ctx)
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a refusal containing %q", err, tt.want)
			}
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), tt.want) {
				t.Errorf("refusal not logged as an error: %q", logs.String())
			}
			// Refused for good in this process, at shutdown too.
			if err := c.Checkpoint(ctx); !errors.Is(err, ErrRefused) {
				t.Errorf("second call: err = %v, want the refusal again", err)
			}
			if n := len(readWitness(t, w)); n != before {
				t.Errorf("witness grew from %d to %d lines over a broken log", before, n)
			}
			if len(v.cat.checkpoints) != dbBefore {
				t.Errorf("a checkpoint was signed over a broken log")
			}
		})
	}
}

func TestCheckpointerRefuse(t *testing.T) {
	ctx := context.Background()
	v, w := witnessedVault(t, 5)
	v.cp.Refuse("audit verify found the log broken")
	if err := v.cp.Checkpoint(ctx); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "audit verify found the log broken") {
		t.Errorf("after Refuse: err = %v", err)
	}
	if _, err := ReadWitness(w.Path); !callvault.IsKind(err, callvault.KindNotFound) || len(v.cat.checkpoints) != 0 {
		t.Error("a checkpoint was signed after Refuse")
	}
	// Another process, which did not find the log broken, signs as usual.
	other := &Checkpointer{Store: v.cat, Key: v.key, Witness: w}
	if err := other.Checkpoint(ctx); err != nil || len(readWitness(t, w)) != 1 {
		t.Errorf("another process: %v", err)
	}
}

// TestWitnessCreationIsDurable: whoever creates the witness file, CheckWritable at a server's
// start or the first Append, fsyncs its directory, so that a checkpoint is never written to a
// file whose name a crash could lose.
func TestWitnessCreationIsDurable(t *testing.T) {
	dir := t.TempDir()
	var synced []string
	count := func(d string) error { synced = append(synced, d); return fsyncDir(d) }
	_, key, _ := ed25519.GenerateKey(nil)

	w := &Witness{Path: filepath.Join(dir, WitnessFile), syncDir: count}
	if err := w.CheckWritable(); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != dir {
		t.Fatalf("CheckWritable created the witness file; directory fsyncs %v, want [%s]", synced, dir)
	}
	if err := w.CheckWritable(); err != nil || len(synced) != 1 {
		t.Errorf("CheckWritable of an existing file: %v, fsyncs %v", err, synced)
	}
	if err := w.Append(SignCheckpoint(key, 1, callvault.GenesisHash, t0)); err != nil {
		t.Fatal(err)
	}

	other := &Witness{Path: filepath.Join(dir, "other.jsonl"), syncDir: count}
	if err := other.Append(SignCheckpoint(key, 1, callvault.GenesisHash, t0)); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 2 || synced[1] != dir {
		t.Errorf("Append created the witness file; directory fsyncs %v, want a second one of %s", synced, dir)
	}
}

// TestWitnessConcurrentAppends: processes sharing one witness file (one mounted key directory)
// append whole lines, none lost or torn.
func TestWitnessConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), WitnessFile)
	_, key, _ := ed25519.GenerateKey(nil)
	const writers, each = 8, 25
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			w := &Witness{Path: path, Vault: "vault-a"} // one per process
			for j := range each {
				if err := w.Append(SignCheckpoint(key, int64(i*each+j+1), callvault.GenesisHash, t0)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	c, err := ReadWitness(path)
	if err != nil || c.Incomplete != 0 || len(c.Checkpoints) != writers*each {
		t.Fatalf("%d checkpoints, %d incomplete lines (%v); want %d and 0", len(c.Checkpoints), c.Incomplete, err, writers*each)
	}
	seen := map[int64]bool{}
	for _, cp := range c.Checkpoints {
		if seen[cp.Seq] || VerifyCheckpoint(cp, key.Public().(ed25519.PublicKey)) != nil {
			t.Fatalf("checkpoint %d duplicated or damaged", cp.Seq)
		}
		seen[cp.Seq] = true
	}
}

// TestWitnessOfAnotherVault: a key directory used for a second vault holds the first vault's
// checkpoints in its witness file. Each line names its vault, but the second vault's
// checkpointer still holds them against its log: from outside the database a log rewritten from
// its first event looks just the same. It refuses (with a warning naming the cure); with a
// witness file of its own it signs.
func TestWitnessOfAnotherVault(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	shared := filepath.Join(dir, WitnessFile)
	event := func(actor string) *callvault.AuditEvent {
		return &callvault.AuditEvent{Time: t0, Actor: actor, Action: callvault.ActionRecordingOpen}
	}
	// startVault makes a vault whose first event is by actor, with a checkpointer on the
	// witness file at path and key, as Main.Open does.
	startVault := func(actor, path string, key ed25519.PrivateKey) (*testVault, *bytes.Buffer) {
		v := newTestVault(t, 0, 0)
		v.key, v.pub = key, key.Public().(ed25519.PublicKey)
		if err := v.cat.AppendAudit(ctx, event(actor)); err != nil {
			t.Fatal(err)
		}
		id, err := VaultID(ctx, v.cat)
		if err != nil || id != v.cat.events[0].Hash {
			t.Fatalf("VaultID = %q, %v; want the hash of event 1", id, err)
		}
		var logs bytes.Buffer
		v.cp = &Checkpointer{Store: v.cat, Key: key, Every: 10, Witness: &Witness{Path: path, Vault: id},
			Logger: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return t0 }}
		return v, &logs
	}
	_, key, _ := ed25519.GenerateKey(nil)
	a, _ := startVault("system:a", shared, key)
	for range 44 {
		a.append(t, event("system:a"))
	}
	b, logs := startVault("system:b", shared, key)
	for range 9 {
		if err := b.cat.AppendAudit(ctx, event("system:b")); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.cp.Checkpoint(ctx); !errors.Is(err, ErrRefused) {
		t.Fatalf("B's checkpointer over A's witness lines: %v, want a refusal", err)
	}
	if !strings.Contains(logs.String(), "naming another vault") || !strings.Contains(logs.String(), "--audit-witness") {
		t.Errorf("the other vault's lines were not explained in the log: %q", logs.String())
	}
	c, err := ReadWitness(shared)
	if err != nil || len(c.Checkpoints) != 4 || c.Vaults[0] != a.cat.events[0].Hash {
		t.Fatalf("witness: %+v %v; want A's 4 checkpoints, naming A", c, err)
	}
	if mine, others := c.Of(b.cat.events[0].Hash); len(mine) != 0 || others != 4 {
		t.Errorf("Of(B) = %d checkpoints and %d others, want 0 and 4", len(mine), others)
	}
	if rep := b.verify(t, VerifyOptions{Witness: c.Checkpoints}); rep.OK() {
		t.Error("B verified against A's witness lines")
	}

	// With its own witness file B signs and verifies.
	b2, _ := startVault("system:b", filepath.Join(dir, "b.jsonl"), key)
	for range 14 {
		b2.append(t, event("system:b")) // fails if B's checkpointer refuses
	}
	own, err := ReadWitness(filepath.Join(dir, "b.jsonl"))
	if err != nil || len(own.Checkpoints) == 0 {
		t.Fatalf("B's own witness: %+v %v", own, err)
	}
	if rep := b2.verify(t, VerifyOptions{Witness: own.Checkpoints}); !rep.OK() {
		t.Errorf("B with its own witness:%s", problemsString(rep))
	}
}
