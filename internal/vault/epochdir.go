package vault

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// Files of the key directory's epochs/ folder (mode 0700):
//
//	epochs/seed        the ratchet's checkpoint: a month and its seed (mode 0600); every month
//	                   from it on is derived from it, no earlier one
//	epochs/YYYY-MM.key the identity of a live month before the checkpoint, kept when a later
//	                   month was destroyed first (mode 0600)
//	epochs/hold.key    the hold key, never destroyed (mode 0600)
const (
	EpochDirName = "epochs"
	SeedFile     = "seed"
	HoldKeyFile  = "hold.key"
)

// originMonth is the month of the seed every key directory starts with. Nothing is ever sealed
// to a month before the current one (callvault.EpochFor), so the months between the origin and
// the vault's creation are never used; starting every chain at the same month keeps a vault's
// keys independent of the clock of the node that made them.
var originMonth, _ = monthIndex("2000-01")

// EnsureEpochs creates the epochs/ folder of the key directory dir, if it does not exist, with a
// fresh random seed and hold key; it returns the paths created (none if it existed). Every
// node of a vault must hold the same epochs/ (copied once, before the node first starts): a
// node that made its own is refused at start, because the recipients it derives differ from
// those the catalogue records.
func EnsureEpochs(dir string) (created []string, err error) {
	edir := filepath.Join(dir, EpochDirName)
	if _, err := os.Lstat(filepath.Join(edir, SeedFile)); err == nil {
		return nil, nil
	}
	if _, err := os.Lstat(filepath.Join(edir, HoldKeyFile)); err == nil {
		return nil, callvault.Errorf(callvault.KindConflict,
			"%s exists but %s is missing; restore the key directory from its key backup (a new seed could not open existing recordings)", filepath.Join(edir, HoldKeyFile), filepath.Join(edir, SeedFile))
	}
	if err := os.MkdirAll(edir, 0o700); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot create "+edir)
	}
	hold, err := age.GenerateHybridIdentity()
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot generate the hold key")
	}
	holdPath := filepath.Join(edir, HoldKeyFile)
	if err := writeFileExclusive(holdPath, identityFile("hold key", hold), 0o600); err != nil {
		return nil, err
	}
	created = append(created, holdPath)
	var seed epochSeed
	rand.Read(seed[:])
	seedPath := filepath.Join(edir, SeedFile)
	if err := writeFileExclusive(seedPath, seedFile(originMonth, seed), 0o600); err != nil {
		return created, err
	}
	return append(created, seedPath), nil
}

func identityFile(what string, id *age.HybridIdentity) []byte {
	return fmt.Appendf(nil, "# callvault %s, created: %s\n# public key: %s\n%s\n",
		what, time.Now().UTC().Format(time.RFC3339), id.Recipient().String(), id.String())
}

func seedFile(month int, seed epochSeed) []byte {
	return fmt.Appendf(nil, "# callvault key epoch seed: every month epoch from the one named here on is derived from it.\n"+
		"# It is replaced when an epoch is destroyed. Keep it only in this vault's key directories and key backups.\n"+
		"epoch: %s\nseed: %s\n", monthName(month), hex.EncodeToString(seed[:]))
}

// loadEpochs reads the epochs/ folder of dir; KindNotFound if it has none.
func loadEpochs(dir string) (*epochs, error) {
	edir := filepath.Join(dir, EpochDirName)
	b, err := readKeyFile(filepath.Join(edir, SeedFile), true)
	if err != nil {
		return nil, err
	}
	e := newEpochs(edir)
	if e.seedMonth, e.seed, err = parseSeedFile(b); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "key epoch seed file "+filepath.Join(edir, SeedFile)+" is malformed")
	}
	e.hasSeed = true
	if e.hold, err = readIdentity(filepath.Join(edir, HoldKeyFile)); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(edir)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot list "+edir)
	}
	for _, ent := range entries {
		name, ok := strings.CutSuffix(ent.Name(), ".key")
		if !ok || name == "hold" {
			continue
		}
		if _, ok := monthIndex(name); !ok {
			continue
		}
		id, err := readIdentity(filepath.Join(edir, ent.Name()))
		if err != nil {
			return nil, err
		}
		e.explicit[name] = id
	}
	return e, nil
}

func parseSeedFile(b []byte) (month int, seed epochSeed, err error) {
	var gotMonth, gotSeed bool
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "epoch":
			var ok bool
			if month, ok = monthIndex(v); !ok {
				return 0, seed, fmt.Errorf("epoch %q is not a month", v)
			}
			gotMonth = true
		case "seed":
			raw, err := hex.DecodeString(v)
			if err != nil || len(raw) != seedSize {
				return 0, seed, fmt.Errorf("the seed is not %d hex bytes", seedSize)
			}
			copy(seed[:], raw)
			gotSeed = true
		default:
			return 0, seed, fmt.Errorf("unknown line %q", k)
		}
	}
	if !gotMonth || !gotSeed {
		return 0, seed, fmt.Errorf("it needs an epoch and a seed line")
	}
	return month, seed, nil
}

// advance moves the key directory past the destroyed months: identities of live months (keep)
// before the new checkpoint are written as files first, then the seed is replaced by the one of
// the month after the latest destroyed month, then the files of destroyed months are removed.
// Each step can be repeated, so a crash in between is completed by the next call. The caller
// holds e.mu.
func (e *epochs) advance(destroyed map[string]bool, keep []string) (removed []string, err error) {
	newMonth := e.seedMonth
	for ep := range destroyed {
		if i, ok := monthIndex(ep); ok && i >= newMonth {
			newMonth = i + 1
		}
	}
	if newMonth > e.seedMonth {
		for _, ep := range keep {
			i, ok := monthIndex(ep)
			if !ok || i < e.seedMonth || i >= newMonth || destroyed[ep] || e.explicit[ep] != nil {
				continue
			}
			id, err := e.derive(i)
			if err != nil {
				return nil, err
			}
			if e.dir != "" {
				path := filepath.Join(e.dir, ep+".key")
				err := writeFileExclusive(path, identityFile("key epoch "+ep+" identity", id), 0o600)
				if err != nil && !callvault.IsKind(err, callvault.KindConflict) {
					return nil, err
				}
			}
			e.explicit[ep] = id
		}
		seed := e.seed
		for range newMonth - e.seedMonth {
			seed = seed.next()
		}
		if e.dir != "" {
			if err := replaceSecretFile(filepath.Join(e.dir, SeedFile), seedFile(newMonth, seed)); err != nil {
				return nil, err
			}
		}
		for i := e.seedMonth; i < newMonth; i++ {
			if destroyed[monthName(i)] {
				removed = append(removed, monthName(i))
			}
		}
		clear(e.seed[:])
		e.seed, e.seedMonth = seed, newMonth
		for ep := range e.cache {
			if i, _ := monthIndex(ep); i < newMonth {
				delete(e.cache, ep)
			}
		}
	}
	for ep := range destroyed {
		delete(e.cache, ep)
		if _, ok := e.explicit[ep]; !ok {
			continue
		}
		if e.dir != "" {
			if err := removeSecretFile(filepath.Join(e.dir, ep+".key")); err != nil {
				return removed, err
			}
		}
		delete(e.explicit, ep)
		removed = append(removed, ep)
	}
	return removed, nil
}

// derive returns the identity of month i, which must not be before the checkpoint.
func (e *epochs) derive(i int) (*age.HybridIdentity, error) {
	name := monthName(i)
	if id, ok := e.cache[name]; ok {
		return id, nil
	}
	if !e.hasSeed || i < e.seedMonth {
		return nil, callvault.Errorf(callvault.KindInternal, "key epoch %s is before the seed's month", name)
	}
	seed := e.seed
	for range i - e.seedMonth {
		seed = seed.next()
	}
	id, err := seed.identity()
	clear(seed[:])
	if err != nil {
		return nil, err
	}
	e.cache[name] = id
	return id, nil
}

// replaceSecretFile writes data to path atomically, replacing what was there: a temporary file
// is written and fsynced, renamed over path, and the directory fsynced. The old content is
// overwritten first, as far as the filesystem lets a rewrite reach the same blocks.
func replaceSecretFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot create a file in "+dir)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot write "+tmpName)
	}
	scrub(path)
	if err := os.Rename(tmpName, path); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot replace "+path)
	}
	return syncDir(dir)
}

// removeSecretFile overwrites a key file with zeros (best effort: journaling filesystems and
// SSDs may keep the old blocks) and removes it. A missing file is not an error.
func removeSecretFile(path string) error {
	scrub(path)
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return callvault.WrapError(callvault.KindInternal, err, "cannot remove "+path)
	}
	return syncDir(filepath.Dir(path))
}

func scrub(path string) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		f.WriteAt(bytes.Repeat([]byte{0}, int(fi.Size())), 0)
		f.Sync()
	}
}
