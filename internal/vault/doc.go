// Package vault encrypts recordings with age and keeps the vault's keys.
//
// A recording is sealed to the recipient of its key epoch (an age hybrid post-quantum key): the
// month in which its retention ends. The audio is encrypted as it streams in (SealDeferred) and
// its file key wrapped once the month is known (WrapFileKey); the header, which holds the wrapped
// file key, goes to the catalogue (callvault.Recording.Header); only the payload (nonce and
// STREAM chunks) goes to the blob store. Destroying the header crypto-shreds one recording;
// destroying an epoch's identity crypto-shreds every header ever sealed to it, in every copy of
// the catalogue. Open reassembles header and payload behind an io.ReaderAt so that reading minute
// 50 of an hour-long call decrypts only the 64 KiB chunks it needs. Rewrap moves a header to
// another epoch without touching the audio.
//
// The key directory (default <data>/keys, mode 0700) holds, apart from the blobs:
//
//	vault.key          age identity (AGE-SECRET-KEY-PQ-1...), mode 0600, age-keygen format: the
//	                   vault key of recordings from before key epochs, until it is retired
//	                   (then vault.key.retired marks its absence)
//	vault.recipient    its public recipient (age1pq1...), mode 0644
//	audit-signing.key  ed25519 private key (PEM PKCS#8), mode 0600, signs audit checkpoints
//	audit-signing.pub  its public key (PEM PKIX), mode 0644, given to auditors
//	epochs/seed        the key epochs' ratchet: every month from the one it names is derived
//	                   from it (epochderive.go), mode 0600
//	epochs/YYYY-MM.key a live month before the ratchet's month, kept when a later one was
//	                   destroyed first, mode 0600
//	epochs/hold.key    the hold key of recordings on hold, mode 0600
//
// A node that holds only vault.recipient (a recorder) can seal, to the recipients the catalogue
// records, but never open. Epochs runs the epochs' life over a catalogue: recording recipients
// ahead of need, destroying ended epochs, honouring destructions on every node, re-wrapping.
package vault
