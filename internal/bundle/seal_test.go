package bundle

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/callvault/callvault"
)

// seal writes the bundle plain through s, as a case's export does.
func seal(t *testing.T, s Seal, plain []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := s.Wrap(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A bundle sealed to an age recipient or a passphrase is encrypted (the zip is not readable in
// it), is recognised as encrypted, and opens to the same zip, which verifies, with the right
// identity only; a plain seal leaves the zip as it is.
func TestSealRoundTrip(t *testing.T) {
	key := newKey(t, 1)
	plain := build(t, key)
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	byKey, err := ParseSeal(id.Recipient().String(), "")
	if err != nil || byKey.Kind() != SealRecipient {
		t.Fatalf("ParseSeal(recipient) = %v, %v", byKey, err)
	}
	pass := "correct horse battery"
	if s, err := ParseSeal("", pass); err != nil || s.Kind() != SealPassphrase || !s.Encrypted() {
		t.Fatalf("ParseSeal(passphrase) = %v, %v", s, err)
	}
	// The same seal at a lower scrypt work factor, so that the test does not spend seconds of
	// CPU on each key derivation (the end-to-end test runs the default once).
	r, _ := age.NewScryptRecipient(pass)
	r.SetWorkFactor(10)
	byPass := Seal{recipient: r, kind: SealPassphrase}
	passID, _ := age.NewScryptIdentity(pass)
	wrongPass, _ := age.NewScryptIdentity(pass + "!")
	for _, tc := range []struct {
		name         string
		s            Seal
		right, wrong age.Identity
	}{{"recipient", byKey, id, other}, {"passphrase", byPass, passID, wrongPass}} {
		enc := seal(t, tc.s, plain)
		if !IsEncrypted(bytes.NewReader(enc)) || bytes.Contains(enc, []byte("manifest.json")) {
			t.Errorf("%s: the sealed bundle is not encrypted", tc.name)
		}
		zr, n, err := Open(bytes.NewReader(enc), int64(len(enc)), tc.right)
		if err != nil {
			t.Fatalf("%s: Open: %v", tc.name, err)
		}
		got := make([]byte, n)
		if k, err := zr.ReadAt(got, 0); k != len(got) || (err != nil && err != io.EOF) || !bytes.Equal(got, plain) {
			t.Errorf("%s: the decrypted bundle differs (%v)", tc.name, err)
		}
		if rep := verify(t, got, key.Public().(ed25519.PublicKey)); !rep.OK() {
			t.Errorf("%s: the decrypted bundle does not verify: %v", tc.name, rep.Problems)
		}
		if _, _, err := Open(bytes.NewReader(enc), int64(len(enc)), tc.wrong); !errors.Is(err, ErrWrongKey) {
			t.Errorf("%s: Open with the wrong identity: %v, want ErrWrongKey", tc.name, err)
		}
	}
	if got := seal(t, Seal{}, plain); !bytes.Equal(got, plain) || IsEncrypted(bytes.NewReader(got)) {
		t.Errorf("the plain seal changed the bundle")
	}
}

func TestParseSealRefuses(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	for _, tc := range []struct{ recipient, passphrase, field string }{
		{"age1notarecipient", "", "recipient"},
		{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN", "", "recipient"},
		{id.String(), "", "recipient"}, // the secret key, not the recipient
		{"", "short pass", "passphrase"},
		{"", strings.Repeat("é", 11), "passphrase"},
		{id.Recipient().String(), "long enough passphrase", "recipient"},
	} {
		_, err := ParseSeal(tc.recipient, tc.passphrase)
		fe := callvault.FieldErrorsOf(err)
		if !callvault.IsKind(err, callvault.KindInvalid) || len(fe) != 1 || fe[0].Field != tc.field {
			t.Errorf("ParseSeal(%q, %q) = %v; want a field error on %s", tc.recipient, tc.passphrase, err, tc.field)
		}
	}
	if s, err := ParseSeal("", ""); err != nil || s.Encrypted() {
		t.Errorf("no recipient and no passphrase: %v, %v; want the plain seal", s, err)
	}
}
