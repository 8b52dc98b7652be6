package vault

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"sync"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// VaultEpoch is the epoch of the vault key itself.
const VaultEpoch = ""

// Keys holds the vault's age keys, per epoch, and the audit signing key. A Keys loaded with
// LoadRecipientOnly has recipients but no identities: it can seal, never open. Keys is
// read-only after loading and safe for concurrent use.
type Keys struct {
	recipients map[string]*age.HybridRecipient
	identities map[string]*age.HybridIdentity
	signing    ed25519.PrivateKey // nil on a recipient-only node
	verify     ed25519.PublicKey  // nil on a recipient-only node
	epochOnce  sync.Once
	ep         *epochs // key epochs; see epochs.go
}

// GenerateKeys returns fresh keys held only in memory, for tests and tools that never persist them.
func GenerateKeys() (*Keys, error) {
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot generate the vault key")
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot generate the audit signing key")
	}
	k := newKeys(id, id.Recipient(), priv, pub)
	if k.ep, err = memoryEpochs(); err != nil {
		return nil, err
	}
	return k, nil
}

// memoryEpochs returns epochs with a fresh random seed and hold key, held only in memory.
func memoryEpochs() (*epochs, error) {
	e := newEpochs("")
	hold, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot generate the hold key")
	}
	e.hold, e.hasSeed, e.seedMonth = hold, true, originMonth
	rand.Read(e.seed[:])
	return e, nil
}

func newKeys(id *age.HybridIdentity, r *age.HybridRecipient, signing ed25519.PrivateKey, verify ed25519.PublicKey) *Keys {
	k := &Keys{
		recipients: map[string]*age.HybridRecipient{VaultEpoch: r},
		identities: map[string]*age.HybridIdentity{},
		signing:    signing,
		verify:     verify,
	}
	if id != nil {
		k.identities[VaultEpoch] = id
	}
	return k
}

// Recipient returns the recipient that seals recordings of epoch: "" the vault key,
// callvault.HoldEpoch the hold key, "YYYY-MM" a month epoch. KindNotFound if the epoch is
// unknown (on a node whose keys were checked against the catalogue: not recorded there);
// KindConflict if it was destroyed.
func (k *Keys) Recipient(epoch string) (age.Recipient, error) {
	if epoch == VaultEpoch {
		if k.DestroyedEpoch(VaultEpoch) {
			return nil, callvault.Errorf(callvault.KindConflict, "the vault key was retired: nothing can be sealed to it")
		}
		r, ok := k.recipients[epoch]
		if !ok {
			return nil, callvault.Errorf(callvault.KindNotFound, "no recipient for the vault key")
		}
		return r, nil
	}
	e := k.epochState()
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.recipient(epoch)
}

// Identity returns the identity that opens recordings sealed to epoch ("" for the vault key).
// It returns KindForbidden on a node that holds only the public recipient, and KindNotFound if
// the epoch is unknown or its identity was destroyed.
func (k *Keys) Identity(epoch string) (age.Identity, error) {
	e := k.epochState()
	e.mu.Lock()
	defer e.mu.Unlock()
	if id, ok := k.identities[epoch]; ok {
		return id, nil
	}
	if len(k.identities) == 0 && !e.hasSeed {
		return nil, errRecipientOnly
	}
	if epoch == VaultEpoch {
		return nil, callvault.Errorf(callvault.KindNotFound, "recording key destroyed: the vault key was retired once every recording had moved to key epochs")
	}
	return e.identity(epoch)
}

// CanOpen reports whether k holds any identity (the vault key, or the key epochs' seed once the
// vault key is retired), that is whether this node may decrypt.
func (k *Keys) CanOpen() bool {
	e := k.epochState()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(k.identities) > 0 || e.hasSeed
}

// RecipientString returns the vault key's public recipient ("age1pq1..."), safe to publish.
func (k *Keys) RecipientString() string {
	if r, ok := k.recipients[VaultEpoch]; ok {
		return r.String()
	}
	return ""
}

// SigningKey returns the ed25519 key that signs audit checkpoints; nil on a recipient-only node.
func (k *Keys) SigningKey() ed25519.PrivateKey { return k.signing }

// VerifyKey returns the public half of SigningKey; nil on a recipient-only node.
func (k *Keys) VerifyKey() ed25519.PublicKey { return k.verify }

// Open decrypts a recording sealed to epoch; see the package function Open.
func (k *Keys) Open(epoch string, header []byte, payload io.ReaderAt, payloadSize int64) (io.ReaderAt, int64, error) {
	if header == nil {
		return nil, 0, errShredded
	}
	id, err := k.Identity(epoch)
	if err != nil {
		return nil, 0, err
	}
	return Open(header, payload, payloadSize, id)
}
