package audit

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

func TestVerifyIntactVault(t *testing.T) {
	v := newTestVault(t, 2505, 5) // more than two pages of events
	rep := v.verify(t, VerifyOptions{})
	if !rep.OK() {
		t.Fatalf("intact vault has problems:%s", problemsString(rep))
	}
	if rep.FirstProblem() != nil {
		t.Error("FirstProblem of a clean report is not nil")
	}
	if rep.Events != 2505 || rep.Recordings != 5 {
		t.Errorf("counted %d events, %d recordings; want 2505, 5", rep.Events, rep.Recordings)
	}
	if rep.Checkpoints != 250 {
		t.Errorf("checked %d checkpoints, want 250", rep.Checkpoints)
	}
	var want int64
	for _, b := range v.blobs.blobs {
		want += int64(len(b))
	}
	if rep.BytesHashed != want {
		t.Errorf("hashed %d bytes, want %d", rep.BytesHashed, want)
	}
	if rep.HeadSeq != 2505 || rep.HeadHash != v.cat.events[2504].Hash {
		t.Errorf("head %d %s", rep.HeadSeq, rep.HeadHash)
	}

	rep = v.verify(t, VerifyOptions{SkipBlobs: true})
	if !rep.OK() || rep.BytesHashed != 0 || rep.Recordings != 5 {
		t.Errorf("SkipBlobs: ok=%v hashed=%d recordings=%d", rep.OK(), rep.BytesHashed, rep.Recordings)
	}
}

func TestVerifyEmptyVault(t *testing.T) {
	v := newTestVault(t, 0, 0)
	rep := v.verify(t, VerifyOptions{})
	if !rep.OK() || rep.Events != 0 {
		t.Errorf("empty vault: ok=%v events=%d", rep.OK(), rep.Events)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, v *testVault)
		want   Problem // Kind, Seq or ID ("" means the recording v.ids[1]), and a message fragment
		only   bool    // the wanted problem is the only one
	}{
		{
			name: "flip one byte in a blob",
			tamper: func(t *testing.T, v *testVault) {
				k := v.cat.recordings[v.ids[1]].BlobKey
				v.blobs.blobs[k][500] ^= 0x01
			},
			want: Problem{Kind: ProblemRecording, Message: "SHA-256"}, only: true,
		},
		{
			name: "truncate a blob",
			tamper: func(t *testing.T, v *testVault) {
				k := v.cat.recordings[v.ids[1]].BlobKey
				v.blobs.blobs[k] = v.blobs.blobs[k][:100]
			},
			want: Problem{Kind: ProblemRecording, Message: "has 100 bytes"}, only: true,
		},
		{
			name:   "delete a blob",
			tamper: func(t *testing.T, v *testVault) { delete(v.blobs.blobs, v.cat.recordings[v.ids[1]].BlobKey) },
			want:   Problem{Kind: ProblemRecording, Message: "missing"}, only: true,
		},
		{
			name: "delete one event",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.events = append(v.cat.events[:16], v.cat.events[17:]...) // event 17
			},
			want: Problem{Kind: ProblemEvent, Seq: 17, Message: "event 17 is missing"}, only: true,
		},
		{
			name: "delete the first event",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.events = v.cat.events[1:]
			},
			// Event 1 was the ingest of a recording, which is now also reported as unrecorded.
			want: Problem{Kind: ProblemEvent, Seq: 1, Message: "event 1 is missing"},
		},
		{
			name: "delete several events",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.events = append(v.cat.events[:20], v.cat.events[25:]...) // 21..25
			},
			want: Problem{Kind: ProblemEvent, Seq: 21, Message: "events 21 to 25 are missing"},
		},
		{
			name: "swap two events' contents keeping seq numbers",
			tamper: func(t *testing.T, v *testVault) {
				a, b := v.cat.events[33], v.cat.events[36]
				sa, sb := a.Seq, b.Seq
				*a, *b = *b, *a
				a.Seq, b.Seq = sa, sb
			},
			want: Problem{Kind: ProblemEvent, Seq: 34, Message: "prev_hash"},
		},
		{
			name: "swap two events' contents keeping seq and hashes",
			tamper: func(t *testing.T, v *testVault) {
				a, b := v.cat.events[33], v.cat.events[36]
				a.Actor, b.Actor = b.Actor, a.Actor
				a.Object, b.Object = b.Object, a.Object
				a.Detail, b.Detail = b.Detail, a.Detail
			},
			want: Problem{Kind: ProblemEvent, Seq: 34, Message: "hash mismatch"},
		},
		{
			name:   "edit the actor of one event",
			tamper: func(t *testing.T, v *testVault) { v.cat.events[41].Actor = "user:mallory" },
			want:   Problem{Kind: ProblemEvent, Seq: 42, Message: "hash mismatch"}, only: true,
		},
		{
			name: "edit the time of one event",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.events[41].Time = v.cat.events[41].Time.Add(1000)
			},
			want: Problem{Kind: ProblemEvent, Seq: 42, Message: "hash mismatch"}, only: true,
		},
		{
			name: "edit an event and rewrite the whole chain after it",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.events[41].Actor = "user:mallory"
				v.rehash(41)
			},
			want: Problem{Kind: ProblemCheckpoint, Seq: 50, Message: "the log was rewritten"},
		},
		{
			name: "delete an event and renumber and rewrite the chain",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.events = append(v.cat.events[:16], v.cat.events[17:]...)
				for i := 16; i < len(v.cat.events); i++ {
					v.cat.events[i].Seq--
				}
				v.rehash(16)
			},
			want: Problem{Kind: ProblemCheckpoint, Seq: 20, Message: "the log was rewritten"},
		},
		{
			name: "truncate the tail below a checkpoint",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.events = v.cat.events[:95] // last checkpoint is at 100
			},
			want: Problem{Kind: ProblemCheckpoint, Seq: 100, Message: "deleted from the end"}, only: true,
		},
		{
			name:   "delete every event",
			tamper: func(t *testing.T, v *testVault) { v.cat.events = nil },
			want:   Problem{Kind: ProblemCheckpoint, Seq: 10, Message: "log is empty"},
		},
		{
			name: "forged checkpoint signature",
			tamper: func(t *testing.T, v *testVault) {
				cp := v.cat.checkpoints[2]
				sig, _ := base64.StdEncoding.DecodeString(cp.Signature)
				sig[0] ^= 1
				cp.Signature = base64.StdEncoding.EncodeToString(sig)
			},
			want: Problem{Kind: ProblemCheckpoint, Seq: 30, Message: "signature of checkpoint 30 is invalid"}, only: true,
		},
		{
			name: "checkpoint moved to another seq",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.checkpoints[2].Seq = 31
			},
			want: Problem{Kind: ProblemCheckpoint, Seq: 31, Message: "invalid"}, only: true,
		},
		{
			name: "checkpoint signed by another key",
			tamper: func(t *testing.T, v *testVault) {
				_, other, _ := ed25519.GenerateKey(nil)
				head := v.cat.events[len(v.cat.events)-1]
				v.cat.checkpoints = append(v.cat.checkpoints, SignCheckpoint(other, head.Seq, head.Hash, t0))
			},
			want: Problem{Kind: ProblemCheckpoint, Seq: 100, Message: "unknown key"}, only: true,
		},
		{
			name: "rewritten chain with a re-signed checkpoint by the attacker's key",
			tamper: func(t *testing.T, v *testVault) {
				v.cat.events[41].Actor = "user:mallory"
				v.rehash(41)
				_, other, _ := ed25519.GenerateKey(nil)
				for i, cp := range v.cat.checkpoints {
					v.cat.checkpoints[i] = SignCheckpoint(other, cp.Seq, v.cat.events[cp.Seq-1].Hash, cp.Time)
				}
			},
			want: Problem{Kind: ProblemCheckpoint, Seq: 10, Message: "unknown key"},
		},
		{
			name: "duplicated event",
			tamper: func(t *testing.T, v *testVault) {
				dup := *v.cat.events[9]
				v.cat.events = append(v.cat.events[:10], append([]*callvault.AuditEvent{&dup}, v.cat.events[10:]...)...)
			},
			want: Problem{Kind: ProblemEvent, Seq: 10, Message: "appears again"}, only: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newTestVault(t, 100, 3)
			if rep := v.verify(t, VerifyOptions{}); !rep.OK() {
				t.Fatalf("not clean before tampering:%s", problemsString(rep))
			}
			tt.tamper(t, v)
			rep := v.verify(t, VerifyOptions{})
			if rep.OK() {
				t.Fatal("tampering not detected")
			}
			want := tt.want
			if want.Kind == ProblemRecording {
				want.ID = v.ids[1]
			}
			got := rep.FirstProblem()
			if got.Kind != want.Kind || got.Seq != want.Seq || got.ID != want.ID || !strings.Contains(got.Message, want.Message) {
				t.Fatalf("first problem = %v\nwant %s %d%s containing %q; all:%s", got, want.Kind, want.Seq, want.ID, want.Message, problemsString(rep))
			}
			if tt.only && len(rep.Problems) != 1 {
				t.Errorf("want exactly one problem, got:%s", problemsString(rep))
			}
		})
	}
}

func TestVerifyMaxProblemsKeepsFirstOfEachKind(t *testing.T) {
	v := newTestVault(t, 300, 3)
	for i := 5; i < 300; i += 2 {
		v.cat.events[i].Actor = "user:mallory"
	}
	k := v.cat.recordings[v.ids[2]].BlobKey
	v.blobs.blobs[k][0] ^= 1
	rep := v.verify(t, VerifyOptions{MaxProblems: 10})
	if got := rep.FirstProblem(); got == nil || got.Seq != 6 {
		t.Fatalf("first problem %v, want event 6", got)
	}
	if len(rep.Problems) != 11 {
		t.Errorf("listed %d problems, want 10 plus the first recording problem", len(rep.Problems))
	}
	last := rep.Problems[len(rep.Problems)-1]
	if last.Kind != ProblemRecording || last.ID != v.ids[2] {
		t.Errorf("the broken recording is not named: last problem %v", last)
	}
	if rep.Omitted != 148-10 {
		t.Errorf("omitted %d, want %d", rep.Omitted, 148-10)
	}
	if rep.OK() {
		t.Error("OK with problems")
	}
	rep = v.verify(t, VerifyOptions{})
	if len(rep.Problems) != 100+1 {
		t.Errorf("default limit: listed %d problems, want 101", len(rep.Problems))
	}
}

// countingBlobs records the largest ReadAt made on its blobs.
type countingBlobs struct {
	*fakeBlobs
	maxRead int
	reads   int
}

func (c *countingBlobs) Open(ctx context.Context, key string) (callvault.Blob, error) {
	b, err := c.fakeBlobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return &countingBlob{Blob: b, c: c}, nil
}

type countingBlob struct {
	callvault.Blob
	c *countingBlobs
}

func (b *countingBlob) ReadAt(p []byte, off int64) (int, error) {
	b.c.reads++
	b.c.maxRead = max(b.c.maxRead, len(p))
	return b.Blob.ReadAt(p, off)
}

func TestVerifyHashesBlobsInPieces(t *testing.T) {
	v := newTestVault(t, 0, 0)
	r := v.addRecording(t, "0123456789abcdef", (5<<20)/2/16+3) // 2.5 MiB + 48 bytes
	cb := &countingBlobs{fakeBlobs: v.blobs}
	rep, err := Verify(context.Background(), v.cat, cb, v.pub, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.BytesHashed != r.StoredSize {
		t.Fatalf("ok=%v hashed=%d want %d:%s", rep.OK(), rep.BytesHashed, r.StoredSize, problemsString(rep))
	}
	if cb.maxRead != 1<<20 || cb.reads != 3 {
		t.Errorf("read in %d pieces of at most %d bytes, want 3 of 1 MiB", cb.reads, cb.maxRead)
	}
}

const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

func TestVerifyPagesRecordings(t *testing.T) {
	v := newTestVault(t, 0, 0)
	for range 1003 {
		id := callvault.NewID()
		r := &callvault.Recording{ID: id, BlobKey: "k/" + id, StoredSHA256: emptySHA256, PlainSHA256: emptySHA256}
		if err := v.cat.CreateRecording(context.Background(), r, ingestEvent(r)); err != nil {
			t.Fatal(err)
		}
		v.blobs.blobs["k/"+id] = nil
	}
	rep := v.verify(t, VerifyOptions{})
	if !rep.OK() || rep.Recordings != 1003 {
		t.Errorf("ok=%v recordings=%d, want 1003:%s", rep.OK(), rep.Recordings, problemsString(rep))
	}
}

func TestVerifyErrors(t *testing.T) {
	v := newTestVault(t, 20, 2)
	ctx := context.Background()
	if _, err := Verify(ctx, v.cat, v.blobs, nil, VerifyOptions{}); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("nil key: err = %v, want KindInvalid", err)
	}
	if _, err := Verify(ctx, v.cat, nil, v.pub, VerifyOptions{}); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("nil blob store: err = %v, want KindInvalid", err)
	}
	if rep, err := Verify(ctx, v.cat, nil, v.pub, VerifyOptions{SkipBlobs: true}); err != nil || !rep.OK() {
		t.Errorf("nil blob store with SkipBlobs: %v", err)
	}

	down := callvault.Errorf(callvault.KindUnavailable, "blob store unreachable")
	v.blobs.fail = down
	rep, err := Verify(ctx, v.cat, v.blobs, v.pub, VerifyOptions{})
	if !errors.Is(err, down) {
		t.Errorf("unavailable blob store: err = %v, want it returned", err)
	}
	if rep == nil || rep.Events != 20 {
		t.Errorf("partial report missing: %+v", rep)
	}

	v.blobs.fail = callvault.Errorf(callvault.KindInternal, "corrupt blob file")
	rep, err = Verify(ctx, v.cat, v.blobs, v.pub, VerifyOptions{})
	if err != nil || len(rep.Problems) != 2 || rep.Problems[0].Kind != ProblemRecording {
		t.Errorf("internal blob error should be a problem per recording: err=%v%s", err, problemsString(rep))
	}

	v.blobs.fail = nil
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Verify(cctx, v.cat, v.blobs, v.pub, VerifyOptions{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

func TestVerifyTrustedKeys(t *testing.T) {
	v := newTestVault(t, 30, 0)
	oldPub := v.pub
	newPub, newKey, _ := ed25519.GenerateKey(nil)
	v.cp = &Checkpointer{Store: v.cat, Key: newKey, Every: 10}
	for range 10 {
		v.append(t, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionServerStart})
	}
	v.pub = newPub
	if rep := v.verify(t, VerifyOptions{}); rep.OK() {
		t.Error("checkpoints of the retired key verified without it being trusted")
	}
	if rep := v.verify(t, VerifyOptions{TrustedKeys: []ed25519.PublicKey{oldPub}}); !rep.OK() {
		t.Errorf("with the retired key trusted:%s", problemsString(rep))
	}
}
