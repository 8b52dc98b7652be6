// Package vault encrypts recordings with age and keeps the vault's keys.
//
// A recording is sealed to the vault's recipient (an age hybrid post-quantum key). Seal splits
// the age file in two: the header, which holds the recording's wrapped file key, goes to the
// catalogue (callvault.Recording.Header); only the payload (nonce and STREAM chunks) goes to the
// blob store. Destroying the header crypto-shreds the recording: the payload, and every backup
// of it, can no longer be decrypted by anyone. Open reassembles header and payload behind an
// io.ReaderAt so that reading minute 50 of an hour-long call decrypts only the 64 KiB chunks it
// needs.
//
// The key directory (default <data>/keys, mode 0700) holds, apart from the blobs:
//
//	vault.key          age identity (AGE-SECRET-KEY-PQ-1...), mode 0600, age-keygen format
//	vault.recipient    its public recipient (age1pq1...), mode 0644
//	audit-signing.key  ed25519 private key (PEM PKCS#8), mode 0600, signs audit checkpoints
//	audit-signing.pub  its public key (PEM PKIX), mode 0644, given to auditors
//
// A node that holds only vault.recipient (a recorder) can seal but never open.
//
// Keys are addressed by epoch. The epoch "" is the vault key; later epochs (for example one
// recipient per month, "2026-11") let retention crypto-shred a whole period by destroying that
// epoch's identity. Recording.KeyEpoch names the epoch a recording was sealed to.
package vault
