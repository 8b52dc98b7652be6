package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"

	"github.com/callvault/callvault"
)

// Rotate moves the witness file aside to archive (a new name, which must not exist yet) and
// calls record, which appends the audit event saying so, in between: the file is linked under
// archive, record runs, and only then is the witness's own name removed, so the file is never
// deleted or changed, and a failed record leaves the witness as it was. record gets the hex
// SHA-256 and the size of the archived file, read under the lock, so that the event pins it. The
// next Append starts a new file. KindNotFound if there is no witness file.
func (w *Witness) Rotate(archive string, record func(sha256 string, size int64) error) error {
	f, err := w.openLocked(false)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot read the audit witness file "+w.Path)
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, st.Size())); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot read the audit witness file "+w.Path)
	}
	// A link, unlike a rename, never replaces an existing file; it fails on an append-only
	// (chattr +a) file, which cannot be moved either.
	if err := os.Link(w.Path, archive); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot archive the audit witness file "+w.Path+" as "+archive)
	}
	// On failure only the second name is removed: the witness keeps the file.
	if err := w.sync(filepath.Dir(archive)); err != nil {
		_ = os.Remove(archive)
		return callvault.WrapError(callvault.KindInternal, err, "cannot fsync the directory of "+archive)
	}
	if err := record(hex.EncodeToString(h.Sum(nil)), st.Size()); err != nil {
		_ = os.Remove(archive)
		return err
	}
	if err := os.Remove(w.Path); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot remove the name "+w.Path+" of the archived witness file "+archive)
	}
	if err := w.sync(filepath.Dir(w.Path)); err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot fsync the directory of the audit witness file "+w.Path)
	}
	return nil
}
