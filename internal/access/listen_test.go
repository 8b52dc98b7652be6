package access_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// fakeArchive opens every recording as the same bytes and counts opens and closes.
type fakeArchive struct {
	data          []byte
	opens, closes atomic.Int32
	appendAudit   func(ctx context.Context, ev *callvault.AuditEvent) error
}

type fakeAudio struct {
	*bytes.Reader
	a      *fakeArchive
	closed atomic.Bool
}

func (f *fakeAudio) Size() int64                     { return int64(f.Reader.Len()) }
func (f *fakeAudio) Recording() *callvault.Recording { return &callvault.Recording{} }
func (f *fakeAudio) Sidecar() ([]byte, error)        { return nil, nil }
func (f *fakeAudio) Close() error {
	if f.closed.Swap(true) {
		panic("audio closed twice")
	}
	f.a.closes.Add(1)
	return nil
}

func (a *fakeArchive) OpenAudited(ctx context.Context, id string, ev *callvault.AuditEvent) (callvault.Audio, error) {
	a.opens.Add(1)
	e := *ev
	e.Object = "recording:" + id
	if err := a.appendAudit(ctx, &e); err != nil {
		return nil, err
	}
	return &fakeAudio{Reader: bytes.NewReader(a.data), a: a}, nil
}

// TestListeningSharedAcrossRanges: many concurrent Range requests of one session are one
// listening (one open, one recording.listen event); a revocation refuses the next request at
// once, and the shared audio is closed exactly once, after the last reader let go.
func TestListeningSharedAcrossRanges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	arch := &fakeArchive{data: bytes.Repeat([]byte("0123456789"), 1000), appendAudit: f.db.AppendAudit}
	f.svc.Archive = arch
	r := f.request(t, "sam", callvault.PurposeQuality)
	v, err := f.svc.Approve(ctx, f.users["dan"], r.ID, access.ApproveInput{Statement: "approved"})
	if err != nil {
		t.Fatal(err)
	}
	sam := *f.users["sam"]
	sam.SessionID = "session-hash-of-sam-0123456789"
	rec := v.RecordingIDs[0]

	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			op, err := f.svc.Listen(ctx, &sam, rec, false, "bytes=0-9")
			if err != nil {
				t.Error(err)
				return
			}
			defer op.Release()
			buf := make([]byte, 10)
			if _, err := op.Audio.ReadAt(buf, int64(i*10)); err != nil || string(buf) != "0123456789" {
				t.Errorf("read %q, %v", buf, err)
			}
		}()
	}
	wg.Wait()
	if n := arch.opens.Load(); n != 1 {
		t.Errorf("%d opens for one listening, want 1", n)
	}
	held, err := f.svc.Listen(ctx, &sam, rec, false, "bytes=10-19") // still reading when the grant goes
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RevokeGrant(ctx, f.users["dan"], v.GrantID, "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Listen(ctx, &sam, rec, false, "bytes=0-9"); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("listening after revocation: %v, want not found", err)
	}
	if n := arch.closes.Load(); n != 0 {
		t.Errorf("audio closed while a request still reads it")
	}
	held.Release()
	held.Release() // a second release is harmless
	if n := arch.closes.Load(); n != 1 {
		t.Errorf("%d closes after the last reader, want 1", n)
	}
	evs, _ := f.db.AuditEvents(ctx, 0, 1000)
	listens, ends := 0, 0
	for _, e := range evs {
		switch e.Action {
		case callvault.ActionRecordingListen:
			listens++
		case callvault.ActionRecordingListenEnd:
			ends++
		}
	}
	if listens != 1 || ends != 1 {
		t.Errorf("%d listen and %d listen_end events, want 1 and 1", listens, ends)
	}
}

// TestAuditedRangeIsBounded: a client's Range header reaches the audit log cut to a bounded
// length, in the listening's event and in its summary, however long the header was.
func TestAuditedRangeIsBounded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.svc.Archive = &fakeArchive{data: bytes.Repeat([]byte("0123456789"), 1000), appendAudit: f.db.AppendAudit}
	r := f.request(t, "sam", callvault.PurposeQuality)
	v, err := f.svc.Approve(ctx, f.users["dan"], r.ID, access.ApproveInput{Statement: "approved"})
	if err != nil {
		t.Fatal(err)
	}
	sam := *f.users["sam"]
	sam.SessionID = "session-hash-of-sam-0123456789"
	long := "bytes=0-0" + strings.Repeat(",0-0", 10000)
	for i := range 3 {
		op, err := f.svc.Listen(ctx, &sam, v.RecordingIDs[0], false, long+strings.Repeat(",1-1", i))
		if err != nil {
			t.Fatal(err)
		}
		op.Release()
	}
	if err := f.svc.Close(ctx); err != nil {
		t.Fatal(err)
	}
	evs, _ := f.db.AuditEvents(ctx, 0, 1000)
	seen := 0
	for _, e := range evs {
		if e.Action == callvault.ActionRecordingListen || e.Action == callvault.ActionRecordingListenEnd {
			seen++
			if len(e.Detail) > 1000 {
				t.Errorf("%s event detail is %d bytes", e.Action, len(e.Detail))
			}
		}
	}
	if seen != 2 {
		t.Errorf("%d listen and listen_end events, want 2", seen)
	}
}
