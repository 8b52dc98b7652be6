package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/callvault/callvault"
)

// WitnessFile is the default name of the witness file in the key directory.
const WitnessFile = "checkpoints.jsonl"

// Witness is an append-only file, outside the database, holding a copy of every checkpoint a
// process signs, one JSON object per line (as callvault.Checkpoint marshals, with the vault's
// identifier added). Checkpoints in the database pin the log only while the database keeps them:
// someone who can cut the log's tail can delete the checkpoint rows with it. The witness keeps
// them where the database's user cannot reach, so that Verify notices the log no longer reaching
// them. It is worth as much as it is out of reach: keep it on storage that enforces append-only
// or WORM, or ship it off the machine as it grows. Several processes may append to one file
// (each append holds an exclusive flock on Linux).
//
// A witness file lives with the keys, not with a vault: a key directory used for a second vault
// holds the first one's checkpoints. Each line names its vault (VaultID) so that this can be
// diagnosed (WitnessContents.Of), but every line is held against the log: a log rewritten from
// event 1 would name another vault too.
type Witness struct {
	Path string
	// Vault is written on every line appended: the VaultID of the log whose checkpoints these
	// are. "" names none, like the lines written before lines named their vault.
	Vault string

	syncDir  func(dir string) error // nil means fsyncDir; tests count the calls
	onLocked func()                 // tests: called while Append holds the lock, before it writes
}

// witnessLine is one line of a witness file.
type witnessLine struct {
	callvault.Checkpoint
	Vault string `json:"vault,omitempty"`
}

// VaultID identifies a vault by its audit log: the hash of event 1, which every vault has and
// which no legitimate change alters (a migration copies the log verbatim). It is "" when the log
// is empty or has lost its event 1; witness lines are then not told apart by vault.
func VaultID(ctx context.Context, store callvault.AuditStore) (string, error) {
	evs, err := store.AuditEvents(ctx, 0, 1)
	if err != nil || len(evs) == 0 || evs[0].Seq != 1 {
		return "", err
	}
	return evs[0].Hash, nil
}

// Append writes cp, naming w.Vault, as one line with a single write, holding the file's lock,
// and fsyncs it before returning, so a checkpoint the database holds is never missing from the
// witness after a crash. A line left incomplete by an earlier crash is closed first, so that cp
// stands on a line of its own. Errors are KindInternal, naming the file.
func (w *Witness) Append(cp *callvault.Checkpoint) error {
	line, err := json.Marshal(witnessLine{Checkpoint: *cp, Vault: w.Vault})
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot encode a checkpoint for the witness file")
	}
	f, err := w.openLocked(true)
	if err != nil {
		return err
	}
	defer f.Close() // releases the lock
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	line = append(line, '\n')
	if w.onLocked != nil {
		w.onLocked()
	}
	if _, err := f.Write(line); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot write to the audit witness file "+w.Path)
	}
	if err := f.Sync(); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot fsync the audit witness file "+w.Path)
	}
	return nil
}

// CheckWritable creates the witness file if it is missing (durably, like Append) and checks that
// it can be appended to and locked, writing nothing: a server checks it at start rather than at
// its first checkpoint.
func (w *Witness) CheckWritable() error {
	f, err := w.openLocked(true)
	if err != nil {
		return err
	}
	return f.Close()
}

// openLocked opens the witness file for appending (creating it if create is set) and takes its
// exclusive lock. A file it creates is made durable, its directory fsynced, before anyone can
// write to it (they wait for the lock), so a checkpoint never lands in a file whose name a crash
// could lose. A file moved aside by Rotate while this waited for the lock is let go, and the
// witness opened again.
func (w *Witness) openLocked(create bool) (*os.File, error) {
	for attempt := 0; attempt < 10; attempt++ {
		// O_RDWR (not O_WRONLY) to read the last byte; the file is only ever appended to,
		// which an append-only attribute (chattr +a) or WORM storage can enforce.
		var f *os.File
		err := fs.ErrExist
		if create {
			f, err = os.OpenFile(w.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
		}
		created := err == nil
		if errors.Is(err, fs.ErrExist) {
			f, err = os.OpenFile(w.Path, os.O_RDWR|os.O_APPEND, 0)
			if create && errors.Is(err, fs.ErrNotExist) {
				continue // moved aside between the two opens
			}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, callvault.WrapError(callvault.KindNotFound, err, "no audit witness file at "+w.Path)
		}
		if err != nil {
			return nil, callvault.WrapError(callvault.KindInternal, err, "cannot open the audit witness file "+w.Path+" for appending")
		}
		if err := lockFile(f); err != nil {
			f.Close()
			return nil, callvault.WrapError(callvault.KindInternal, err, "cannot lock the audit witness file "+w.Path)
		}
		if !stillAt(f, w.Path) {
			f.Close()
			if !create {
				return nil, callvault.Errorf(callvault.KindNotFound, "no audit witness file at %s (it was moved aside meanwhile)", w.Path)
			}
			continue
		}
		if created {
			if err := w.sync(filepath.Dir(w.Path)); err != nil {
				f.Close()
				return nil, callvault.WrapError(callvault.KindInternal, err, "cannot fsync the directory of the audit witness file "+w.Path)
			}
		}
		return f, nil
	}
	return nil, callvault.Errorf(callvault.KindInternal, "the audit witness file %s kept being moved aside while it was opened", w.Path)
}

// stillAt reports whether f is the file at path.
func stillAt(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

func (w *Witness) sync(dir string) error {
	if w.syncDir != nil {
		return w.syncDir(dir)
	}
	return fsyncDir(dir)
}

func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// WitnessContents is what ReadWitness found in a witness file.
type WitnessContents struct {
	// Checkpoints holds every line's checkpoint, whatever its vault: see Of.
	Checkpoints []*callvault.Checkpoint
	// Vaults[i] is the vault Checkpoints[i] names; "" for a line written before lines named
	// their vault.
	Vaults []string
	// Incomplete counts lines that are not JSON: writes a crash interrupted before their fsync,
	// which no database checkpoint can depend on (Append fsyncs the witness first).
	Incomplete int
}

// Of returns the checkpoints of the vault whose VaultID is vault, with those of the lines that
// name no vault, and counts the lines that name another vault (a key directory used by two
// vaults). An empty vault (not known) takes every line.
func (c *WitnessContents) Of(vault string) (cps []*callvault.Checkpoint, others int) {
	for i, cp := range c.Checkpoints {
		if v := c.Vaults[i]; vault != "" && v != "" && v != vault {
			others++
			continue
		}
		cps = append(cps, cp)
	}
	return cps, others
}

// ReadWitness reads a witness file. A missing file is KindNotFound (a node that never signed a
// checkpoint, or a witness kept elsewhere); a line that is JSON but not a checkpoint is
// KindInvalid, naming the line. Signatures are not checked here: Verify and the Checkpointer
// check them.
func ReadWitness(path string) (*WitnessContents, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, callvault.WrapError(callvault.KindNotFound, err, "no audit witness file at "+path)
	}
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot read the audit witness file "+path)
	}
	defer f.Close()
	return parseWitness(f, path)
}

func parseWitness(r io.Reader, name string) (*WitnessContents, error) {
	out := &WitnessContents{}
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		b, err := readLine(br)
		if errors.Is(err, io.EOF) && len(b) == 0 {
			return out, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return out, callvault.WrapError(callvault.KindInvalid, err, lineOf(name, n, "cannot be read"))
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if !json.Valid(b) {
			out.Incomplete++
			continue
		}
		var l witnessLine
		if err := json.Unmarshal(b, &l); err != nil || l.Seq <= 0 || l.Hash == "" || l.Signature == "" {
			return out, callvault.Errorf(callvault.KindInvalid, "%s", lineOf(name, n, "is not a signed checkpoint"))
		}
		out.Checkpoints = append(out.Checkpoints, &l.Checkpoint)
		out.Vaults = append(out.Vaults, l.Vault)
	}
}

func lineOf(name string, n int, what string) string {
	return "audit witness file " + name + " line " + strconv.Itoa(n) + " " + what
}
