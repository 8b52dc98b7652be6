package vault

import (
	"bytes"
	"crypto/ed25519"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

func TestLoadOrCreateKeysCreatesOnceAndReloads(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	k1, created, err := LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(dir, IdentityFile), filepath.Join(dir, RecipientFile),
		filepath.Join(dir, SigningKeyFile), filepath.Join(dir, VerifyKeyFile),
		filepath.Join(dir, EpochDirName, HoldKeyFile), filepath.Join(dir, EpochDirName, SeedFile),
	}
	if !slices.Equal(created, want) {
		t.Fatalf("created = %q, want %q", created, want)
	}
	if runtime.GOOS != "windows" {
		for path, mode := range map[string]os.FileMode{
			dir:                              0o700,
			want[0]:                          0o600,
			want[1]:                          0o644,
			want[2]:                          0o600,
			want[3]:                          0o644,
			want[4]:                          0o600,
			want[5]:                          0o600,
			filepath.Join(dir, EpochDirName): 0o700,
		} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != mode {
				t.Errorf("%s: mode %04o, want %04o", path, got, mode)
			}
		}
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 {
		t.Errorf("key dir has %d entries, want 5", len(entries))
	}

	idText, _ := os.ReadFile(want[0])
	if !strings.Contains(string(idText), "# public key: "+k1.RecipientString()) ||
		!strings.Contains(string(idText), "# callvault vault key, created: ") {
		t.Errorf("vault.key lacks its comment lines:\n%s", idText)
	}
	if !strings.HasPrefix(k1.RecipientString(), "age1pq1") {
		t.Errorf("recipient %q is not a post-quantum age recipient", k1.RecipientString())
	}

	k2, created, err := LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(created) != 0 {
		t.Errorf("second start created %q", created)
	}
	if k2.RecipientString() != k1.RecipientString() {
		t.Error("reloaded recipient differs")
	}
	if !k2.SigningKey().Equal(k1.SigningKey()) || !k2.VerifyKey().Equal(k1.VerifyKey()) {
		t.Error("reloaded signing key differs")
	}
	msg := []byte("checkpoint")
	if !ed25519.Verify(k2.VerifyKey(), msg, ed25519.Sign(k1.SigningKey(), msg)) {
		t.Error("verify key does not verify the signing key's signature")
	}

	// What k1 seals, k2 (reloaded from disk) opens, and so does the age CLI format parser.
	plain := []byte("hello from the vault")
	header, payload := sealBytes(t, plain, k1)
	r, size, err := k2.Open(VaultEpoch, header, bytes.NewReader(payload), int64(len(payload)))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]byte, size)
	if _, err := r.ReadAt(got, 0); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Errorf("opened %q, want %q", got, plain)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(idText))
	if err != nil || len(ids) != 1 {
		t.Fatalf("vault.key is not an age identity file: %v", err)
	}
}

func TestLoadOrCreateKeysRecreatesOnlyPublicFiles(t *testing.T) {
	dir := t.TempDir()
	k1, _, err := LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{RecipientFile, VerifyKeyFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	k2, created, err := LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, RecipientFile), filepath.Join(dir, VerifyKeyFile)}
	if !slices.Equal(created, want) {
		t.Errorf("created = %q, want %q", created, want)
	}
	if k2.RecipientString() != k1.RecipientString() || !k2.VerifyKey().Equal(k1.VerifyKey()) {
		t.Error("public files were regenerated from different private keys")
	}
}

func TestLoadOrCreateKeysRefusesToReplaceLostPrivateKeys(t *testing.T) {
	for _, private := range []string{IdentityFile, SigningKeyFile} {
		t.Run(private, func(t *testing.T) {
			dir := t.TempDir()
			if _, _, err := LoadOrCreateKeys(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(dir, private)); err != nil {
				t.Fatal(err)
			}
			_, _, err := LoadOrCreateKeys(dir)
			if !callvault.IsKind(err, callvault.KindConflict) {
				t.Fatalf("err = %v, want KindConflict", err)
			}
			if !strings.Contains(err.Error(), "restore") {
				t.Errorf("error %q gives no hint", err)
			}
			if _, err := os.Stat(filepath.Join(dir, private)); err == nil {
				t.Error("a new private key was created next to the old public file")
			}
		})
	}
}

func TestLoadOrCreateKeysDetectsMismatchedPublicFile(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	if _, _, err := LoadOrCreateKeys(dir); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKeys(other); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{RecipientFile, VerifyKeyFile} {
		t.Run(f, func(t *testing.T) {
			d := t.TempDir()
			for _, g := range []string{IdentityFile, RecipientFile, SigningKeyFile, VerifyKeyFile} {
				src := filepath.Join(dir, g)
				if g == f {
					src = filepath.Join(other, g)
				}
				b, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(d, g), b, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if _, _, err := LoadOrCreateKeys(d); !callvault.IsKind(err, callvault.KindConflict) {
				t.Fatalf("err = %v, want KindConflict", err)
			}
		})
	}
}

func TestLoadOrCreateKeysRefusesReadablePrivateKey(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	for _, private := range []string{IdentityFile, SigningKeyFile} {
		for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
			dir := t.TempDir()
			if _, _, err := LoadOrCreateKeys(dir); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, private)
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			_, _, err := LoadOrCreateKeys(dir)
			if !callvault.IsKind(err, callvault.KindForbidden) {
				t.Fatalf("%s mode %04o: err = %v, want KindForbidden", private, mode, err)
			}
			if !strings.Contains(callvault.ErrorMessage(err), "chmod 600 "+path) {
				t.Errorf("message %q lacks the chmod hint", callvault.ErrorMessage(err))
			}
		}
	}
}

func TestLoadOrCreateKeysRejectsMalformedFiles(t *testing.T) {
	tests := []struct{ file, content string }{
		{IdentityFile, "# nothing here\n"},
		{IdentityFile, "AGE-SECRET-KEY-1QQQQ\n"},
		{SigningKeyFile, "not pem"},
		{SigningKeyFile, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, tt.file), []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadOrCreateKeys(dir)
		if !callvault.IsKind(err, callvault.KindInternal) {
			t.Errorf("%s %q: err = %v, want KindInternal", tt.file, tt.content, err)
		}
	}
}

func TestWriteFileExclusiveNeverOverwrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	if err := writeFileExclusive(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := writeFileExclusive(path, []byte("two"), 0o600)
	if !callvault.IsKind(err, callvault.KindConflict) {
		t.Fatalf("err = %v, want KindConflict", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Errorf("file = %q, want the original", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %d entries", len(entries))
	}
}

func TestRecipientOnlyNodeSealsButCannotOpen(t *testing.T) {
	dir := t.TempDir()
	full, _, err := LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := LoadRecipientOnly(filepath.Join(dir, RecipientFile))
	if err != nil {
		t.Fatal(err)
	}
	if rec.CanOpen() || rec.SigningKey() != nil {
		t.Error("recipient-only keys claim private material")
	}
	if rec.RecipientString() != full.RecipientString() {
		t.Error("recipient differs")
	}
	plain := []byte("sealed on a recorder node")
	header, payload := sealBytes(t, plain, rec)

	_, _, err = rec.Open(VaultEpoch, header, bytes.NewReader(payload), int64(len(payload)))
	if !callvault.IsKind(err, callvault.KindForbidden) || !strings.Contains(err.Error(), "holds only the public recipient") {
		t.Fatalf("recipient-only Open: err = %v, want KindForbidden", err)
	}
	if _, err := rec.Identity(VaultEpoch); !callvault.IsKind(err, callvault.KindForbidden) {
		t.Errorf("Identity: err = %v, want KindForbidden", err)
	}
	if got := openAll(t, full, header, payload); !bytes.Equal(got, plain) {
		t.Errorf("full node opened %q, want %q", got, plain)
	}
}

func TestKeysUnknownEpoch(t *testing.T) {
	k, err := GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	// Not an epoch at all.
	if _, err := k.Recipient("2026-13"); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("Recipient: err = %v, want KindNotFound", err)
	}
	if _, err := k.Identity("november"); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("Identity: err = %v, want KindNotFound", err)
	}
	// A month the catalogue does not record, once the keys are held against it.
	if err := k.UseCatalogue(nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Recipient("2026-11"); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("Recipient of an unrecorded month: err = %v, want KindNotFound", err)
	}
}

func TestLoadRecipientOnlyErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadRecipientOnly(filepath.Join(dir, "missing")); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("missing file: err = %v, want KindNotFound", err)
	}
	id, _ := age.GenerateX25519Identity()
	for _, content := range []string{"", "# only a comment\n", id.Recipient().String() + "\n", "age1pq1garbage\n"} {
		p := filepath.Join(dir, "r")
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := LoadRecipientOnly(p); !callvault.IsKind(err, callvault.KindInternal) {
			t.Errorf("%q: err = %v, want KindInternal", content, err)
		}
	}
}

// LoadKeys loads what LoadOrCreateKeys made, and where keys are missing it says so and writes
// nothing: not the directory, not a key, not a public file.
func TestLoadKeysNeverCreates(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "keys")
	if _, err := LoadKeys(missing); !callvault.IsKind(err, callvault.KindNotFound) || !strings.Contains(err.Error(), IdentityFile) {
		t.Fatalf("LoadKeys(no directory) = %v, want not found naming %s", err, IdentityFile)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("LoadKeys created the key directory (%v)", err)
	}

	dir := filepath.Join(t.TempDir(), "keys")
	made, _, err := LoadOrCreateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadKeys(dir)
	if err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	if loaded.RecipientString() != made.RecipientString() || !loaded.VerifyKey().Equal(made.VerifyKey()) || !loaded.CanOpen() {
		t.Error("LoadKeys loaded other keys than LoadOrCreateKeys made")
	}

	// Public files are derived: their absence is no error, and they are not written.
	for _, f := range []string{RecipientFile, VerifyKeyFile} {
		os.Remove(filepath.Join(dir, f))
	}
	if _, err := LoadKeys(dir); err != nil {
		t.Fatalf("LoadKeys without public files: %v", err)
	}
	for _, f := range []string{RecipientFile, VerifyKeyFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("LoadKeys wrote %s (%v)", f, err)
		}
	}

	os.Remove(filepath.Join(dir, SigningKeyFile))
	if _, err := LoadKeys(dir); !callvault.IsKind(err, callvault.KindNotFound) || !strings.Contains(err.Error(), SigningKeyFile) {
		t.Errorf("LoadKeys without the signing key = %v, want not found naming %s", err, SigningKeyFile)
	}
	if _, err := os.Stat(filepath.Join(dir, SigningKeyFile)); !os.IsNotExist(err) {
		t.Errorf("LoadKeys created a signing key (%v)", err)
	}
}
