package vault

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// sealTo seals plain with SealDeferred and wraps the file key to r.
func sealTo(t *testing.T, plain []byte, r age.Recipient) (header, payload []byte) {
	t.Helper()
	var buf bytes.Buffer
	fileKey, w, err := SealDeferred(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(plain)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	header, err = WrapFileKey(fileKey, r)
	if err != nil {
		t.Fatal(err)
	}
	return header, buf.Bytes()
}

func readAllAt(t *testing.T, header, payload []byte, ids ...age.Identity) ([]byte, error) {
	t.Helper()
	r, n, err := Open(header, bytes.NewReader(payload), int64(len(payload)), ids...)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.NewSectionReader(r, 0, n))
}

func TestWrapFileKeyMakesAgeHeaders(t *testing.T) {
	hybrid, _ := age.GenerateHybridIdentity()
	x, _ := age.GenerateX25519Identity()
	scrypt, _ := age.NewScryptRecipient("correct horse")
	scrypt.SetWorkFactor(10)
	scryptID, _ := age.NewScryptIdentity("correct horse")
	for _, tc := range []struct {
		name string
		r    age.Recipient
		id   age.Identity
	}{{"hybrid", hybrid.Recipient(), hybrid}, {"x25519", x.Recipient(), x}, {"scrypt", scrypt, scryptID}} {
		t.Run(tc.name, func(t *testing.T) {
			plain := bytes.Repeat([]byte("wrapped later "), 9000)
			header, payload := sealTo(t, plain, tc.r)
			// header+payload is a standard age file: age itself decrypts it.
			dec, err := age.Decrypt(io.MultiReader(bytes.NewReader(header), bytes.NewReader(payload)), tc.id)
			if err != nil {
				t.Fatalf("age.Decrypt: %v", err)
			}
			if got, _ := io.ReadAll(dec); !bytes.Equal(got, plain) {
				t.Fatal("round trip differs")
			}
			// The MAC covers the header: a changed byte is refused.
			bad := bytes.Clone(header)
			bad[len("age-encryption.org/v1\n-> ")+1] ^= 0x20
			if _, err := readAllAt(t, bad, payload, tc.id); err == nil {
				t.Error("a tampered header opened")
			}
		})
	}
}

func TestRewrapMovesTheKeyNotTheAudio(t *testing.T) {
	a, _ := age.GenerateHybridIdentity()
	b, _ := age.GenerateHybridIdentity()
	plain := []byte("the call, unchanged")
	header, payload := sealTo(t, plain, a.Recipient())
	moved, err := Rewrap(header, a, b.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAllAt(t, moved, payload, b); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("new key: %q, %v", got, err)
	}
	if _, err := readAllAt(t, moved, payload, a); !callvault.IsKind(err, callvault.KindForbidden) {
		t.Errorf("old key on the re-wrapped header: err = %v, want KindForbidden", err)
	}
	if _, err := Rewrap(moved, a, b.Recipient()); !callvault.IsKind(err, callvault.KindForbidden) {
		t.Errorf("re-wrap with the wrong identity: err = %v, want KindForbidden", err)
	}
	if _, err := Rewrap(nil, a, b.Recipient()); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("re-wrap of a shredded header: err = %v, want KindNotFound", err)
	}
}

func TestEpochDerivationIsDeterministicAndOneWay(t *testing.T) {
	var s epochSeed
	copy(s[:], bytes.Repeat([]byte{7}, seedSize))
	id1, err := s.identity()
	if err != nil {
		t.Fatal(err)
	}
	id2, _ := s.identity()
	if id1.String() != id2.String() || !strings.HasPrefix(id1.String(), "AGE-SECRET-KEY-PQ-1") {
		t.Fatalf("derivation is not deterministic: %s vs %s", id1, id2)
	}
	next, _ := s.next().identity()
	if next.String() == id1.String() {
		t.Fatal("the next month has the same identity")
	}
	if s.next() == s || s.next().next() == s.next() {
		t.Fatal("the ratchet does not move")
	}
}

// copyDir copies a key directory, as an operator copies it once to a second node.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

func months(from string, n int) []*callvault.VaultKey {
	i, _ := monthIndex(from)
	var out []*callvault.VaultKey
	for j := range n {
		out = append(out, &callvault.VaultKey{Kind: callvault.VaultKeyRecipient, Epoch: monthName(i + j)})
	}
	return out
}

// grepDir reports whether any file under dir contains s.
func grepDir(t *testing.T, dir, s string) bool {
	t.Helper()
	found := false
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			found = found || bytes.Contains(b, []byte(s))
		}
		return nil
	})
	return found
}

func TestTwoNodesAgreeOnEpochsAndDestructions(t *testing.T) {
	root := t.TempDir()
	dirA, dirB := filepath.Join(root, "a"), filepath.Join(root, "b")
	a, _, err := LoadOrCreateKeys(dirA)
	if err != nil {
		t.Fatal(err)
	}
	copyDir(t, dirA, dirB) // once, when node B is set up
	b, err := LoadKeys(dirB)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2027, 1, 15, 12, 0, 0, 0, callvault.DefaultZone())
	ka, err := a.EpochKeys(from, 6)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := b.EpochKeys(from, 6)
	if len(ka) != 8 || ka[0].Epoch != callvault.HoldEpoch || ka[1].Epoch != "2027-01" || ka[7].Epoch != "2027-07" {
		t.Fatalf("EpochKeys = %d keys from %q to %q", len(ka), ka[0].Epoch, ka[len(ka)-1].Epoch)
	}
	for i := range ka {
		if ka[i].Epoch != kb[i].Epoch || ka[i].Public != kb[i].Public {
			t.Fatalf("epoch %s: the two nodes derive different recipients", ka[i].Epoch)
		}
	}
	for _, k := range []*Keys{a, b} {
		if err := k.UseCatalogue(ka, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Recordings sealed on node A to three months; node B opens them.
	sealed := map[string][2][]byte{}
	secret := map[string]string{}
	for _, ep := range []string{"2027-02", "2027-03", "2027-04"} {
		r, err := a.Recipient(ep)
		if err != nil {
			t.Fatal(err)
		}
		h, p := sealTo(t, []byte("call of "+ep), r)
		sealed[ep] = [2][]byte{h, p}
		id, _ := b.Identity(ep)
		secret[ep] = id.(*age.HybridIdentity).String()
		if got, err := readAllAt(t, h, p, id); err != nil || string(got) != "call of "+ep {
			t.Fatalf("node B cannot open %s: %v", ep, err)
		}
	}

	// March ends first (February still has a recording): out of order. Node A destroys it;
	// node B learns it from the catalogue at its next job run.
	march := []*callvault.EpochDestruction{{Epoch: "2027-03", Recipient: "r", DestroyedAt: from}}
	for _, k := range []*Keys{a, b} {
		removed, err := k.ApplyDestructions(march)
		if err != nil {
			t.Fatal(err)
		}
		if len(removed) == 0 {
			t.Error("ApplyDestructions removed nothing")
		}
	}
	both := march
	both = append(both, &callvault.EpochDestruction{Epoch: "2027-02", Recipient: "r", DestroyedAt: from})
	for name, k := range map[string]*Keys{"A": a, "B": b} {
		if _, err := k.ApplyDestructions(march); err != nil { // seen again: nothing changes
			t.Fatal(err)
		}
		if _, err := k.Identity("2027-03"); !callvault.IsKind(err, callvault.KindNotFound) || !strings.Contains(err.Error(), "recording key destroyed") {
			t.Errorf("node %s, destroyed March: err = %v, want recording key destroyed", name, err)
		}
		if _, err := k.Recipient("2027-03"); !callvault.IsKind(err, callvault.KindConflict) {
			t.Errorf("node %s seals to destroyed March: err = %v, want KindConflict", name, err)
		}
		for _, ep := range []string{"2027-02", "2027-04"} {
			id, err := k.Identity(ep)
			if err != nil {
				t.Fatalf("node %s, live %s: %v", name, ep, err)
			}
			if got, err := readAllAt(t, sealed[ep][0], sealed[ep][1], id); err != nil || string(got) != "call of "+ep {
				t.Errorf("node %s cannot open live %s: %v", name, ep, err)
			}
		}
	}
	// Each node's key directory, reloaded from disk, agrees and holds no trace of March.
	for _, dir := range []string{dirA, dirB} {
		if grepDir(t, dir, secret["2027-03"]) {
			t.Errorf("%s still holds March's identity", dir)
		}
		k, err := LoadKeys(dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := k.Identity("2027-03"); !callvault.IsKind(err, callvault.KindNotFound) {
			t.Errorf("%s reloaded: March opens (err %v)", dir, err)
		}
		if id, err := k.Identity("2027-02"); err != nil || id.(*age.HybridIdentity).String() != secret["2027-02"] {
			t.Errorf("%s reloaded: February differs or is gone (%v)", dir, err)
		}
	}
	seedA, _ := os.ReadFile(filepath.Join(dirA, EpochDirName, SeedFile))
	seedB, _ := os.ReadFile(filepath.Join(dirB, EpochDirName, SeedFile))
	if !bytes.Equal(seedA, seedB) || !strings.Contains(string(seedA), "epoch: 2027-04") {
		t.Errorf("seed files differ or are not at April:\n%s\n%s", seedA, seedB)
	}

	// Then February: its kept file goes too.
	for _, k := range []*Keys{a, b} {
		if _, err := k.ApplyDestructions(both); err != nil {
			t.Fatal(err)
		}
	}
	for _, dir := range []string{dirA, dirB} {
		if grepDir(t, dir, secret["2027-02"]) {
			t.Errorf("%s still holds February's identity", dir)
		}
		if _, err := os.Stat(filepath.Join(dir, EpochDirName, "2027-02.key")); !os.IsNotExist(err) {
			t.Errorf("%s: 2027-02.key remains (%v)", dir, err)
		}
	}
	// A node whose epochs/ is not this vault's is refused.
	c, _ := GenerateKeys()
	if err := c.UseCatalogue(ka, nil); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("foreign epochs: err = %v, want KindConflict", err)
	}
}

func TestRecipientOnlyNodeSealsToRecordedEpochs(t *testing.T) {
	full, _ := GenerateKeys()
	ka, _ := full.EpochKeys(time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), 2)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "r"), []byte(full.RecipientString()+"\n"), 0o644)
	rec, err := LoadRecipientOnly(filepath.Join(dir, "r"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Recipient("2027-02"); err == nil {
		t.Fatal("a recorder with no recorded recipients sealed")
	}
	if err := rec.UseCatalogue(ka, []*callvault.EpochDestruction{{Epoch: "2027-01", Recipient: "x", DestroyedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	r, err := rec.Recipient("2027-02")
	if err != nil {
		t.Fatal(err)
	}
	h, p := sealTo(t, []byte("recorded"), r)
	id, _ := full.Identity("2027-02")
	if got, err := readAllAt(t, h, p, id); err != nil || string(got) != "recorded" {
		t.Fatalf("full node cannot open: %v", err)
	}
	if _, err := rec.Recipient("2027-01"); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("destroyed epoch: err = %v, want KindConflict", err)
	}
	if _, err := rec.Identity("2027-02"); !callvault.IsKind(err, callvault.KindForbidden) {
		t.Errorf("recorder opens: err = %v, want KindForbidden", err)
	}
}

// A crash in the middle of ApplyDestructions leaves one of its steps done and the rest not; the
// next call (at the node's next start or job run) finishes, and the key directory ends as a
// node's that never crashed.
func TestApplyDestructionsFinishesAfterACrash(t *testing.T) {
	root := t.TempDir()
	clean, crashed := filepath.Join(root, "clean"), filepath.Join(root, "crashed")
	if _, _, err := LoadOrCreateKeys(clean); err != nil {
		t.Fatal(err)
	}
	copyDir(t, clean, crashed)
	recorded := months("2027-01", 6)
	load := func(dir string) *Keys {
		k, err := LoadKeys(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recorded {
			if id, err := k.Identity(r.Epoch); err == nil && r.Public == "" {
				r.Public = id.(*age.HybridIdentity).Recipient().String()
			}
		}
		if err := k.UseCatalogue(recorded, nil); err != nil {
			t.Fatal(err)
		}
		return k
	}
	march := []*callvault.EpochDestruction{{Epoch: "2027-03", Recipient: "r", DestroyedAt: time.Now()}}
	c := load(clean)
	jan, _ := c.Identity("2027-01")
	if _, err := c.ApplyDestructions(march); err != nil {
		t.Fatal(err)
	}

	// The crashed node wrote the files of the live months before March, then died before
	// replacing the seed.
	k := load(crashed)
	for _, ep := range []string{"2027-01", "2027-02"} {
		id, _ := k.Identity(ep)
		os.WriteFile(filepath.Join(crashed, EpochDirName, ep+".key"), identityFile("key epoch "+ep+" identity", id.(*age.HybridIdentity)), 0o600)
	}
	k = load(crashed) // restarted
	if id, err := k.Identity("2027-01"); err != nil || id.(*age.HybridIdentity).String() != jan.(*age.HybridIdentity).String() {
		t.Fatalf("after the crash January differs: %v", err)
	}
	if _, err := k.ApplyDestructions(march); err != nil {
		t.Fatal(err)
	}
	sameDir(t, clean, crashed)

	// Then February is destroyed; the crash comes after the seed stayed (it is before the
	// ratchet's month) and before its file was removed: the next call removes it.
	feb := append(march, &callvault.EpochDestruction{Epoch: "2027-02", Recipient: "r", DestroyedAt: time.Now()})
	if _, err := c.ApplyDestructions(feb); err != nil {
		t.Fatal(err)
	}
	k = load(crashed)
	if _, err := k.ApplyDestructions(feb); err != nil {
		t.Fatal(err)
	}
	sameDir(t, clean, crashed)
	if _, err := k.Identity("2027-02"); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("February opens after its destruction: %v", err)
	}
}

// sameDir fails unless the epochs/ folders of a and b hold the same files with the same keys
// (the identity files' creation comments aside).
func sameDir(t *testing.T, a, b string) {
	t.Helper()
	list := func(dir string) map[string]string {
		out := map[string]string{}
		entries, _ := os.ReadDir(filepath.Join(dir, EpochDirName))
		for _, e := range entries {
			raw, _ := os.ReadFile(filepath.Join(dir, EpochDirName, e.Name()))
			var keep []string
			for _, line := range strings.Split(string(raw), "\n") {
				if !strings.HasPrefix(line, "# callvault") {
					keep = append(keep, line)
				}
			}
			out[e.Name()] = strings.Join(keep, "\n")
		}
		return out
	}
	la, lb := list(a), list(b)
	if len(la) != len(lb) {
		t.Fatalf("epochs/ differ: %d files vs %d", len(la), len(lb))
	}
	for name, body := range la {
		if lb[name] != body {
			t.Errorf("epochs/%s differs between the clean and the crashed node", name)
		}
	}
}
