package archive_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive"
	"github.com/callvault/callvault/internal/archive/archivetest"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/sqlite"
)

type fixture struct {
	svc   *archive.Service
	db    *sqlite.DB
	blobs *fileblob.Store
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := archivetest.New(t)
	return &fixture{svc: f.Service, db: f.DB, blobs: f.Blobs}
}

func wav(t testing.TB, seconds int) []byte {
	t.Helper()
	var b bytes.Buffer
	n := 8000 * seconds
	audio.WriteHeader(&b, audio.MuLawFormat(8000, 1), int64(n))
	pcm := make([]byte, n)
	rand.Read(pcm)
	b.Write(pcm)
	return b.Bytes()
}

func rec(id string) *callvault.Recording {
	return &callvault.Recording{StartedAt: time.Now().Add(-time.Minute), Source: callvault.SourceUpload, SourceID: id,
		Parties: []callvault.Party{{Name: "Jane Doe", Number: callvault.Number{E164: "+447700900123", Raw: "07700 900123"}}}}
}

func (f *fixture) blobCount(t *testing.T) int {
	t.Helper()
	n := 0
	if err := f.blobs.List(context.Background(), "", func(callvault.BlobInfo) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIngestOpenRoundTripAndSidecar(t *testing.T) {
	f := newFixture(t)
	ctx := callvault.WithRequestID(context.Background(), "req-1")
	in := wav(t, 3)
	sidecar := []byte("<recording xmlns='urn:ietf:params:xml:ns:recording:1'/>")
	r, created, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "test", Recording: rec("a"), Audio: bytes.NewReader(in),
		Sidecar: func() []byte { return sidecar }})
	if err != nil || !created {
		t.Fatalf("ingest: %v created=%v", err, created)
	}
	if r.Duration != 3*time.Second || r.Codec != callvault.CodecMuLaw || r.PlainSize != int64(len(in)) || r.RetainUntil.IsZero() {
		t.Errorf("recording facts wrong: %+v", r)
	}
	a, err := f.svc.Open(ctx, "reader", r.ID, "complaint 42")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got, _ := io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
	if !bytes.Equal(got, in) {
		t.Fatal("audio does not round-trip")
	}
	// Random access in the middle.
	mid := make([]byte, 100)
	if _, err := a.ReadAt(mid, 20000); err != nil || !bytes.Equal(mid, in[20000:20100]) {
		t.Errorf("ReadAt in the middle: %v", err)
	}
	sc, err := a.Sidecar()
	if err != nil || !bytes.Equal(sc, sidecar) {
		t.Errorf("sidecar %q, %v", sc, err)
	}
	stored, _ := f.db.Recording(ctx, r.ID)
	if bytes.Contains(stored.Sidecar, sidecar[:20]) {
		t.Error("sidecar stored in plaintext")
	}
	evs, _ := f.db.AuditEvents(ctx, 0, 10)
	if len(evs) != 2 || evs[0].Action != callvault.ActionRecordingIngest || evs[1].Action != callvault.ActionRecordingOpen ||
		evs[1].Purpose != "complaint 42" || evs[0].RequestID != "req-1" {
		t.Errorf("audit events: %+v", evs)
	}
}

func TestIngestIdempotentAndDeleted(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	in := wav(t, 1)
	r1, _, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "t", Recording: rec("dup"), Audio: bytes.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	r2, created, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "t", Recording: rec("dup"), Audio: bytes.NewReader(in)})
	if err != nil || created || r2.ID != r1.ID {
		t.Fatalf("retry: %v created=%v id=%s want %s", err, created, r2.ID, r1.ID)
	}
	if n := f.blobCount(t); n != 1 {
		t.Errorf("%d blobs after a retry, want 1", n)
	}
	// The same source id with other audio is not a retry: it is refused, and nothing stored.
	_, _, err = f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "t", Recording: rec("dup"), Audio: bytes.NewReader(wav(t, 1))})
	if !callvault.IsKind(err, callvault.KindConflict) || !strings.Contains(err.Error(), "different audio") {
		t.Errorf("same source id, other audio: %v, want conflict", err)
	}
	if n := f.blobCount(t); n != 1 {
		t.Errorf("%d blobs after a conflicting retry, want 1", n)
	}
	if err := f.db.DeleteRecording(ctx, r1.ID, &callvault.AuditEvent{Time: time.Now(), Actor: "t", Action: callvault.ActionRecordingDelete}); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "t", Recording: rec("dup"), Audio: bytes.NewReader(in)})
	if !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("re-ingest of a deleted recording: %v, want conflict", err)
	}
}

type failingReader struct {
	r   io.Reader
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestFailedIngestLeavesNothing(t *testing.T) {
	f := newFixture(t)
	in := wav(t, 2)
	tooLarge := callvault.Errorf(callvault.KindTooLarge, "audio over the limit")
	cases := map[string]struct {
		audio io.Reader
		kind  callvault.Kind
	}{
		"not a wav":       {bytes.NewReader([]byte("ID3 this is an mp3")), callvault.KindInvalid},
		"truncated":       {bytes.NewReader(in[:len(in)-100]), callvault.KindInvalid},
		"reader fails":    {&failingReader{r: bytes.NewReader(in), n: 5000, err: tooLarge}, callvault.KindTooLarge},
		"client vanished": {&failingReader{r: bytes.NewReader(in), n: 5000, err: io.ErrUnexpectedEOF}, callvault.KindInvalid},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, err := f.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "t", Recording: rec(name), Audio: c.audio})
			if !callvault.IsKind(err, c.kind) {
				t.Fatalf("error %v, want kind %s", err, c.kind)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "t", Recording: rec("cancelled"), Audio: bytes.NewReader(in)})
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ingest: %v", err)
	}
	if n := f.blobCount(t); n != 0 {
		t.Errorf("%d blobs left by failed ingests", n)
	}
	if recs, _ := f.db.ListRecordings(context.Background(), "", 10); len(recs) != 0 {
		t.Errorf("%d recordings left by failed ingests", len(recs))
	}
}

func TestIngestRejectsIncompleteMetadata(t *testing.T) {
	f := newFixture(t)
	for name, r := range map[string]*callvault.Recording{
		"no source id": {StartedAt: time.Now(), Source: callvault.SourceUpload},
		"no start":     {Source: callvault.SourceUpload, SourceID: "x"},
		"bad source":   {StartedAt: time.Now(), Source: "fax", SourceID: "x"},
		"no recording": nil,
	} {
		_, _, err := f.svc.Ingest(context.Background(), callvault.IngestRequest{Actor: "t", Recording: r, Audio: bytes.NewReader(wav(t, 1))})
		if !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

func TestCleanOrphans(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r, _, err := f.svc.Ingest(ctx, callvault.IngestRequest{Actor: "t", Recording: rec("keep"), Audio: bytes.NewReader(wav(t, 1))})
	if err != nil {
		t.Fatal(err)
	}
	orphan := archive.BlobKey(callvault.NewID(), time.Now())
	w, _ := f.blobs.Create(ctx, orphan)
	w.Write([]byte("ciphertext of a recording whose row never committed"))
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	// With a grace period the fresh orphan stays (another node may be committing its row).
	if removed, err := f.svc.CleanOrphans(ctx, time.Hour, nil); err != nil || len(removed) != 0 {
		t.Fatalf("clean with grace removed %v (%v)", removed, err)
	}
	removed, err := f.svc.CleanOrphans(ctx, 0, nil)
	if err != nil || len(removed) != 1 || removed[0] != orphan {
		t.Fatalf("clean removed %v (%v), want [%s]", removed, err, orphan)
	}
	if _, err := f.svc.Open(ctx, "t", r.ID, "check"); err != nil {
		t.Errorf("live recording damaged by orphan clean: %v", err)
	}
	evs, _ := f.db.AuditEvents(ctx, 0, 10)
	if last := evs[len(evs)-2]; last.Action != callvault.ActionOrphanBlobDelete || last.Object != "blob:"+orphan {
		t.Errorf("orphan removal not audited: %+v", evs)
	}
}

// TestCleanOrphansStopsWhenLeaseLost: the sweep asks keep every 200 blobs and stops, without
// error, once the lease has gone to another node, so two nodes never sweep side by side for long.
func TestCleanOrphansStopsWhenLeaseLost(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const orphans = 450
	for i := 0; i < orphans; i++ {
		w, _ := f.blobs.Create(ctx, archive.BlobKey(callvault.NewID(), time.Now()))
		w.Write([]byte("orphan"))
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	calls := 0
	keep := func(context.Context) (bool, error) { calls++; return calls < 2, nil }
	removed, err := f.svc.CleanOrphans(ctx, 0, keep)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 || len(removed) != 400 {
		t.Fatalf("keep called %d times, %d removed; want 2 calls and 400 removed (lost at the second)", calls, len(removed))
	}
	// The next holder finishes the job.
	if removed, err := f.svc.CleanOrphans(ctx, 0, nil); err != nil || len(removed) != orphans-400 {
		t.Fatalf("second sweep removed %d (%v), want %d", len(removed), err, orphans-400)
	}
}

func TestIDFromBlobKey(t *testing.T) {
	id := callvault.NewID()
	if got := archive.IDFromBlobKey(archive.BlobKey(id, time.Now())); got != id {
		t.Errorf("round trip gave %q", got)
	}
	if got := archive.IDFromBlobKey("recordings/2026/12/" + id + ".v12.age"); got != id { // a remasked version
		t.Errorf("version 12 gave %q", got)
	}
	for _, k := range []string{"", "recordings/x.age", "other/2026/11/" + id + ".age", "recordings/2026/11/" + id,
		"recordings/2026/11/" + id + ".v.age", "recordings/2026/11/" + id + ".vx.age"} {
		if got := archive.IDFromBlobKey(k); got != "" {
			t.Errorf("%q gave %q", k, got)
		}
	}
}
