package main

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/sqlite"
	"github.com/callvault/callvault/internal/vault"
)

// auditActions returns the actions of the embedded catalogue's audit log in data.
func auditActions(t *testing.T, data string) []string {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := db.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action)
	}
	return out
}

// The first command on a new vault creates the keys and records their public halves; later
// commands load and check them.
func TestKeysRecordedOnFirstUse(t *testing.T) {
	data := t.TempDir()
	code, out, errOut := cli(t, "keys", "show-recipient", "--data", data)
	if code != 0 {
		t.Fatalf("show-recipient: %d %s %s", code, out, errOut)
	}
	keys, err := vault.LoadKeys(filepath.Join(data, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	m := mainFor(t, "--data", data)
	recorded, err := m.Catalogue.(callvault.KeyStore).VaultKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := recordedPublic(recorded, callvault.VaultKeyRecipient); got != keys.RecipientString() || got != strings.TrimSpace(out) {
		t.Errorf("recorded recipient sha256:%s, want the key directory's sha256:%s", fingerprint(got), fingerprint(keys.RecipientString()))
	}
	if got := recordedPublic(recorded, callvault.VaultKeyAuditVerify); got != base64.StdEncoding.EncodeToString(keys.VerifyKey()) {
		t.Errorf("recorded verify key %q, want the key directory's", got)
	}
	m.Close()
	records := 0
	for _, a := range auditActions(t, data) {
		if a == callvault.ActionKeyRecord {
			records++
		}
	}
	// The first command records the vault's keys, then its key epochs' recipients ahead of
	// need; the second records nothing.
	if records != 2 {
		t.Errorf("%d key.record events after two commands, want 2", records)
	}
}

// A command on a vault's catalogue without the vault's keys is refused with a hint naming
// --keys, and creates nothing: no key, no audit event, no checkpoint signed with a foreign key.
func TestKeysMissingOrForeignAreRefused(t *testing.T) {
	data := t.TempDir()
	if code, out, errOut := cli(t, "token", "create", "--role", "recorder", "--name", "pbx", "--data", data); code != 0 {
		t.Fatalf("token create: %d %s %s", code, out, errOut)
	}
	before := auditActions(t, data)
	foreign := t.TempDir()
	if _, _, err := vault.LoadOrCreateKeys(foreign); err != nil {
		t.Fatal(err)
	}
	ownKeys := filepath.Join(data, "keys")
	// The vault's identity with another signing key.
	mixed := t.TempDir()
	for _, f := range []string{vault.IdentityFile, vault.RecipientFile} {
		copyFile(t, filepath.Join(ownKeys, f), filepath.Join(mixed, f))
	}
	for _, f := range []string{vault.SigningKeyFile, vault.VerifyKeyFile} {
		copyFile(t, filepath.Join(foreign, f), filepath.Join(mixed, f))
	}
	empty := filepath.Join(t.TempDir(), "keys")

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no keys", []string{"--keys", empty}, "the vault's keys are not in " + empty},
		{"another vault's keys", []string{"--keys", foreign}, "are not this vault's: the catalogue records the vault recipient"},
		{"another signing key", []string{"--keys", mixed}, "the catalogue records the audit signing key"},
		{"another recipient", []string{"--recipient", filepath.Join(foreign, vault.RecipientFile)}, "the recipient in " + filepath.Join(foreign, vault.RecipientFile) + " are not this vault's"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, cmd := range [][]string{{"token", "list"}, {"audit", "verify"}, {"retention", "run"}, {"keys", "show-recipient"}} {
				code, _, errOut := cli(t, append(append(cmd, "--data", data), c.args...)...)
				if code == 0 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "callvault: hint: point --keys") {
					t.Errorf("%s with %s: exit %d, %q; want a refusal saying %q and a hint naming --keys", cmd[0], c.name, code, errOut, c.want)
				}
			}
		})
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Errorf("a refused command created the key directory %s (%v)", empty, err)
	}
	if after := auditActions(t, data); len(after) != len(before) {
		t.Errorf("refused commands appended audit events: %v after %v", after[len(before):], before)
	}
	if code, out, errOut := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Errorf("audit verify with the vault's keys after the refusals: %d %s %s", code, out, errOut)
	}
	// The vault's own recipient is accepted on a recorder-only node.
	m := mainFor(t, "--data", data, "--recipient", filepath.Join(ownKeys, vault.RecipientFile))
	if m.Keys.CanOpen() {
		t.Error("recorder-only node can open")
	}
}

// A catalogue from before keys were recorded (it has an audit log but no key records) gets its
// keys recorded from the key directory, and is never given new keys.
func TestKeysOfAnOlderCatalogue(t *testing.T) {
	data := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "catalogue.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(context.Background(), &callvault.AuditEvent{Actor: "system", Action: callvault.ActionServerStart}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, _, errOut := cli(t, "token", "list", "--data", data)
	if code == 0 || !strings.Contains(errOut, "this catalogue has an audit log") {
		t.Fatalf("token list on an older catalogue without its keys: exit %d %q, want a refusal", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "keys")); !os.IsNotExist(err) {
		t.Fatalf("keys were created for a catalogue with history (%v)", err)
	}
	keys, _, err := vault.LoadOrCreateKeys(filepath.Join(data, "keys")) // the vault's existing keys
	if err != nil {
		t.Fatal(err)
	}
	m := mainFor(t, "--data", data)
	recorded, err := m.Catalogue.(callvault.KeyStore).VaultKeys(context.Background())
	if err != nil || recordedPublic(recorded, callvault.VaultKeyRecipient) != keys.RecipientString() {
		t.Fatalf("the older catalogue's keys were not recorded: %v", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// On an older catalogue with recordings and checkpoints (no key records yet), the first node
// does not decide the vault's keys on its word: another vault's keys are refused, because they
// neither verify the checkpoints nor open the recordings; the vault's own keys are recorded.
func TestKeysOfAnOlderCatalogueMustBeProven(t *testing.T) {
	s := startServer(t, "", "--checkpoint-every", "2")
	token := createToken(t, s.data, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.2)
	if r := uploadWAV(t, s.url, token, "older-1", wav); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	s.stop()
	db := openCatalogueDB(t, s.data)
	execSQL(t, db, `DELETE FROM vault_keys`) // as before keys were recorded
	db.Close()
	other := t.TempDir()
	if _, _, err := vault.LoadOrCreateKeys(other); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := cli(t, "token", "list", "--data", s.data, "--keys", other); code == 0 || !strings.Contains(errOut, "cannot record the keys") {
		t.Errorf("another vault's keys: exit %d %q, want a refusal", code, errOut)
	}
	// Half of the keys foreign: each half must prove itself.
	for _, tt := range []struct{ foreign, want string }{
		{"vault", "cannot open recording"},
		{"audit-signing", "did not sign the vault's checkpoint"},
	} {
		mixed := t.TempDir()
		for _, f := range []string{"vault.key", "vault.recipient", "audit-signing.key", "audit-signing.pub"} {
			from := filepath.Join(s.data, "keys", f)
			if strings.HasPrefix(f, tt.foreign+".") {
				from = filepath.Join(other, f)
			}
			copyFile(t, from, filepath.Join(mixed, f))
		}
		// The key epochs go with the vault key: recordings are sealed to them.
		epochsFrom := filepath.Join(s.data, "keys", vault.EpochDirName)
		if tt.foreign == "vault" {
			epochsFrom = filepath.Join(other, vault.EpochDirName)
		}
		if out, err := exec.Command("cp", "-a", epochsFrom, filepath.Join(mixed, vault.EpochDirName)).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v %s", err, out)
		}
		if code, _, errOut := cli(t, "token", "list", "--data", s.data, "--keys", mixed); code == 0 || !strings.Contains(errOut, tt.want) {
			t.Errorf("foreign %s key: exit %d %q, want a refusal naming %q", tt.foreign, code, errOut, tt.want)
		}
	}
	if code, out, errOut := cli(t, "token", "list", "--data", s.data); code != 0 {
		t.Fatalf("the vault's own keys: exit %d %s%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, "audit", "verify", "--data", s.data); code != 0 {
		t.Fatalf("verify after recording the keys: %s%s", out, errOut)
	}
}
