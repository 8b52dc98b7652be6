package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// remaskRecording stores a new version of recording i as `pci scan --mask` does: a new blob,
// header and hashes in the row, and a recording.remask event with the old and new hashes
// (old, if given, replaces the old hashes the event names).
func (v *testVault) remaskRecording(t *testing.T, i int, old *callvault.Recording) *callvault.Recording {
	t.Helper()
	ctx := context.Background()
	cur := *v.cat.recordings[v.ids[i]]
	if old == nil {
		old = &cur
	}
	next := cur
	next.BlobKey = strings.TrimSuffix(cur.BlobKey, ".age") + "-next.age"
	data := []byte(strings.Repeat("masked audio of "+next.BlobKey, 50))
	w, _ := v.blobs.Create(ctx, next.BlobKey)
	w.Write(data)
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	v.blobs.Delete(ctx, cur.BlobKey)
	sum := sha256.Sum256(data)
	plain := sha256.Sum256([]byte("masked plaintext of " + next.BlobKey))
	next.StoredSize, next.StoredSHA256 = int64(len(data)), hex.EncodeToString(sum[:])
	next.PlainSize, next.PlainSHA256 = int64(len(data))-200, hex.EncodeToString(plain[:])
	next.Header = []byte("new age header of " + cur.ID)
	v.cat.recordings[cur.ID] = &next
	v.append(t, &callvault.AuditEvent{Time: t0, Actor: "cli:pci", Action: callvault.ActionRecordingRemask, Object: "recording:" + cur.ID,
		Detail: callvault.AuditDetail(map[string]any{DetailPlainSHA256: next.PlainSHA256, DetailStoredSHA256: next.StoredSHA256,
			DetailPlainSize: next.PlainSize, DetailHeaderSHA256: HeaderSHA256(next.Header),
			DetailOldPlainSHA256: old.PlainSHA256, DetailOldStoredSHA256: old.StoredSHA256, DetailOldHeaderSHA256: HeaderSHA256(old.Header)})})
	return &next
}

// TestVerifyFollowsRemask: a recording stored again (twice) verifies against its newest
// version; a row left at the old version, or a remask that does not start from the current
// version, is reported.
func TestVerifyFollowsRemask(t *testing.T) {
	v := newTestVault(t, 12, 3)
	v.remaskRecording(t, 1, nil)
	if rep := v.verify(t, VerifyOptions{}); !rep.OK() {
		t.Fatalf("after a remask: %s", problemsString(rep))
	}
	v.remaskRecording(t, 1, nil)
	if rep := v.verify(t, VerifyOptions{}); !rep.OK() {
		t.Fatalf("after two remasks: %s", problemsString(rep))
	}

	t.Run("row left at the old version", func(t *testing.T) {
		v := newTestVault(t, 12, 3)
		before := *v.cat.recordings[v.ids[2]]
		v.remaskRecording(t, 2, nil)
		v.cat.recordings[v.ids[2]] = &before
		v.blobs.blobs[before.BlobKey] = []byte(strings.Repeat("payload of recording 2 ", 1000+2*37))
		rep := v.verify(t, VerifyOptions{})
		if rep.OK() || !strings.Contains(problemsString(rep), "differs from") {
			t.Errorf("a row swapped back to its old version: %s", problemsString(rep))
		}
	})
	t.Run("remask of another version", func(t *testing.T) {
		v := newTestVault(t, 12, 3)
		other := *v.cat.recordings[v.ids[0]]
		v.remaskRecording(t, 2, &other)
		rep := v.verify(t, VerifyOptions{})
		if rep.OK() || !strings.Contains(problemsString(rep), "replaced a version the log does not record") {
			t.Errorf("a remask from a version that was not current: %s", problemsString(rep))
		}
	})
	t.Run("remask without old hashes", func(t *testing.T) {
		v := newTestVault(t, 12, 3)
		v.append(t, &callvault.AuditEvent{Time: t0, Actor: "cli:pci", Action: callvault.ActionRecordingRemask,
			Object: "recording:" + v.ids[0], Detail: `{"plain_sha256":"x"}`})
		if rep := v.verify(t, VerifyOptions{}); rep.OK() {
			t.Error("a remask event without hashes passed")
		}
	})
}
