package bundle

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// maxManifest bounds the manifest and signature read into memory.
const maxManifest = 16 << 20

// Problem is one thing wrong with a bundle; Path names the file ("" for the bundle itself).
type Problem struct {
	Path string
	What string // changed, missing, added, signature, key, unreadable
	Info string
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.What + ": " + p.Info
	}
	return p.What + ": " + p.Path + " (" + p.Info + ")"
}

// Report is the outcome of Verify.
type Report struct {
	Manifest *Manifest
	KeyID    string // fingerprint of the key in the bundle
	// Trusted is set when a trusted key was given and the bundle is signed by it.
	Trusted  bool
	Problems []Problem
}

// OK reports whether everything checked.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Verify checks the bundle in r (of size bytes): the manifest's signature by the key it names,
// that key against trusted (when given), and every file: each listed file is present with its
// SHA-256 and size, and no other file is there. It returns an error only when r is not a zip
// at all; everything else is a Problem in the report.
func Verify(r io.ReaderAt, size int64, trusted ed25519.PublicKey) (*Report, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a zip file: %w", err)
	}
	rep := &Report{}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if entries[f.Name] != nil {
			rep.Problems = append(rep.Problems, Problem{Path: f.Name, What: "added", Info: "a second entry with this name"})
			continue
		}
		entries[f.Name] = f
	}
	manifest, err := readAll(entries[ManifestName])
	if err != nil {
		rep.Problems = append(rep.Problems, Problem{Path: ManifestName, What: "missing", Info: err.Error()})
		return rep, nil
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil || m.Format != Format {
		rep.Problems = append(rep.Problems, Problem{Path: ManifestName, What: "changed", Info: "not a " + Format + " manifest"})
		return rep, nil
	}
	rep.Manifest = &m
	pub, err := base64.StdEncoding.DecodeString(m.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		rep.Problems = append(rep.Problems, Problem{Path: ManifestName, What: "key", Info: "the manifest's public key is not an ed25519 key"})
		return rep, nil
	}
	rep.KeyID = KeyID(pub)
	sigText, err := readAll(entries[SignatureName])
	sig, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigText)))
	switch {
	case err != nil:
		rep.Problems = append(rep.Problems, Problem{Path: SignatureName, What: "missing", Info: err.Error()})
	case derr != nil || !ed25519.Verify(pub, manifest, sig):
		rep.Problems = append(rep.Problems, Problem{Path: SignatureName, What: "signature", Info: "the manifest's signature does not verify with key " + rep.KeyID})
	}
	if trusted != nil {
		if bytes.Equal(trusted, pub) {
			rep.Trusted = true
		} else {
			rep.Problems = append(rep.Problems, Problem{What: "key", Info: fmt.Sprintf("signed by key %s, not the trusted key %s", rep.KeyID, KeyID(trusted))})
		}
	}
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	for _, f := range m.Files {
		listed[f.Path] = true
		e := entries[f.Path]
		if e == nil {
			rep.Problems = append(rep.Problems, Problem{Path: f.Path, What: "missing", Info: "listed in the manifest, not in the bundle"})
			continue
		}
		sum, n, err := hashEntry(e)
		switch {
		case err != nil:
			rep.Problems = append(rep.Problems, Problem{Path: f.Path, What: "unreadable", Info: err.Error()})
		case sum != f.SHA256 || n != f.Size:
			rep.Problems = append(rep.Problems, Problem{Path: f.Path, What: "changed", Info: "its SHA-256 or size is not the manifest's"})
		}
	}
	var added []string
	for name := range entries {
		if !listed[name] {
			added = append(added, name)
		}
	}
	slices.Sort(added)
	for _, name := range added {
		rep.Problems = append(rep.Problems, Problem{Path: name, What: "added", Info: "not listed in the manifest"})
	}
	return rep, nil
}

func readAll(f *zip.File) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("not in the bundle")
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxManifest+1))
	if err == nil && len(b) > maxManifest {
		err = fmt.Errorf("larger than %d MiB", maxManifest>>20)
	}
	return b, err
}

func hashEntry(f *zip.File) (string, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
