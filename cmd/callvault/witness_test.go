package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
)

// A key directory used for a second vault holds the first vault's checkpoints in its witness
// file. From outside the database that cannot be told from the second vault's log having been
// rewritten from its first event, so the second vault is not trusted over them: its checkpointer
// refuses to sign and `audit verify` fails, both naming the cure. With a witness file of its own
// (--audit-witness) the second vault signs and verifies, and so does the first.
func TestKeyDirectoryOfTwoVaults(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	first, second := t.TempDir(), t.TempDir()
	token := func(data string, i int, extra ...string) string {
		t.Helper()
		args := append([]string{"token", "create", "--role", "recorder", "--name", fmt.Sprint("n", i), "--data", data, "--keys", keys, "--checkpoint-every", "1"}, extra...)
		code, _, errOut := cli(t, args...)
		if code != 0 {
			t.Fatalf("token create in %s: exit %d: %s", data, code, errOut)
		}
		return errOut
	}
	for i := range 3 {
		if errOut := token(first, i); strings.Contains(errOut, "refusing to sign") {
			t.Fatalf("the first vault refused to sign: %s", errOut)
		}
	}
	errOut := token(second, 3)
	if !strings.Contains(errOut, "refusing to sign") || !strings.Contains(errOut, "--audit-witness") {
		t.Fatalf("the second vault on the first's witness: %s; want a refusal to sign naming --audit-witness", errOut)
	}
	code, out, _ := cli(t, "audit", "verify", "--data", second, "--keys", keys)
	if code != 1 || !strings.Contains(out, "naming another vault") || !strings.Contains(out, "witness-rotate") {
		t.Errorf("audit verify of the second vault on the first's witness: exit %d, want 1 with the note:\n%s", code, out)
	}

	own := filepath.Join(t.TempDir(), "second-witness.jsonl")
	if errOut := token(second, 4, "--audit-witness", own); strings.Contains(errOut, "refusing to sign") {
		t.Fatalf("the second vault with its own witness refused to sign: %s", errOut)
	}
	if code, out, errOut := cli(t, "audit", "verify", "--data", second, "--keys", keys, "--audit-witness", own); code != 0 {
		t.Errorf("audit verify of the second vault with its own witness: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, "audit", "verify", "--data", first, "--keys", keys); code != 0 {
		t.Errorf("audit verify of the first vault: exit %d\n%s%s", code, out, errOut)
	}
}

// After a legitimate restore of the catalogue from a backup the witness holds checkpoints past
// the restored log's end: `audit verify` names them and the checkpointer refuses to sign. The
// operator archives the witness with `audit witness-rotate`, which keeps the old file as
// evidence and records the rotation, its reason and the archive's hash in the audit log.
func TestWitnessRotateAfterRestore(t *testing.T) {
	base, _ := seedVault(t)
	data := copyDir(t, base)
	backup := copyDir(t, data)
	for i := range 3 {
		if code, _, e := cli(t, "token", "create", "--role", "recorder", "--name", fmt.Sprint("after-backup-", i), "--data", data, "--checkpoint-every", "1"); code != 0 {
			t.Fatalf("token create: %s", e)
		}
	}
	// The restore: the catalogue as the backup has it (blobs and keys are unchanged).
	olds, _ := filepath.Glob(filepath.Join(data, "catalogue.db*"))
	for _, f := range olds {
		os.Remove(f)
	}
	news, _ := filepath.Glob(filepath.Join(backup, "catalogue.db*"))
	for _, f := range news {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(data, filepath.Base(f)), b, 0o600)
	}
	if code, out, _ := cli(t, "audit", "verify", "--data", data); code != 1 || !strings.Contains(firstProblem(out), "but the witness file holds a checkpoint for event") {
		t.Fatalf("audit verify after the restore: exit %d, want the witnessed checkpoints past the end named:\n%s", code, out)
	}

	if code, _, e := cli(t, "audit", "witness-rotate", "--data", data); code != 2 || !strings.Contains(e, "needs --reason") {
		t.Errorf("witness-rotate without a reason: exit %d %q", code, e)
	}
	witness := filepath.Join(data, "keys", audit.WitnessFile)
	old, err := os.ReadFile(witness)
	if err != nil {
		t.Fatal(err)
	}
	const reason = "catalogue restored from the backup of 2026-11-28"
	code, out, e := cli(t, "audit", "witness-rotate", "--data", data, "--reason", reason)
	if code != 0 {
		t.Fatalf("witness-rotate: exit %d %s%s", code, out, e)
	}
	archived, _ := filepath.Glob(witness + ".*.archived")
	if len(archived) != 1 {
		t.Fatalf("archived witness files: %v", archived)
	}
	if b, err := os.ReadFile(archived[0]); err != nil || !bytes.Equal(b, old) {
		t.Fatalf("the archive does not hold the old witness file (%v)", err)
	}

	if code, out, e := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Errorf("audit verify after the rotation: exit %d\n%s%s", code, out, e)
	}
	if code, out, _ := cli(t, "audit", "verify", "--data", data, "--witness", archived[0]); code != 1 {
		t.Errorf("the archived witness no longer shows the restore: exit %d\n%s", code, out)
	}
	if code, _, e := cli(t, "token", "create", "--role", "recorder", "--name", "after-rotate", "--data", data, "--checkpoint-every", "1"); code != 0 || strings.Contains(e, "refusing") {
		t.Errorf("signing after the rotation: exit %d %s", code, e)
	}
	if len(witnessed(t, data)) < 2 {
		t.Errorf("the new witness file holds %v, want the checkpoints signed since the rotation", witnessed(t, data))
	}
	evs := eventsOf(t, data, callvault.ActionAuditWitnessRotate)
	sum := sha256.Sum256(old)
	if len(evs) != 1 || !strings.Contains(evs[0].Detail, reason) || !strings.Contains(evs[0].Detail, hex.EncodeToString(sum[:])) ||
		!strings.Contains(evs[0].Detail, filepath.Base(archived[0])) {
		t.Errorf("rotation events %+v, want one naming the reason, the archive and its hash", evs)
	}
}
