package vault

import (
	"path/filepath"
	"slices"
	"sync"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// epochs is the key epoch state of a Keys: the ratchet (key nodes), the recipients the
// catalogue records (every node) and the destroyed epochs. It changes while the process runs
// (destructions seen at each job run), hence the lock.
type epochs struct {
	mu        sync.RWMutex
	dir       string // <keys>/epochs; "" for keys held only in memory
	hasSeed   bool
	seedMonth int
	seed      epochSeed
	explicit  map[string]*age.HybridIdentity // live months before the checkpoint
	cache     map[string]*age.HybridIdentity // derived months
	hold      *age.HybridIdentity
	// recorded holds the recipients the catalogue records, by epoch; nil means "not checked"
	// (keys made in memory for tests and tools): then every month is usable.
	recorded  map[string]*age.HybridRecipient
	destroyed map[string]bool
}

func newEpochs(dir string) *epochs {
	return &epochs{dir: dir, explicit: map[string]*age.HybridIdentity{}, cache: map[string]*age.HybridIdentity{},
		destroyed: map[string]bool{}}
}

var errNoEpochs = callvault.Errorf(callvault.KindNotFound, "this node has no key epochs: neither a key directory with epochs/ nor recipients recorded in the catalogue")

// epochRecipient returns the recipient of a month epoch or the hold epoch. The caller holds mu.
func (e *epochs) recipient(epoch string) (*age.HybridRecipient, error) {
	if e.destroyed[epoch] {
		return nil, callvault.Errorf(callvault.KindConflict, "key epoch %s was destroyed: nothing can be sealed to it", epoch)
	}
	if e.hasSeed {
		// A key node derives; a month its ratchet has moved past was destroyed, whatever a
		// (perhaps restored, older) catalogue records.
		id, err := e.identity(epoch)
		if callvault.IsKind(err, callvault.KindNotFound) && epoch != callvault.HoldEpoch {
			if _, ok := monthIndex(epoch); ok {
				return nil, callvault.Errorf(callvault.KindConflict, "key epoch %s was destroyed (this key directory no longer holds it): nothing can be sealed to it", epoch)
			}
		}
		if err != nil {
			return nil, err
		}
		if e.recorded != nil {
			if _, ok := e.recorded[epoch]; !ok {
				return nil, callvault.Errorf(callvault.KindNotFound, "the catalogue records no recipient for key epoch %s yet (a node with the key directory records them ahead of need)", epoch)
			}
		}
		return id.Recipient(), nil
	}
	if e.recorded != nil {
		r, ok := e.recorded[epoch]
		if !ok {
			return nil, callvault.Errorf(callvault.KindNotFound, "the catalogue records no recipient for key epoch %s yet (a node with the key directory records them ahead of need)", epoch)
		}
		return r, nil
	}
	return nil, errNoEpochs
}

// identity returns the identity of a month epoch or the hold epoch. The caller holds mu.
func (e *epochs) identity(epoch string) (*age.HybridIdentity, error) {
	destroyed := callvault.Errorf(callvault.KindNotFound,
		"recording key destroyed: key epoch %s was destroyed when its recordings' retention ended; no copy of the catalogue can open its recordings", epoch)
	if e.destroyed[epoch] {
		return nil, destroyed
	}
	if epoch == callvault.HoldEpoch {
		if e.hold == nil {
			return nil, callvault.Errorf(callvault.KindNotFound, "this node holds no hold key")
		}
		return e.hold, nil
	}
	i, ok := monthIndex(epoch)
	if !ok {
		return nil, callvault.Errorf(callvault.KindNotFound, "no key epoch %q", epoch)
	}
	if id, ok := e.explicit[epoch]; ok {
		return id, nil
	}
	if !e.hasSeed {
		return nil, errNoEpochs
	}
	if i < e.seedMonth {
		return nil, destroyed
	}
	return e.derive(i)
}

// epochs returns k's epoch state, creating an empty one for recipient-only keys.
func (k *Keys) epochState() *epochs {
	k.epochOnce.Do(func() {
		if k.ep == nil {
			k.ep = newEpochs("")
		}
	})
	return k.ep
}

// HasEpochSeed reports whether k derives epoch identities (a node with the key directory's
// epochs/), as opposed to knowing only the recipients the catalogue records.
func (k *Keys) HasEpochSeed() bool {
	e := k.epochState()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.hasSeed
}

// EpochKeys returns the public halves of the hold key and of the month epochs from the month of
// from to months later, as the catalogue records them (Kind recipient): what a node with the
// key directory records ahead of need, so that recorder-only nodes seal with public keys
// alone. Destroyed months are left out. KindNotFound on a node without the epoch seed.
func (k *Keys) EpochKeys(from time.Time, months int) ([]*callvault.VaultKey, error) {
	e := k.epochState()
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.hasSeed {
		return nil, errNoEpochs
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	out := []*callvault.VaultKey{{Kind: callvault.VaultKeyRecipient, Epoch: callvault.HoldEpoch, Public: e.hold.Recipient().String(), CreatedAt: now}}
	first, _ := monthIndex(callvault.EpochFor(from, from))
	for i := first; i <= first+months; i++ {
		name := monthName(i)
		if e.destroyed[name] {
			continue
		}
		id, err := e.identity(name)
		if callvault.IsKind(err, callvault.KindNotFound) {
			continue // destroyed before this node learnt it
		}
		if err != nil {
			return nil, err
		}
		out = append(out, &callvault.VaultKey{Kind: callvault.VaultKeyRecipient, Epoch: name, Public: id.Recipient().String(), CreatedAt: now})
	}
	return out, nil
}

// UseCatalogue gives k what the catalogue records: the recipients of the vault's epochs
// (VaultKeys of Kind recipient; the vault key's, epoch "", is ignored here) and the destroyed
// epochs. From then on k seals only to recorded, undestroyed epochs. On a node with the epoch
// seed every recorded recipient it can derive must be the one it derives.
//
// Errors: KindConflict if a recorded recipient differs from this node's (its epochs/ is not
// this vault's); KindInternal for a recorded recipient that does not parse.
func (k *Keys) UseCatalogue(recorded []*callvault.VaultKey, destroyed []*callvault.EpochDestruction) error {
	e := k.epochState()
	e.mu.Lock()
	defer e.mu.Unlock()
	rec := map[string]*age.HybridRecipient{}
	for _, v := range recorded {
		if v.Kind != callvault.VaultKeyRecipient || v.Epoch == VaultEpoch {
			continue
		}
		r, err := age.ParseHybridRecipient(v.Public)
		if err != nil {
			return callvault.WrapError(callvault.KindInternal, err, "the catalogue's recipient of key epoch "+v.Epoch+" does not parse")
		}
		rec[v.Epoch] = r
	}
	for _, d := range destroyed {
		e.destroyed[d.Epoch] = true
	}
	if e.hasSeed {
		for ep, r := range rec {
			if e.destroyed[ep] {
				continue
			}
			id, err := e.identity(ep)
			if callvault.IsKind(err, callvault.KindNotFound) {
				continue // destroyed here already; the catalogue will say so
			}
			if err != nil {
				return err
			}
			if id.Recipient().String() != r.String() {
				return callvault.Errorf(callvault.KindConflict,
					"the catalogue records another recipient for key epoch %s than this key directory derives: its epochs/ is not this vault's", ep)
			}
		}
	}
	e.recorded = rec
	return nil
}

// ApplyDestructions deletes this node's copy of every destroyed epoch's identity: the ratchet's
// seed moves past the latest destroyed month (the identities of live months before it are kept
// as files first) and the files of destroyed months are removed. Call it with the catalogue's
// record of destructions at start and at every job run; it is idempotent and crash-safe. It
// returns the months whose secrets this call removed from the key directory.
func (k *Keys) ApplyDestructions(destroyed []*callvault.EpochDestruction) ([]string, error) {
	e := k.epochState()
	e.mu.Lock()
	defer e.mu.Unlock()
	set := map[string]bool{}
	for ep := range e.destroyed {
		set[ep] = true
	}
	for _, d := range destroyed {
		set[d.Epoch] = true
		e.destroyed[d.Epoch] = true
	}
	var retired []string
	if set[VaultEpoch] {
		if _, ok := k.identities[VaultEpoch]; ok {
			if e.dir != "" {
				if err := RetireVaultKey(filepath.Dir(e.dir)); err != nil {
					return nil, err
				}
			}
			delete(k.identities, VaultEpoch)
			retired = append(retired, "vault key")
		}
		delete(set, VaultEpoch)
	}
	if !e.hasSeed {
		return retired, nil
	}
	if e.dir != "" {
		// Nodes sharing one mounted key directory: another may have advanced it already.
		if fresh, err := loadEpochs(filepath.Dir(e.dir)); err == nil && fresh.seedMonth > e.seedMonth {
			e.seed, e.seedMonth, e.explicit, e.hold = fresh.seed, fresh.seedMonth, fresh.explicit, fresh.hold
			clear(e.cache)
		}
	}
	var keep []string
	for ep := range e.recorded {
		keep = append(keep, ep)
	}
	for ep := range e.cache {
		keep = append(keep, ep)
	}
	slices.Sort(keep)
	removed, err := e.advance(set, slices.Compact(keep))
	return append(retired, removed...), err
}

// SealsToEpochs reports whether k knows any key epoch to seal to: it derives them (the key
// directory's epochs/) or the catalogue records their recipients. A recorder-only node whose own
// catalogue records none (one that never shares a catalogue with a node holding the key
// directory) seals to the vault key instead, and a node with the key directory moves those
// recordings into epochs later (Epochs.MigrateVaultKey).
func (k *Keys) SealsToEpochs() bool {
	e := k.epochState()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.hasSeed || len(e.recorded) > 0
}

// DestroyedEpoch reports whether k knows epoch to be destroyed.
func (k *Keys) DestroyedEpoch(epoch string) bool {
	e := k.epochState()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.destroyed[epoch]
}
