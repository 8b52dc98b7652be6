package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// TestVerifyTiesRecordingsToTheLog: a catalogue row is only as good as the events that vouch for
// it. Changes that keep every row consistent with its own blob, but not with the log, are found.
func TestVerifyTiesRecordingsToTheLog(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper func(t *testing.T, v *testVault) (id string) // returns the recording to be named
		want   string                                       // fragment of the first problem's message
		only   bool
	}{
		{
			name: "copy recording B's row facts and blob over recording A",
			tamper: func(t *testing.T, v *testVault) string {
				a, b := v.cat.recordings[v.ids[0]], v.cat.recordings[v.ids[1]]
				a.Header, a.PlainSHA256, a.StoredSHA256, a.PlainSize, a.StoredSize = b.Header, b.PlainSHA256, b.StoredSHA256, b.PlainSize, b.StoredSize
				v.blobs.blobs[a.BlobKey] = v.blobs.blobs[b.BlobKey]
				return a.ID
			},
			want: "plain_sha256",
		},
		{
			name: "swap two recordings' rows and blobs",
			tamper: func(t *testing.T, v *testVault) string {
				a, b := v.cat.recordings[v.ids[0]], v.cat.recordings[v.ids[1]]
				ra, rb := *a, *b
				ra.ID, rb.ID = b.ID, a.ID
				ra.BlobKey, rb.BlobKey = b.BlobKey, a.BlobKey
				v.cat.recordings[a.ID], v.cat.recordings[b.ID] = &rb, &ra
				v.blobs.blobs[a.BlobKey], v.blobs.blobs[b.BlobKey] = v.blobs.blobs[b.BlobKey], v.blobs.blobs[a.BlobKey]
				return min(a.ID, b.ID) // rows are checked in ID order
			},
			want: "recorded by its recording.ingest event",
		},
		{
			name: "edit only the stored hash of a row to match a replaced blob",
			tamper: func(t *testing.T, v *testVault) string {
				r := v.cat.recordings[v.ids[1]]
				v.blobs.blobs[r.BlobKey] = []byte("forged ciphertext")
				r.StoredSHA256, r.StoredSize = "d8cbbc7cd2a3b1a4ad6cdd3a58a0c8f1e1a77e3c52fd8fb8d14d4e0a7cf3c3d4", 17
				return r.ID
			},
			want: "stored_sha256",
		},
		{
			name: "replace the age header (the wrapped file key)",
			tamper: func(t *testing.T, v *testVault) string {
				v.cat.recordings[v.ids[1]].Header = []byte("age header of another recording")
				return v.ids[1]
			},
			want: "age header", only: true,
		},
		{
			name: "delete a recording's row and blob without a delete event",
			tamper: func(t *testing.T, v *testVault) string {
				r := v.cat.recordings[v.ids[1]]
				delete(v.cat.recordings, r.ID)
				delete(v.blobs.blobs, r.BlobKey)
				return r.ID
			},
			want: "no recording.delete event", only: true,
		},
		{
			name: "add a row no ingest event records",
			tamper: func(t *testing.T, v *testVault) string {
				r := *v.cat.recordings[v.ids[1]]
				r.ID = callvault.NewID()
				v.cat.recordings[r.ID] = &r
				return r.ID
			},
			want: "no recording.ingest event records it", only: true,
		},
		{
			name: "restore a deleted recording's row",
			tamper: func(t *testing.T, v *testVault) string {
				r := *v.cat.recordings[v.ids[1]]
				if err := v.cat.DeleteRecording(ctx, r.ID, &callvault.AuditEvent{Time: t0, Actor: "system",
					Action: callvault.ActionRecordingDelete, Object: "recording:" + r.ID}); err != nil {
					t.Fatal(err)
				}
				v.cat.recordings[r.ID] = &r
				return r.ID
			},
			want: "event 104 deleted it", only: true,
		},
		{
			name: "ingest event without hashes",
			tamper: func(t *testing.T, v *testVault) string {
				ev := v.cat.events[1]
				ev.Detail = `{"source":"upload"}`
				v.rehash(1) // an attacker rewriting the chain; only checkpoints show that
				return strings.TrimPrefix(ev.Object, "recording:")
			},
			want: "does not record the plain_sha256",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newTestVault(t, 103, 3)
			if rep := v.verify(t, VerifyOptions{}); !rep.OK() {
				t.Fatalf("not clean before tampering:%s", problemsString(rep))
			}
			id := tt.tamper(t, v)
			for _, opts := range []VerifyOptions{{}, {SkipBlobs: true}} {
				rep := v.verify(t, opts)
				var got *Problem
				for i := range rep.Problems {
					if rep.Problems[i].Kind == ProblemRecording {
						got = &rep.Problems[i]
						break
					}
				}
				if got == nil || got.ID != id || !strings.Contains(got.Message, tt.want) {
					t.Fatalf("SkipBlobs=%v: first recording problem = %v, want recording %s containing %q; all:%s",
						opts.SkipBlobs, got, id, tt.want, problemsString(rep))
				}
				if tt.only && len(rep.Problems) != 1 {
					t.Errorf("SkipBlobs=%v: want exactly one problem, got:%s", opts.SkipBlobs, problemsString(rep))
				}
			}
		})
	}
}

// TestVerifyAcceptsDeletionsAndOlderIngestEvents: a recording deleted with its event is not
// missing, and ingest events written before header_sha256 was recorded still verify.
func TestVerifyAcceptsDeletionsAndOlderIngestEvents(t *testing.T) {
	ctx := context.Background()
	v := newTestVault(t, 10, 3)
	r := v.cat.recordings[v.ids[0]]
	if err := v.cat.DeleteRecording(ctx, r.ID, &callvault.AuditEvent{Time: t0, Actor: "system",
		Action: callvault.ActionRecordingDelete, Object: "recording:" + r.ID}); err != nil {
		t.Fatal(err)
	}
	delete(v.blobs.blobs, r.BlobKey)
	old := v.addRecording(t, "older ingest event", 10)
	for _, ev := range v.cat.events {
		if ev.Object == "recording:"+old.ID {
			ev.Detail = strings.Replace(ev.Detail, `,"header_sha256":"`+HeaderSHA256(old.Header)+`"`, "", 1)
		}
	}
	v.rehash(0)
	v.cat.checkpoints = nil // rewritten on purpose above
	if rep := v.verify(t, VerifyOptions{}); !rep.OK() || rep.Recordings != 3 {
		t.Fatalf("recordings %d, problems:%s", rep.Recordings, problemsString(rep))
	}
	// Changing the header of the recording whose event does not record it cannot be detected;
	// changing its hashes still is.
	v.cat.recordings[old.ID].PlainSize++
	if rep := v.verify(t, VerifyOptions{}); rep.OK() || !strings.Contains(rep.FirstProblem().Message, "plain_size") {
		t.Errorf("edited plain_size of an older recording:%s", problemsString(rep))
	}
}
