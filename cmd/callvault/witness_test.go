package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/audit"
)

// A key directory used for a second vault holds the first vault's checkpoints in its witness
// file. Both vaults keep signing; `audit verify` and `audit verify-export` note the other
// vault's lines and skip them instead of reporting the shorter log as cut.
func TestKeyDirectoryOfTwoVaults(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "keys")
	first, second := t.TempDir(), t.TempDir()
	for i, data := range []string{first, first, first, second, second} {
		code, _, errOut := cli(t, "token", "create", "--role", "recorder", "--name", fmt.Sprint("n", i), "--data", data, "--keys", keys, "--checkpoint-every", "1")
		if code != 0 || strings.Contains(errOut, "refusing to sign") {
			t.Fatalf("token create in %s: exit %d: %s", data, code, errOut)
		}
	}
	w, err := audit.ReadWitness(filepath.Join(keys, audit.WitnessFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := vaultsNamed(w.Vaults); n != 2 {
		t.Fatalf("the shared witness file names %d vaults, want 2: %v", n, w.Vaults)
	}
	for _, data := range []string{second, first} {
		code, out, errOut := cli(t, "audit", "verify", "--data", data, "--keys", keys)
		if code != 0 || !strings.Contains(out, "checkpoint(s) of another vault") {
			t.Errorf("audit verify of %s: exit %d, want 0 and a note on the other vault's lines:\n%s%s", data, code, out, errOut)
		}
	}

	dir := t.TempDir()
	events, cps := filepath.Join(dir, "events.jsonl"), filepath.Join(dir, "cp.jsonl")
	if code, _, e := cli(t, "audit", "export", "--data", second, "--keys", keys, "--out", events, "--checkpoints", cps); code != 0 {
		t.Fatalf("export: %s", e)
	}
	code, out, errOut := cli(t, "audit", "verify-export", events, "--checkpoints", cps, "--verify-key", filepath.Join(keys, "audit-signing.pub"),
		"--witness", filepath.Join(keys, audit.WitnessFile))
	if code != 0 || !strings.Contains(out, "checkpoint(s) of another vault") {
		t.Errorf("verify-export with the shared witness: exit %d, want 0 and a note:\n%s%s", code, out, errOut)
	}
}
