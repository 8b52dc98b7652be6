package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"

	"github.com/callvault/callvault"
)

// MinPassphrase is the shortest passphrase a bundle is encrypted with, in characters.
const MinPassphrase = 12

// ageMagic begins every age-encrypted file (the binary format; bundles are never armoured).
const ageMagic = "age-encryption.org/v1\n"

// Seal is how a bundle leaves the vault: plain (the zero Seal), or encrypted with age to the
// recipient's own age key or to a passphrase given to the recipient by another channel. The
// zip inside is the same signed bundle either way, so `callvault bundle verify` checks it once
// decrypted. A Seal holds the passphrase only inside its age recipient, and nothing else keeps it.
type Seal struct {
	recipient age.Recipient
	kind      string
}

// Kinds of Seal.
const (
	SealRecipient  = "recipient"
	SealPassphrase = "passphrase"
)

// ParseSeal returns the seal of an age recipient (age1...) or a passphrase of at least
// MinPassphrase characters; neither gives the plain seal. Field errors (KindInvalid) name
// recipient or passphrase.
func ParseSeal(recipient, passphrase string) (Seal, error) {
	recipient = strings.TrimSpace(recipient)
	switch {
	case recipient != "" && passphrase != "":
		return Seal{}, callvault.FieldErrors{{Field: "recipient", Problem: "give a recipient or a passphrase, not both"}}.Err()
	case recipient != "":
		r, err := parseRecipient(recipient)
		if err != nil {
			return Seal{}, callvault.FieldErrors{{Field: "recipient", Problem: "is not an age recipient (age1...)"}}.Err()
		}
		return Seal{recipient: r, kind: SealRecipient}, nil
	case passphrase != "":
		if n := len([]rune(passphrase)); n < MinPassphrase {
			return Seal{}, callvault.FieldErrors{{Field: "passphrase", Problem: fmt.Sprintf("is %d characters; use at least %d", n, MinPassphrase)}}.Err()
		}
		r, err := age.NewScryptRecipient(passphrase)
		if err != nil {
			return Seal{}, callvault.FieldErrors{{Field: "passphrase", Problem: "cannot be used"}}.Err()
		}
		return Seal{recipient: r, kind: SealPassphrase}, nil
	}
	return Seal{}, nil
}

func parseRecipient(s string) (age.Recipient, error) {
	if strings.HasPrefix(s, "age1pq") {
		return age.ParseHybridRecipient(s)
	}
	return age.ParseX25519Recipient(s)
}

// Kind is SealRecipient, SealPassphrase, or "" for a plain bundle.
func (s Seal) Kind() string { return s.kind }

// Encrypted reports whether the bundle is encrypted.
func (s Seal) Encrypted() bool { return s.recipient != nil }

// Wrap returns the writer the bundle's zip is written to: w itself for a plain bundle, else an
// age encryption to w that Close finishes (it does not close w).
func (s Seal) Wrap(w io.Writer) (io.WriteCloser, error) {
	if s.recipient == nil {
		return nopCloser{w}, nil
	}
	return age.Encrypt(w, s.recipient)
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// IsEncrypted reports whether the file r begins as an age-encrypted file does.
func IsEncrypted(r io.ReaderAt) bool {
	b := make([]byte, len(ageMagic))
	n, _ := r.ReadAt(b, 0)
	return bytes.Equal(b[:n], []byte(ageMagic))
}

// ErrWrongKey is returned by Open when no identity given decrypts the bundle.
var ErrWrongKey = errors.New("the bundle is encrypted to another key or passphrase: none given decrypts it")

// Open returns the zip inside the encrypted bundle r of size bytes, decrypted as it is read
// (nothing decrypted is written anywhere). ErrWrongKey if no identity decrypts it.
func Open(r io.ReaderAt, size int64, identities ...age.Identity) (io.ReaderAt, int64, error) {
	zr, n, err := age.DecryptReaderAt(r, size, identities...)
	var nomatch *age.NoIdentityMatchError
	if errors.As(err, &nomatch) {
		return nil, 0, ErrWrongKey
	}
	if err != nil {
		return nil, 0, fmt.Errorf("cannot decrypt the bundle: %w", err)
	}
	return zr, n, nil
}
