package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"io"
	"strings"
	"testing"
	"time"
)

func newKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

var when = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

func build(t testing.TB, key ed25519.PrivateKey) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, key, "SAR-2026-0001", when)
	for _, f := range []struct{ name, body string }{
		{"recordings/a.wav", "RIFF....WAVEfmt audio a"}, {"recordings/a.json", `{"id":"a"}`},
		{"recordings/b.wav", "RIFF....WAVEfmt audio b"}, {"custody.json", `[{"step":"opened"}]`},
	} {
		if err := w.Add(f.name, strings.NewReader(f.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Add("recordings/a.wav", strings.NewReader("again")); err == nil {
		t.Fatal("a repeated path was added")
	}
	if err := w.Add("../x", strings.NewReader("x")); err == nil {
		t.Fatal("a path outside the bundle was added")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rewrite copies zip b entry by entry through edit, which may change, drop (nil) or keep an
// entry's bytes; extra entries are appended.
func rewrite(t *testing.T, b []byte, edit func(name string, body []byte) []byte, extra map[string]string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	put := func(name string, body []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
	}
	for _, f := range zr.File {
		rc, _ := f.Open()
		body, _ := io.ReadAll(rc)
		rc.Close()
		if body = edit(f.Name, body); body != nil {
			put(f.Name, body)
		}
	}
	for name, body := range extra {
		put(name, []byte(body))
	}
	zw.Close()
	return out.Bytes()
}

func verify(t *testing.T, b []byte, trusted ed25519.PublicKey) *Report {
	t.Helper()
	rep, err := Verify(bytes.NewReader(b), int64(len(b)), trusted)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantProblem(t *testing.T, rep *Report, what, path string) {
	t.Helper()
	for _, p := range rep.Problems {
		if p.What == what && p.Path == path {
			return
		}
	}
	t.Errorf("no %s problem naming %q; got %v", what, path, rep.Problems)
}

func TestVerify(t *testing.T) {
	key, other := newKey(t, 1), newKey(t, 2)
	pub := key.Public().(ed25519.PublicKey)
	fresh := build(t, key)
	if rep := verify(t, fresh, pub); !rep.OK() || !rep.Trusted || rep.KeyID != KeyID(pub) || len(rep.Manifest.Files) != 4 {
		t.Fatalf("a fresh bundle: %+v", rep)
	}
	if rep := verify(t, fresh, nil); !rep.OK() || rep.Trusted {
		t.Errorf("a fresh bundle without a trusted key: ok %v trusted %v", rep.OK(), rep.Trusted)
	}

	changed := rewrite(t, fresh, func(name string, b []byte) []byte {
		if name == "recordings/b.wav" {
			b[len(b)-1] ^= 1
		}
		return b
	}, nil)
	rep := verify(t, changed, pub)
	wantProblem(t, rep, "changed", "recordings/b.wav")
	if len(rep.Problems) != 1 {
		t.Errorf("one changed byte: %v", rep.Problems)
	}

	removed := rewrite(t, fresh, func(name string, b []byte) []byte {
		if name == "recordings/a.json" {
			return nil
		}
		return b
	}, nil)
	wantProblem(t, verify(t, removed, pub), "missing", "recordings/a.json")

	added := rewrite(t, fresh, func(_ string, b []byte) []byte { return b }, map[string]string{"recordings/c.wav": "smuggled"})
	wantProblem(t, verify(t, added, pub), "added", "recordings/c.wav")

	// The manifest re-signed by another key while still naming ours: the signature fails.
	forged := rewrite(t, fresh, func(name string, b []byte) []byte {
		if name == SignatureName {
			return []byte(signText(other, manifestOf(t, fresh)))
		}
		return b
	}, nil)
	wantProblem(t, verify(t, forged, pub), "signature", SignatureName)
	// A whole bundle made with another key verifies on its own, and fails against ours.
	foreign := build(t, other)
	if rep := verify(t, foreign, nil); !rep.OK() {
		t.Errorf("a consistent bundle of another key without a trusted key: %v", rep.Problems)
	}
	wantProblem(t, verify(t, foreign, pub), "key", "")

	// An edited manifest (a file's hash replaced to match changed audio) breaks the signature.
	edited := rewrite(t, changed, func(name string, b []byte) []byte {
		if name == ManifestName {
			return bytes.Replace(b, []byte(`"SAR-2026-0001"`), []byte(`"SAR-2026-0002"`), 1)
		}
		return b
	}, nil)
	wantProblem(t, verify(t, edited, pub), "signature", SignatureName)

	if _, err := Verify(strings.NewReader("not a zip"), 9, pub); err == nil {
		t.Error("a non-zip verified")
	}
}

func manifestOf(t *testing.T, b []byte) []byte {
	var m []byte
	rewrite(t, b, func(name string, body []byte) []byte {
		if name == ManifestName {
			m = body
		}
		return body
	}, nil)
	return m
}

func signText(key ed25519.PrivateKey, msg []byte) string { return b64(ed25519.Sign(key, msg)) }

// FuzzVerify: any bytes are a report or an error, never a panic.
func FuzzVerify(f *testing.F) {
	f.Add(build(f, newKey(f, 1)))
	f.Add([]byte("PK\x03\x04"))
	pub := newKey(f, 1).Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Verify(bytes.NewReader(b), int64(len(b)), pub)
		if err == nil && rep == nil {
			t.Fatal("no report and no error")
		}
	})
}
