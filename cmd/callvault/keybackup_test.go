package main

import (
	"archive/tar"
	"bytes"
	"context"
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
	"github.com/callvault/callvault/internal/vault"
)

func TestKeysBackupIsAPassphraseEncryptedCopyOfTheKeyDirectory(t *testing.T) {
	data := t.TempDir()
	out := filepath.Join(t.TempDir(), "keys-backup.age")
	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("a long enough passphrase\n"), 0o600)

	code, stdout, stderr := cli(t, "keys", "backup", out, "--data", data, "--passphrase-file", pass)
	if code != 0 || !strings.Contains(stdout, "key backup written") {
		t.Fatalf("keys backup: %d %s %s", code, stdout, stderr)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v mode %v", err, fi.Mode())
	}
	raw, _ := os.ReadFile(out)
	if bytes.Contains(raw, []byte("AGE-SECRET-KEY")) || bytes.Contains(raw, []byte("seed:")) {
		t.Fatal("the key backup holds a key in clear")
	}
	// A standard age file: the passphrase opens it, and it is a tar of the key directory.
	id, _ := age.NewScryptIdentity("a long enough passphrase")
	dec, err := age.Decrypt(bytes.NewReader(raw), id)
	if err != nil {
		t.Fatalf("decrypting the key backup: %v", err)
	}
	keysDir := filepath.Join(data, "keys")
	tr := tar.NewReader(dec)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		names = append(names, h.Name)
		b, _ := io.ReadAll(tr)
		want, err := os.ReadFile(filepath.Join(keysDir, h.Name))
		if err != nil || !bytes.Equal(b, want) {
			t.Errorf("%s in the backup differs from the key directory's (%v)", h.Name, err)
		}
	}
	for _, want := range []string{vault.IdentityFile, vault.SigningKeyFile, "epochs/seed", "epochs/hold.key"} {
		if !slices.Contains(names, want) {
			t.Errorf("the key backup lacks %s (has %v)", want, names)
		}
	}
	if slices.Contains(names, "checkpoints.jsonl") {
		t.Error("the key backup holds the audit witness file")
	}
	if acts := auditActions(t, data); !slices.Contains(acts, callvault.ActionKeyBackup) {
		t.Errorf("no key.backup event in %v", acts)
	}

	// A key directory that still holds a destroyed epoch (its node could not write it when it
	// learnt of the destruction) is not backed up: the backup would bring the epoch back.
	stale := filepath.Join(t.TempDir(), "stale")
	if out, err := exec.Command("cp", "-a", keysDir, stale).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	m := mainFor(t, "--data", data)
	now := time.Now().In(callvault.DefaultZone())
	month := callvault.EpochFor(now, now)
	end, _ := callvault.EpochEnd(month)
	m.Epochs.Now = func() time.Time { return end.Add(48 * time.Hour) }
	if got, err := m.Epochs.DestroyEnded(context.Background()); err != nil || len(got) != 1 {
		t.Fatalf("DestroyEnded: %v %v", got, err)
	}
	if err := checkNoDestroyedKeys(context.Background(), m); err != nil {
		t.Errorf("the node that destroyed the epoch: %v", err)
	}
	// The same node's directory as it was before: it still derives the destroyed month.
	os.RemoveAll(filepath.Join(keysDir, vault.EpochDirName))
	if out, err := exec.Command("cp", "-a", filepath.Join(stale, vault.EpochDirName), keysDir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if err := checkNoDestroyedKeys(context.Background(), m); err == nil || !strings.Contains(err.Error(), "still holds the identity of key epoch") {
		t.Errorf("a key directory holding a destroyed epoch: %v, want a refusal", err)
	}
	m.Close()

	// Never overwrites; refuses a short or missing passphrase.
	if code, _, stderr := cli(t, "keys", "backup", out, "--data", data, "--passphrase-file", pass); code != 2 || !strings.Contains(stderr, "exists") {
		t.Errorf("backup over an existing file: %d %s", code, stderr)
	}
	os.WriteFile(pass, []byte("short\n"), 0o600)
	if code, _, stderr := cli(t, "keys", "backup", out+"2", "--data", data, "--passphrase-file", pass); code != 2 || !strings.Contains(stderr, "fewer than") {
		t.Errorf("short passphrase: %d %s", code, stderr)
	}
	if code, _, stderr := cli(t, "keys", "backup", out+"3", "--data", data); code != 2 || !strings.Contains(stderr, "passphrase") {
		t.Errorf("no passphrase: %d %s", code, stderr)
	}
}

// Every node of a vault holds the same epochs/ (copied once): a key directory without it, or
// with another vault's, is refused with a hint rather than sealing to keys nobody else derives.
func TestNodeWithoutTheVaultsEpochsIsRefused(t *testing.T) {
	data := t.TempDir()
	if code, _, stderr := cli(t, "keys", "show-recipient", "--data", data); code != 0 {
		t.Fatal(stderr)
	}
	keysDir := filepath.Join(data, "keys")

	copied := filepath.Join(t.TempDir(), "copied")
	if out, err := exec.Command("cp", "-a", keysDir, copied).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if code, _, stderr := cli(t, "keys", "show-recipient", "--data", data, "--keys", copied); code != 0 {
		t.Fatalf("a node with a copy of the key directory: %s", stderr)
	}

	os.RemoveAll(filepath.Join(copied, vault.EpochDirName))
	code, _, stderr := cli(t, "keys", "show-recipient", "--data", data, "--keys", copied)
	if code != 2 || !strings.Contains(stderr, "has no epochs/") || !strings.Contains(stderr, "hint: copy epochs/") {
		t.Errorf("key directory without epochs/: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(copied, vault.EpochDirName)); !os.IsNotExist(err) {
		t.Error("the refused node made its own epochs/")
	}

	if _, err := vault.EnsureEpochs(copied); err != nil { // another vault's seed
		t.Fatal(err)
	}
	code, _, stderr = cli(t, "keys", "show-recipient", "--data", data, "--keys", copied)
	if code != 2 || !strings.Contains(stderr, "not this vault's") {
		t.Errorf("key directory with another vault's epochs/: %d %s", code, stderr)
	}
}
