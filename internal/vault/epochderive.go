package vault

import (
	"crypto/hmac"
	"crypto/sha256"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// Epoch identities are derived, so that every node holding a copy of the key directory, copied
// once, agrees on every month's key without any further copying:
//
//	seed(m+1) = SHA-256("callvault key epoch ratchet v1" || seed(m))
//	identity(m) = the age hybrid (ML-KEM-768 + X25519) identity whose 32-byte private seed is
//	              HMAC-SHA256(seed(m), "callvault key epoch identity v1")
//
// The ratchet is one-way: from seed(m) every later month's identity follows, and no earlier
// one. The key directory keeps the seed of one month (its checkpoint) and, for months before it
// that are still live, their identities as files; destroying an epoch at or after the
// checkpoint moves the checkpoint past it (see epochdir.go). age's hybrid identities are a
// 32-byte seed expanded deterministically (HPKE's MLKEM768-X25519 DeriveKeyPair), so the
// derivation keeps the post-quantum protection of the vault key.
const (
	ratchetLabel  = "callvault key epoch ratchet v1"
	identityLabel = "callvault key epoch identity v1"
	seedSize      = 32
)

type epochSeed [seedSize]byte

// next returns the seed of the following month.
func (s epochSeed) next() epochSeed {
	h := sha256.New()
	h.Write([]byte(ratchetLabel))
	h.Write(s[:])
	var out epochSeed
	copy(out[:], h.Sum(nil))
	return out
}

// identity derives the month's age identity from its seed.
func (s epochSeed) identity() (*age.HybridIdentity, error) {
	m := hmac.New(sha256.New, s[:])
	m.Write([]byte(identityLabel))
	id, err := age.ParseHybridIdentity(bech32Encode("AGE-SECRET-KEY-PQ-", m.Sum(nil)))
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot derive a key epoch identity")
	}
	return id, nil
}

// monthIndex numbers months consecutively: the ratchet advances one step per index.
func monthIndex(epoch string) (int, bool) {
	y, m, ok := callvault.ParseMonthEpoch(epoch)
	if !ok {
		return 0, false
	}
	return y*12 + int(m) - 1, true
}

func monthName(i int) string { return callvault.MonthEpoch(i/12, time.Month(i%12+1)) }
