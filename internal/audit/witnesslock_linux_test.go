package audit

import (
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/callvault/callvault"
	"golang.org/x/sys/unix"
)

// TestWitnessAppendHoldsTheLock: Append checks the file's last byte and writes its line holding
// an exclusive flock, which another process's Append waits for, and releases it when done.
func TestWitnessAppendHoldsTheLock(t *testing.T) {
	w := &Witness{Path: filepath.Join(t.TempDir(), WitnessFile)}
	if err := w.CheckWritable(); err != nil {
		t.Fatal(err)
	}
	tryLock := func() error { // as another process would, on a file description of its own
		f, err := os.Open(w.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	}
	var whileWriting error
	w.onLocked = func() { whileWriting = tryLock() }
	_, key, _ := ed25519.GenerateKey(nil)
	if err := w.Append(SignCheckpoint(key, 1, callvault.GenesisHash, t0)); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(whileWriting, unix.EWOULDBLOCK) {
		t.Errorf("another process could lock the witness file while Append wrote (%v)", whileWriting)
	}
	if err := tryLock(); err != nil {
		t.Errorf("the lock is still held after Append returned: %v", err)
	}
}
