package vault

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// The files of the key directory.
const (
	IdentityFile   = "vault.key"
	RecipientFile  = "vault.recipient"
	SigningKeyFile = "audit-signing.key"
	VerifyKeyFile  = "audit-signing.pub"
)

// maxKeyFileSize bounds what is read from a key file; real ones are a few KiB.
const maxKeyFileSize = 64 << 10

// LoadOrCreateKeys loads the keys in dir, creating on first start (dir with mode 0700) whichever
// of vault.key, vault.recipient, audit-signing.key and audit-signing.pub are missing. created
// lists the paths of the files created, for the caller to audit as key.create. An existing file
// is never overwritten.
//
// Errors: KindForbidden if a private key file is readable by group or others; KindConflict if
// a public file exists without its private key (restore the private key rather than silently
// replacing it) or does not match it; KindInternal for unreadable or malformed files.
func LoadOrCreateKeys(dir string) (k *Keys, created []string, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, callvault.WrapError(callvault.KindInternal, err, "cannot create key directory "+dir)
	}
	return loadKeys(dir, true)
}

// LoadKeys loads the keys in dir (and its epochs/, if it has one; see EnsureEpochs) and never
// writes a file: for a vault whose keys exist already
// (the catalogue records them), where creating new ones would make a node that seals recordings
// no other node opens and signs checkpoints no verifier accepts. A missing public file is not
// an error; one that does not match its private key is.
//
// Errors: KindNotFound if vault.key or audit-signing.key does not exist (the message names the
// file); otherwise as LoadOrCreateKeys.
func LoadKeys(dir string) (*Keys, error) {
	k, _, err := loadKeys(dir, false)
	return k, err
}

func loadKeys(dir string, create bool) (k *Keys, created []string, err error) {
	var (
		id  *age.HybridIdentity
		rec *age.HybridRecipient
	)
	if exists(filepath.Join(dir, RetiredFile)) {
		// The vault key was retired (RetireVaultKey): never make a new one. Its public
		// recipient stays, for the catalogue's record.
		if rec, err = readRecipient(filepath.Join(dir, RecipientFile)); err != nil {
			return nil, nil, err
		}
	} else {
		var idCreated []string
		id, idCreated, err = loadOrCreateIdentity(dir, create)
		if err != nil {
			return nil, created, err
		}
		created = append(created, idCreated...)
		rec = id.Recipient()
	}
	signing, sigCreated, err := loadOrCreateSigningKey(dir, create)
	if err != nil {
		return nil, created, err
	}
	created = append(created, sigCreated...)
	if create {
		epCreated, err := EnsureEpochs(dir)
		created = append(created, epCreated...)
		if err != nil {
			return nil, created, err
		}
	}
	k = newKeys(id, rec, signing, signing.Public().(ed25519.PublicKey))
	switch ep, err := loadEpochs(dir); {
	case err == nil:
		k.ep = ep
	case !callvault.IsKind(err, callvault.KindNotFound):
		return nil, created, err
	}
	return k, created, nil
}

// LoadRecipientOnly loads a recipient file (vault.recipient) for a node that seals but must never
// open: the returned Keys has no identity and no signing key, and Open fails with KindForbidden.
func LoadRecipientOnly(path string) (*Keys, error) {
	r, err := readRecipient(path)
	if err != nil {
		return nil, err
	}
	return newKeys(nil, r, nil, nil), nil
}

func loadOrCreateIdentity(dir string, create bool) (*age.HybridIdentity, []string, error) {
	idPath := filepath.Join(dir, IdentityFile)
	recPath := filepath.Join(dir, RecipientFile)
	var created []string

	id, err := readIdentity(idPath)
	switch {
	case callvault.IsKind(err, callvault.KindNotFound) && !create:
		return nil, nil, err
	case callvault.IsKind(err, callvault.KindNotFound):
		if exists(recPath) {
			return nil, nil, callvault.Errorf(callvault.KindConflict,
				"%s exists but %s is missing; restore the vault key from its backup (a new key could not open existing recordings)", recPath, idPath)
		}
		id, err = age.GenerateHybridIdentity()
		if err != nil {
			return nil, nil, callvault.WrapError(callvault.KindInternal, err, "cannot generate the vault key")
		}
		rec := id.Recipient().String()
		body := fmt.Sprintf("# callvault vault key, created: %s\n# public key: %s\n%s\n",
			time.Now().UTC().Format(time.RFC3339), rec, id.String())
		if err := writeFileExclusive(idPath, []byte(body), 0o600); err != nil {
			return nil, nil, err
		}
		created = append(created, idPath)
	case err != nil:
		return nil, nil, err
	}

	want := id.Recipient().String()
	r, err := readRecipient(recPath)
	switch {
	case callvault.IsKind(err, callvault.KindNotFound) && !create:
	case callvault.IsKind(err, callvault.KindNotFound):
		if err := writeFileExclusive(recPath, []byte(want+"\n"), 0o644); err != nil {
			return nil, created, err
		}
		created = append(created, recPath)
	case err != nil:
		return nil, created, err
	case r.String() != want:
		return nil, created, callvault.Errorf(callvault.KindConflict,
			"%s does not match %s; remove the stale recipient file or restore the matching key", recPath, idPath)
	}
	return id, created, nil
}

func loadOrCreateSigningKey(dir string, create bool) (ed25519.PrivateKey, []string, error) {
	keyPath := filepath.Join(dir, SigningKeyFile)
	pubPath := filepath.Join(dir, VerifyKeyFile)
	var created []string

	priv, err := readSigningKey(keyPath)
	switch {
	case callvault.IsKind(err, callvault.KindNotFound) && !create:
		return nil, nil, err
	case callvault.IsKind(err, callvault.KindNotFound):
		if exists(pubPath) {
			return nil, nil, callvault.Errorf(callvault.KindConflict,
				"%s exists but %s is missing; restore the audit signing key from its backup (a new key would not match existing checkpoints)", pubPath, keyPath)
		}
		_, priv, err = ed25519.GenerateKey(nil)
		if err != nil {
			return nil, nil, callvault.WrapError(callvault.KindInternal, err, "cannot generate the audit signing key")
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, nil, callvault.WrapError(callvault.KindInternal, err, "cannot encode the audit signing key")
		}
		if err := writeFileExclusive(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, nil, err
		}
		created = append(created, keyPath)
	case err != nil:
		return nil, nil, err
	}

	pub := priv.Public().(ed25519.PublicKey)
	got, err := ReadVerifyKey(pubPath)
	switch {
	case callvault.IsKind(err, callvault.KindNotFound) && !create:
	case callvault.IsKind(err, callvault.KindNotFound):
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, created, callvault.WrapError(callvault.KindInternal, err, "cannot encode the audit verify key")
		}
		if err := writeFileExclusive(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
			return nil, created, err
		}
		created = append(created, pubPath)
	case err != nil:
		return nil, created, err
	case !got.Equal(pub):
		return nil, created, callvault.Errorf(callvault.KindConflict,
			"%s does not match %s; remove the stale public key or restore the matching private key", pubPath, keyPath)
	}
	return priv, created, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// readKeyFile reads a key file: KindNotFound if it does not exist, KindForbidden if private and
// readable by group or others.
func readKeyFile(path string, private bool) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, callvault.WrapError(callvault.KindNotFound, err, "key file "+path+" does not exist")
	}
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot open key file "+path)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot stat key file "+path)
	}
	if !fi.Mode().IsRegular() {
		return nil, callvault.Errorf(callvault.KindInternal, "key file %s is not a regular file", path)
	}
	if private && runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, callvault.Errorf(callvault.KindForbidden,
			"private key file %s is readable by group or others (mode %04o); hint: chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	if fi.Size() > maxKeyFileSize {
		return nil, callvault.Errorf(callvault.KindInternal, "key file %s is too large to be a key", path)
	}
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil && fi.Size() > 0 {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot read key file "+path)
	}
	return b, nil
}

func readIdentity(path string) (*age.HybridIdentity, error) {
	b, err := readKeyFile(path, true)
	if err != nil {
		return nil, err
	}
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "vault key file "+path+" is malformed")
	}
	id, ok := ids[0].(*age.HybridIdentity)
	if len(ids) != 1 || !ok {
		return nil, callvault.Errorf(callvault.KindInternal,
			"vault key file %s must hold exactly one post-quantum age identity (AGE-SECRET-KEY-PQ-1...)", path)
	}
	return id, nil
}

func readRecipient(path string) (*age.HybridRecipient, error) {
	b, err := readKeyFile(path, false)
	if err != nil {
		return nil, err
	}
	var found *age.HybridRecipient
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if found != nil {
			return nil, callvault.Errorf(callvault.KindInternal, "recipient file %s holds more than one recipient", path)
		}
		r, err := age.ParseHybridRecipient(line)
		if err != nil {
			return nil, callvault.WrapError(callvault.KindInternal, err,
				"recipient file "+path+" must hold one post-quantum age recipient (age1pq1...)")
		}
		found = r
	}
	if found == nil {
		return nil, callvault.Errorf(callvault.KindInternal, "recipient file %s holds no recipient", path)
	}
	return found, nil
}

func readSigningKey(path string) (ed25519.PrivateKey, error) {
	b, err := readKeyFile(path, true)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, callvault.Errorf(callvault.KindInternal, "audit signing key file %s is not a PEM PRIVATE KEY", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "audit signing key file "+path+" is malformed")
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, callvault.Errorf(callvault.KindInternal, "audit signing key file %s does not hold an ed25519 key", path)
	}
	return priv, nil
}

// ReadVerifyKey reads an audit verify key file (audit-signing.pub, PEM PKIX ed25519), as an
// auditor outside the vault does. KindNotFound if the file does not exist.
func ReadVerifyKey(path string) (ed25519.PublicKey, error) {
	b, err := readKeyFile(path, false)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, callvault.Errorf(callvault.KindInvalid, "audit verify key file %s is not a PEM PUBLIC KEY", path)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInvalid, err, "audit verify key file "+path+" is malformed")
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, callvault.Errorf(callvault.KindInvalid, "audit verify key file %s does not hold an ed25519 key", path)
	}
	return pub, nil
}
