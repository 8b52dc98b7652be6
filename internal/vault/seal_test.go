package vault

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// sealBytes seals plain to k's vault recipient and returns the header and the payload.
func sealBytes(t testing.TB, plain []byte, k *Keys) (header, payload []byte) {
	t.Helper()
	r, err := k.Recipient(VaultEpoch)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	header, w, err := Seal(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return header, buf.Bytes()
}

// openAll opens header+payload with k and reads the whole plaintext.
func openAll(t testing.TB, k *Keys, header, payload []byte) []byte {
	t.Helper()
	r, size, err := k.Open(VaultEpoch, header, bytes.NewReader(payload), int64(len(payload)))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(io.NewSectionReader(r, 0, size))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testKeys(t testing.TB) *Keys {
	t.Helper()
	k, err := GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealSplitsHeaderFromPayload(t *testing.T) {
	k := testKeys(t)
	plain := bytes.Repeat([]byte("RIFF....WAVEfmt "), 10000) // 160 kB, three chunks
	header, payload := sealBytes(t, plain, k)

	if !bytes.HasPrefix(header, []byte("age-encryption.org/v1\n")) {
		t.Fatalf("header does not start with the age intro: %q", header[:min(len(header), 30)])
	}
	if bytes.Contains(payload, []byte("age-encryption.org")) {
		t.Error("payload contains the age header")
	}
	// header + payload is exactly one age file whose header is the one we kept.
	file := append(bytes.Clone(header), payload...)
	got, err := age.ExtractHeader(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, header) {
		t.Error("ExtractHeader(header+payload) differs from Seal's header")
	}
	// 16-byte nonce + 3 chunks of (plaintext + 16-byte tag).
	if want := 16 + len(plain) + 3*16; len(payload) != want {
		t.Errorf("payload is %d bytes, want %d", len(payload), want)
	}
	id, _ := k.Identity(VaultEpoch)
	dec, err := age.Decrypt(bytes.NewReader(file), id)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(dec); !bytes.Equal(b, plain) {
		t.Error("age.Decrypt of header+payload does not round-trip")
	}
	// The payload alone is not an age file.
	if _, err := age.Decrypt(bytes.NewReader(payload), id); err == nil {
		t.Error("payload without header decrypted")
	}
}

func TestSealEmptyAndSizes(t *testing.T) {
	k := testKeys(t)
	for _, n := range []int{0, 1, 64 << 10, 64<<10 + 1, 200_000} {
		plain := make([]byte, n)
		for i := range plain {
			plain[i] = byte(i * 7)
		}
		header, payload := sealBytes(t, plain, k)
		if got := openAll(t, k, header, payload); !bytes.Equal(got, plain) {
			t.Errorf("size %d: round trip differs", n)
		}
	}
}

func TestSealNoRecipient(t *testing.T) {
	if _, _, err := Seal(io.Discard); !callvault.IsKind(err, callvault.KindInternal) {
		t.Errorf("err = %v, want KindInternal", err)
	}
}

type failWriter struct{ after atomic.Int64 }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.after.Add(-int64(len(p))) < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestSealReportsWriteErrors(t *testing.T) {
	k := testKeys(t)
	r, _ := k.Recipient(VaultEpoch)
	if _, _, err := Seal(&failWriter{}, r); err == nil {
		t.Error("Seal ignored a failing nonce write")
	}
	fw := &failWriter{}
	fw.after.Store(16)
	_, w, err := Seal(fw, r)
	if err != nil {
		t.Fatal(err)
	}
	_, werr := w.Write(make([]byte, 200_000))
	cerr := w.Close()
	if werr == nil && cerr == nil {
		t.Error("write errors of dst were swallowed")
	}
}

func TestSealOpenMultipleRecipients(t *testing.T) {
	a, b := testKeys(t), testKeys(t)
	ra, _ := a.Recipient(VaultEpoch)
	rb, _ := b.Recipient(VaultEpoch)
	var buf bytes.Buffer
	header, w, err := Seal(&buf, ra, rb)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(w, strings.NewReader("two keys"))
	w.Close()
	for _, k := range []*Keys{a, b} {
		if got := openAll(t, k, header, buf.Bytes()); string(got) != "two keys" {
			t.Errorf("got %q", got)
		}
	}
}
