package vault

import (
	"bytes"
	"io"
	"testing"
)

const benchSize = 1_400_000 // a typical short call as 8 kHz 16-bit WAV

func BenchmarkSeal(b *testing.B) {
	k := testKeys(b)
	r, _ := k.Recipient(VaultEpoch)
	plain := bytes.Repeat([]byte{1, 2, 3, 4}, benchSize/4)
	b.SetBytes(benchSize)
	for b.Loop() {
		_, w, err := Seal(io.Discard, r)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(w, bytes.NewReader(plain)); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainCopy(b *testing.B) {
	plain := bytes.Repeat([]byte{1, 2, 3, 4}, benchSize/4)
	b.SetBytes(benchSize)
	for b.Loop() {
		// Hide WriteTo/ReadFrom so that io.Copy moves 32 KiB pieces, as it does into a blob.
		if _, err := io.Copy(struct{ io.Writer }{io.Discard}, struct{ io.Reader }{bytes.NewReader(plain)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenReadAll(b *testing.B) {
	k := testKeys(b)
	plain := bytes.Repeat([]byte{1, 2, 3, 4}, benchSize/4)
	header, payload := sealBytes(b, plain, k)
	id, _ := k.Identity(VaultEpoch)
	b.SetBytes(benchSize)
	for b.Loop() {
		r, n, err := Open(header, bytes.NewReader(payload), int64(len(payload)), id)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, io.NewSectionReader(r, 0, n), make([]byte, 64<<10)); err != nil {
			b.Fatal(err)
		}
	}
}
