package audit

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/callvault/callvault"
)

// TestWitnessRotate: the witness file is moved aside whole, never deleted or changed, and only
// once its audit event is recorded; the next Append starts a new file.
func TestWitnessRotate(t *testing.T) {
	dir := t.TempDir()
	_, key, _ := ed25519.GenerateKey(nil)
	w := &Witness{Path: filepath.Join(dir, WitnessFile), Vault: "v"}
	archive := filepath.Join(dir, "old.jsonl")
	if err := w.Rotate(archive, func(string, int64) error { return nil }); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Fatalf("rotating a missing witness: %v, want KindNotFound", err)
	}
	for seq := range int64(2) {
		if err := w.Append(SignCheckpoint(key, seq+1, callvault.GenesisHash, t0)); err != nil {
			t.Fatal(err)
		}
	}
	old, err := os.ReadFile(w.Path)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func(what string) {
		t.Helper()
		if b, err := os.ReadFile(w.Path); err != nil || !bytes.Equal(b, old) {
			t.Errorf("%s: the witness file changed (%v)", what, err)
		}
	}

	down := errors.New("database unavailable")
	if err := w.Rotate(archive, func(string, int64) error { return down }); !errors.Is(err, down) {
		t.Errorf("failed record: err = %v", err)
	}
	unchanged("a rotation whose audit event failed")
	if _, err := os.Stat(archive); !os.IsNotExist(err) {
		t.Errorf("a rotation whose audit event failed left %s (%v)", archive, err)
	}

	taken := filepath.Join(dir, "taken.jsonl")
	os.WriteFile(taken, []byte("something else\n"), 0o600)
	if err := w.Rotate(taken, func(string, int64) error { t.Error("recorded a rotation onto an existing file"); return nil }); err == nil {
		t.Error("rotation onto an existing file: no error")
	}
	if b, _ := os.ReadFile(taken); string(b) != "something else\n" {
		t.Errorf("rotation replaced an existing file: %q", b)
	}
	unchanged("a rotation onto an existing file")

	var gotSum string
	var gotSize int64
	if err := w.Rotate(archive, func(sum string, size int64) error { gotSum, gotSize = sum, size; return nil }); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(archive); err != nil || !bytes.Equal(b, old) {
		t.Errorf("the archive does not hold the witness as it was (%v)", err)
	}
	if sum := sha256.Sum256(old); gotSum != hex.EncodeToString(sum[:]) || gotSize != int64(len(old)) {
		t.Errorf("recorded sha256 %s size %d, want the archive's", gotSum, gotSize)
	}
	if _, err := os.Stat(w.Path); !os.IsNotExist(err) {
		t.Errorf("the witness file is still there after the rotation (%v)", err)
	}
	if err := w.Append(SignCheckpoint(key, 3, callvault.GenesisHash, t0)); err != nil {
		t.Fatal(err)
	}
	if c, err := ReadWitness(w.Path); err != nil || len(c.Checkpoints) != 1 || c.Checkpoints[0].Seq != 3 {
		t.Errorf("the new witness file: %+v %v; want only the new checkpoint", c, err)
	}
}
