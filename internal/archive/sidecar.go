package archive

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"

	"github.com/callvault/callvault"
	"golang.org/x/crypto/chacha20poly1305"
)

// The sidecar (for SIPREC, the raw metadata XML) is sealed with ChaCha20-Poly1305 under a key
// derived by HKDF-SHA256 from the recording's age file key. Destroying the recording's header
// therefore destroys the sidecar too.
const sidecarInfo = "callvault sidecar v1"

func sidecarAEAD(fileKey []byte) (cipherAEAD, error) {
	key, err := hkdf.Key(sha256.New, fileKey, nil, sidecarInfo, chacha20poly1305.KeySize)
	if err != nil {
		return nil, err
	}
	return chacha20poly1305.NewX(key)
}

type cipherAEAD = interface {
	NonceSize() int
	Overhead() int
	Seal(dst, nonce, plaintext, additionalData []byte) []byte
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}

func sealSidecar(fileKey, doc []byte) ([]byte, error) {
	if len(fileKey) == 0 {
		return nil, callvault.Errorf(callvault.KindInternal, "no file key to seal the sidecar with")
	}
	aead, err := sidecarAEAD(fileKey)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot seal the sidecar")
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(doc)+aead.Overhead())
	rand.Read(nonce)
	return aead.Seal(nonce, nonce, doc, []byte(sidecarInfo)), nil
}

func openSidecar(fileKey, sealed []byte) ([]byte, error) {
	aead, err := sidecarAEAD(fileKey)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot open the sidecar")
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, callvault.Errorf(callvault.KindInternal, "sidecar is truncated")
	}
	n := aead.NonceSize()
	doc, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(sidecarInfo))
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "sidecar failed authentication")
	}
	return doc, nil
}
