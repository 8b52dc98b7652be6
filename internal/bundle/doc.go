// Package bundle writes and verifies disclosure bundles: a zip holding files (each recording's
// audio and metadata, the chain of custody), a manifest with the SHA-256 and size of every file,
// and an ed25519 signature of the manifest by the vault's audit key. Verify needs nothing but the
// zip (and, to prove who signed it, the vault's public key): it runs anywhere, with no vault.
package bundle
