package bundle

import (
	"archive/zip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// Format names the bundle format in its manifest.
const Format = "callvault-bundle/1"

// Names of the bundle's own entries.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
)

// Manifest lists every file of a bundle. Its exact bytes are what the signature covers.
type Manifest struct {
	Format    string    `json:"format"`
	Case      string    `json:"case"` // the case's reference
	CreatedAt time.Time `json:"created_at"`
	// PublicKey is the signer's ed25519 public key (base64); KeyID its fingerprint, the hex of
	// the first 8 bytes of its SHA-256 (as `callvault audit` names the key).
	PublicKey string `json:"public_key"`
	KeyID     string `json:"key_id"`
	Files     []File `json:"files"`
}

// File is one file of a bundle.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// KeyID returns the fingerprint of pub: hex of the first 8 bytes of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Writer writes a bundle: Add each file, then Close to write the manifest and its signature.
type Writer struct {
	zw    *zip.Writer
	sum   string // the manifest's SHA-256, once closed
	key   ed25519.PrivateKey
	m     Manifest
	paths map[string]bool
}

// NewWriter starts a bundle for case reference, signed with key, on w.
func NewWriter(w io.Writer, key ed25519.PrivateKey, reference string, now time.Time) *Writer {
	pub := key.Public().(ed25519.PublicKey)
	return &Writer{zw: zip.NewWriter(w), key: key, paths: map[string]bool{},
		m: Manifest{Format: Format, Case: reference, CreatedAt: now.UTC(), PublicKey: base64.StdEncoding.EncodeToString(pub), KeyID: KeyID(pub)}}
}

// Add copies r into the bundle as name, hashing it on the way.
func (b *Writer) Add(name string, r io.Reader) error {
	if err := checkPath(name); err != nil || name == ManifestName || name == SignatureName || b.paths[name] {
		return fmt.Errorf("bundle: %q cannot be added (reserved, repeated or not a plain relative path)", name)
	}
	b.paths[name] = true
	w, err := b.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: b.m.CreatedAt})
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if err != nil {
		return fmt.Errorf("bundle: write %s: %w", name, err)
	}
	b.m.Files = append(b.m.Files, File{Path: name, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n})
	return nil
}

// Close writes the manifest and its signature and finishes the zip.
func (b *Writer) Close() error {
	manifest, err := json.MarshalIndent(&b.m, "", "  ")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(manifest)
	b.sum = hex.EncodeToString(sum[:])
	sig := b64(ed25519.Sign(b.key, manifest)) + "\n"
	for _, e := range []struct {
		name string
		body []byte
	}{{ManifestName, manifest}, {SignatureName, []byte(sig)}} {
		w, err := b.zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: b.m.CreatedAt})
		if err != nil {
			return err
		}
		if _, err := w.Write(e.body); err != nil {
			return err
		}
	}
	return b.zw.Close()
}

// ManifestSHA256 is the hex SHA-256 of the manifest's exact bytes once Close has written it,
// "" before: what a disclosure record keeps as the proof of exactly what was disclosed.
func (b *Writer) ManifestSHA256() string { return b.sum }

// checkPath accepts clean relative slash paths.
func checkPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || path.Clean(p) != p || p == "." || strings.HasPrefix(p, "../") || p == ".." {
		return fmt.Errorf("bad path %q", p)
	}
	return nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
