package audit

import (
	"bufio"
	"bytes"
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
// process signs, one JSON object per line (as callvault.Checkpoint marshals). Checkpoints in the
// database pin the log only while the database keeps them: someone who can cut the log's tail can
// delete the checkpoint rows with it. The witness keeps them where the database's user cannot
// reach, so that Verify notices the log no longer reaching them. It is worth as much as it is
// out of reach: keep it on separate or WORM storage, or ship it off the machine as it grows.
// Each node keeps its own; several processes on one machine may append to one file.
type Witness struct {
	Path string
}

// Append writes cp as one line and fsyncs it (and the directory, when the file is new) before
// returning, so a checkpoint the database holds is never missing from the witness after a crash.
// A line left incomplete by an earlier crash is closed first, so that cp stands on a line of its
// own. Errors are KindInternal, naming the file.
func (w *Witness) Append(cp *callvault.Checkpoint) error {
	line, err := json.Marshal(cp)
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot encode a checkpoint for the witness file")
	}
	_, statErr := os.Stat(w.Path)
	created := errors.Is(statErr, fs.ErrNotExist)
	// O_RDWR (not O_WRONLY) to read the last byte; the file is only ever appended to, which an
	// append-only attribute (chattr +a) or WORM storage can enforce.
	f, err := os.OpenFile(w.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot open the audit witness file "+w.Path)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	line = append(line, '\n')
	if _, err := f.Write(line); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot write to the audit witness file "+w.Path)
	}
	if err := f.Sync(); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot fsync the audit witness file "+w.Path)
	}
	if created {
		if err := syncDir(filepath.Dir(w.Path)); err != nil {
			return callvault.WrapError(callvault.KindInternal, err, "cannot fsync the directory of the audit witness file "+w.Path)
		}
	}
	return nil
}

// CheckWritable creates the witness file if it is missing and checks that it can be appended to,
// writing nothing: a server checks it at start rather than at its first checkpoint.
func (w *Witness) CheckWritable() error {
	f, err := os.OpenFile(w.Path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot open the audit witness file "+w.Path+" for appending")
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// WitnessContents is what ReadWitness found in a witness file.
type WitnessContents struct {
	Checkpoints []*callvault.Checkpoint
	// Incomplete counts lines that are not JSON: writes a crash interrupted before their fsync,
	// which no database checkpoint can depend on (Append fsyncs the witness first).
	Incomplete int
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
			return out, callvault.WrapError(callvault.KindInvalid, err, witnessLine(name, n, "cannot be read"))
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if !json.Valid(b) {
			out.Incomplete++
			continue
		}
		var cp callvault.Checkpoint
		if err := json.Unmarshal(b, &cp); err != nil || cp.Seq <= 0 || cp.Hash == "" || cp.Signature == "" {
			return out, callvault.Errorf(callvault.KindInvalid, "%s", witnessLine(name, n, "is not a signed checkpoint"))
		}
		out.Checkpoints = append(out.Checkpoints, &cp)
	}
}

func witnessLine(name string, n int, what string) string {
	return "audit witness file " + name + " line " + strconv.Itoa(n) + " " + what
}
