package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

var t0 = time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)

// testVault is a catalogue and blob store with a chain of events, checkpoints every 10 events,
// and recordings whose blobs are intact.
type testVault struct {
	cat   *fakeCatalogue
	blobs *fakeBlobs
	key   ed25519.PrivateKey
	pub   ed25519.PublicKey
	cp    *Checkpointer
	ids   []string // recording IDs in order
}

func newTestVault(t *testing.T, events, recordings int) *testVault {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := &testVault{cat: newFakeCatalogue(), blobs: newFakeBlobs(), key: key, pub: pub}
	clock := t0
	v.cp = &Checkpointer{Store: v.cat, Key: key, Every: 10, Now: func() time.Time { clock = clock.Add(time.Second); return clock }}
	for i := range recordings {
		v.addRecording(t, fmt.Sprintf("payload of recording %d ", i), 1000+i*37)
	}
	for i := range events - recordings {
		v.append(t, &callvault.AuditEvent{
			Time:   t0.Add(time.Duration(i) * time.Minute),
			Actor:  "user:alice",
			Action: callvault.ActionRecordingOpen,
			Object: fmt.Sprintf("rec-%d", i),
			Detail: `{"n":` + fmt.Sprint(i) + `}`,
		})
	}
	return v
}

func (v *testVault) append(t *testing.T, ev *callvault.AuditEvent) {
	t.Helper()
	if err := v.cat.AppendAudit(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if err := v.cp.MaybeCheckpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (v *testVault) addRecording(t *testing.T, pattern string, repeat int) *callvault.Recording {
	t.Helper()
	ctx := context.Background()
	data := []byte(strings.Repeat(pattern, repeat))
	id := callvault.NewID()
	key := "recordings/2026/11/" + id + ".age"
	w, _ := v.blobs.Create(ctx, key)
	w.Write(data)
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	plain := sha256.Sum256([]byte("plaintext of " + id))
	r := &callvault.Recording{ID: id, BlobKey: key, StoredSize: int64(len(data)), StoredSHA256: hex.EncodeToString(sum[:]),
		PlainSize: int64(len(data)) - 200, PlainSHA256: hex.EncodeToString(plain[:]), Header: []byte("age header of " + id)}
	if err := v.cat.CreateRecording(ctx, r, ingestEvent(r)); err != nil {
		t.Fatal(err)
	}
	if err := v.cp.MaybeCheckpoint(ctx); err != nil {
		t.Fatal(err)
	}
	v.ids = append(v.ids, id)
	return r
}

// ingestEvent is the recording.ingest event the archive appends for r.
func ingestEvent(r *callvault.Recording) *callvault.AuditEvent {
	return &callvault.AuditEvent{Time: t0, Actor: "token:pbx", Action: callvault.ActionRecordingIngest, Object: "recording:" + r.ID,
		Detail: callvault.AuditDetail(map[string]any{DetailPlainSHA256: r.PlainSHA256, DetailStoredSHA256: r.StoredSHA256,
			DetailPlainSize: r.PlainSize, DetailHeaderSHA256: HeaderSHA256(r.Header)})}
}

func (v *testVault) verify(t *testing.T, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(context.Background(), v.cat, v.blobs, v.pub, opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// rehash recomputes every hash from event index i on, as an attacker with database access would.
func (v *testVault) rehash(i int) {
	for ; i < len(v.cat.events); i++ {
		ev := v.cat.events[i]
		prevHash := callvault.GenesisHash
		if i > 0 {
			prevHash = v.cat.events[i-1].Hash
		}
		ev.PrevHash = prevHash
		ev.Hash = ev.ComputeHash()
	}
}

func problemsString(rep *Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString("\n\t" + p.String())
	}
	return b.String()
}
