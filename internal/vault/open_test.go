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

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

func TestOpenDecryptsOnlyTheChunksItNeeds(t *testing.T) {
	k := testKeys(t)
	const size = 30 << 20
	plain := make([]byte, size)
	for i := range plain {
		plain[i] = byte(i ^ i>>8)
	}
	header, payload := sealBytes(t, plain, k)

	cr := &countingReaderAt{r: bytes.NewReader(payload)}
	id, _ := k.Identity(VaultEpoch)
	r, n, err := Open(header, cr, int64(len(payload)), id)
	if err != nil {
		t.Fatal(err)
	}
	if n != size {
		t.Fatalf("plaintext size %d, want %d", n, size)
	}
	atOpen := cr.n.Load()

	off := int64(size - 3<<20 + 12345) // "minute 50": near the end, not chunk-aligned
	buf := make([]byte, 1024)
	if _, err := r.ReadAt(buf, off); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf, plain[off:off+1024]) {
		t.Fatal("wrong plaintext at offset")
	}
	total := cr.n.Load()
	// Open reads the header's buffered neighbourhood and the final chunk; the read one or two
	// 64 KiB chunks. Anything near the 30 MB payload means it decrypted from the start.
	const chunk = 64<<10 + 16
	if atOpen > 2*chunk {
		t.Errorf("Open read %d payload bytes, want at most %d", atOpen, 2*chunk)
	}
	if total-atOpen > 2*chunk {
		t.Errorf("reading 1 KiB read %d payload bytes, want at most %d", total-atOpen, 2*chunk)
	}
	if total > 4*chunk {
		t.Errorf("read %d of %d payload bytes in total", total, len(payload))
	}
}

func TestOpenErrors(t *testing.T) {
	k := testKeys(t)
	plain := bytes.Repeat([]byte{0x55}, 300_000) // five chunks
	header, payload := sealBytes(t, plain, k)
	id, _ := k.Identity(VaultEpoch)
	other := testKeys(t)
	otherID, _ := other.Identity(VaultEpoch)

	t.Run("shredded", func(t *testing.T) {
		_, _, err := Open(nil, bytes.NewReader(payload), int64(len(payload)), id)
		if !callvault.IsKind(err, callvault.KindNotFound) || !strings.Contains(err.Error(), "recording key destroyed") {
			t.Errorf("err = %v, want KindNotFound recording key destroyed", err)
		}
		_, _, err = k.Open(VaultEpoch, nil, bytes.NewReader(payload), int64(len(payload)))
		if !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("Keys.Open: err = %v, want KindNotFound", err)
		}
	})
	t.Run("no identity", func(t *testing.T) {
		_, _, err := Open(header, bytes.NewReader(payload), int64(len(payload)))
		if !callvault.IsKind(err, callvault.KindForbidden) {
			t.Errorf("err = %v, want KindForbidden", err)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		_, _, err := Open(header, bytes.NewReader(payload), int64(len(payload)), otherID)
		if !callvault.IsKind(err, callvault.KindForbidden) {
			t.Errorf("err = %v, want KindForbidden", err)
		}
	})
	t.Run("tampered header", func(t *testing.T) {
		h := bytes.Clone(header)
		h[len(h)-5] ^= 1 // inside the MAC
		_, _, err := Open(h, bytes.NewReader(payload), int64(len(payload)), id)
		if err == nil || callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("err = %v, want an error", err)
		}
	})
	t.Run("corrupt middle chunk fails at read", func(t *testing.T) {
		p := bytes.Clone(payload)
		p[16+2*(64<<10+16)+100] ^= 1 // third chunk
		r, _, err := Open(header, bytes.NewReader(p), int64(len(p)), id)
		if err != nil {
			t.Fatalf("Open: %v (only the final chunk is checked at open)", err)
		}
		buf := make([]byte, 10)
		if _, err := r.ReadAt(buf, 0); err != nil {
			t.Errorf("reading an intact chunk: %v", err)
		}
		_, err = r.ReadAt(buf, 2*(64<<10)+50)
		if !callvault.IsKind(err, callvault.KindInternal) || !strings.Contains(err.Error(), "recording payload failed authentication") {
			t.Errorf("err = %v, want KindInternal recording payload failed authentication", err)
		}
	})
	t.Run("corrupt final chunk fails at open", func(t *testing.T) {
		p := bytes.Clone(payload)
		p[len(p)-1] ^= 1
		_, _, err := Open(header, bytes.NewReader(p), int64(len(p)), id)
		if !callvault.IsKind(err, callvault.KindInternal) || !strings.Contains(err.Error(), "recording payload failed authentication") {
			t.Errorf("err = %v, want authentication failure", err)
		}
	})
	t.Run("corrupt nonce", func(t *testing.T) {
		p := bytes.Clone(payload)
		p[0] ^= 1
		_, _, err := Open(header, bytes.NewReader(p), int64(len(p)), id)
		if !strings.Contains(err.Error(), "recording payload failed authentication") {
			t.Errorf("err = %v, want authentication failure", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		p := payload[:len(payload)-100]
		_, _, err := Open(header, bytes.NewReader(p), int64(len(p)), id)
		if !callvault.IsKind(err, callvault.KindInternal) {
			t.Errorf("err = %v, want KindInternal", err)
		}
		// Catalogue says more bytes than the blob has.
		_, _, err = Open(header, bytes.NewReader(p), int64(len(payload)), id)
		if !callvault.IsKind(err, callvault.KindInternal) {
			t.Errorf("short blob: err = %v, want KindInternal", err)
		}
	})
	t.Run("payload from another recording", func(t *testing.T) {
		_, p2 := sealBytes(t, plain, k)
		_, _, err := Open(header, bytes.NewReader(p2), int64(len(p2)), id)
		if !strings.Contains(err.Error(), "recording payload failed authentication") {
			t.Errorf("err = %v, want authentication failure", err)
		}
	})
	t.Run("blob store error passes through", func(t *testing.T) {
		unavailable := callvault.Errorf(callvault.KindUnavailable, "blob store unreachable")
		r, _, err := Open(header, &failingReaderAt{r: bytes.NewReader(payload), fail: unavailable, from: 64 << 10}, int64(len(payload)), id)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.ReadAt(make([]byte, 10), 2*(64<<10))
		if !errors.Is(err, unavailable) || !callvault.IsKind(err, callvault.KindUnavailable) {
			t.Errorf("err = %v, want the blob store's KindUnavailable", err)
		}
	})
}

// failingReaderAt fails every read that starts in [from, end-100KB) — the middle — with fail.
type failingReaderAt struct {
	r    *bytes.Reader
	fail error
	from int64
}

func (f *failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= f.from && off < f.r.Size()-100_000 {
		return 0, f.fail
	}
	return f.r.ReadAt(p, off)
}

func TestOpenReadAtEOFAndConcurrency(t *testing.T) {
	k := testKeys(t)
	plain := bytes.Repeat([]byte("0123456789"), 30_000)
	header, payload := sealBytes(t, plain, k)
	id, _ := k.Identity(VaultEpoch)
	r, n, err := Open(header, bytes.NewReader(payload), int64(len(payload)), id)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	got, err := r.ReadAt(buf, n-50)
	if got != 50 || err != io.EOF {
		t.Errorf("read across the end: n=%d err=%v, want 50, io.EOF", got, err)
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			b := make([]byte, 1000)
			for i := range 20 {
				off := int64((g*20+i)*3001) % (n - 1000)
				if _, err := r.ReadAt(b, off); err != nil {
					done <- err
					return
				}
				if !bytes.Equal(b, plain[off:off+1000]) {
					done <- errors.New("concurrent read returned wrong bytes")
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

func TestOpenWithAgeX25519Identity(t *testing.T) {
	// Open is not tied to the hybrid key type: any age identity works.
	id, _ := age.GenerateX25519Identity()
	var buf bytes.Buffer
	header, w, err := Seal(&buf, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "classic")
	w.Close()
	r, n, err := Open(header, bytes.NewReader(buf.Bytes()), int64(buf.Len()), id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(io.NewSectionReader(r, 0, n))
	if string(b) != "classic" {
		t.Errorf("got %q", b)
	}
}
