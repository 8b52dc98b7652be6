package audit

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// fakeCatalogue is an in-memory callvault.Catalogue whose fields tests tamper with directly.
type fakeCatalogue struct {
	mu          sync.Mutex
	events      []*callvault.AuditEvent
	checkpoints []*callvault.Checkpoint
	recordings  map[string]*callvault.Recording
}

var _ callvault.Catalogue = (*fakeCatalogue)(nil)

func newFakeCatalogue() *fakeCatalogue {
	return &fakeCatalogue{recordings: map[string]*callvault.Recording{}}
}

func (f *fakeCatalogue) AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.appendLocked(ev)
	return nil
}

func (f *fakeCatalogue) appendLocked(ev *callvault.AuditEvent) {
	var prevSeq int64
	var prevHash string
	if n := len(f.events); n > 0 {
		prevSeq, prevHash = f.events[n-1].Seq, f.events[n-1].Hash
	}
	ev.Seal(prevSeq, prevHash)
	c := *ev
	f.events = append(f.events, &c)
}

func (f *fakeCatalogue) AuditEvents(ctx context.Context, afterSeq int64, limit int) ([]*callvault.AuditEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*callvault.AuditEvent
	for _, ev := range f.events {
		if ev.Seq > afterSeq && len(out) < limit {
			c := *ev
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeCatalogue) AuditHead(ctx context.Context) (*callvault.AuditEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		return nil, nil
	}
	c := *f.events[len(f.events)-1]
	return &c, nil
}

func (f *fakeCatalogue) AddCheckpoint(ctx context.Context, c *callvault.Checkpoint) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, old := range f.checkpoints {
		if old.Seq == c.Seq {
			return callvault.Errorf(callvault.KindConflict, "checkpoint %d exists", c.Seq)
		}
	}
	cc := *c
	f.checkpoints = append(f.checkpoints, &cc)
	sort.Slice(f.checkpoints, func(i, j int) bool { return f.checkpoints[i].Seq < f.checkpoints[j].Seq })
	return nil
}

func (f *fakeCatalogue) Checkpoints(ctx context.Context) ([]*callvault.Checkpoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*callvault.Checkpoint, len(f.checkpoints))
	for i, c := range f.checkpoints {
		cc := *c
		out[i] = &cc
	}
	return out, nil
}

func (f *fakeCatalogue) CreateRecording(ctx context.Context, r *callvault.Recording, ev *callvault.AuditEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.recordings[r.ID]; ok {
		return callvault.Errorf(callvault.KindConflict, "recording exists")
	}
	c := *r
	f.recordings[r.ID] = &c
	f.appendLocked(ev)
	return nil
}

func (f *fakeCatalogue) Recording(ctx context.Context, id string) (*callvault.Recording, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.recordings[id]
	if !ok {
		return nil, callvault.Errorf(callvault.KindNotFound, "no recording %s", id)
	}
	c := *r
	return &c, nil
}

func (f *fakeCatalogue) RecordingBySource(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Recording, error) {
	return nil, callvault.Errorf(callvault.KindNotFound, "not implemented by the fake")
}

func (f *fakeCatalogue) TombstoneBySource(ctx context.Context, source callvault.Source, sourceID string) (*callvault.Tombstone, error) {
	return nil, callvault.Errorf(callvault.KindNotFound, "not implemented by the fake")
}

func (f *fakeCatalogue) FindRecordings(ctx context.Context, flt callvault.RecordingFilter) ([]*callvault.Recording, error) {
	return nil, nil
}

func (f *fakeCatalogue) ListRecordings(ctx context.Context, afterID string, limit int) ([]*callvault.Recording, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(f.recordings))
	for id := range f.recordings {
		if id > afterID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []*callvault.Recording
	for _, id := range ids[:min(limit, len(ids))] {
		c := *f.recordings[id]
		out = append(out, &c)
	}
	return out, nil
}

func (f *fakeCatalogue) ExpiredRecordings(ctx context.Context, now time.Time, limit int) ([]*callvault.Recording, error) {
	return nil, nil
}

func (f *fakeCatalogue) DeleteRecording(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.recordings[id]; !ok {
		return callvault.Errorf(callvault.KindNotFound, "no recording %s", id)
	}
	delete(f.recordings, id)
	f.appendLocked(ev)
	return nil
}

func (f *fakeCatalogue) CreateToken(ctx context.Context, t *callvault.Token, ev *callvault.AuditEvent) error {
	return nil
}
func (f *fakeCatalogue) TokenByHash(ctx context.Context, hash string) (*callvault.Token, error) {
	return nil, callvault.Errorf(callvault.KindNotFound, "no token")
}
func (f *fakeCatalogue) Tokens(ctx context.Context) ([]*callvault.Token, error) { return nil, nil }
func (f *fakeCatalogue) RevokeToken(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	return nil
}
func (f *fakeCatalogue) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	return true, nil
}
func (f *fakeCatalogue) ReleaseLease(ctx context.Context, name, holder string) error { return nil }
func (f *fakeCatalogue) Ping(ctx context.Context) error                              { return nil }
func (f *fakeCatalogue) Close() error                                                { return nil }

// fakeBlobs is an in-memory callvault.BlobStore that counts the bytes read through ReadAt.
type fakeBlobs struct {
	mu    sync.Mutex
	blobs map[string][]byte
	fail  error // when set, Open fails with it
}

var _ callvault.BlobStore = (*fakeBlobs)(nil)

func newFakeBlobs() *fakeBlobs { return &fakeBlobs{blobs: map[string][]byte{}} }

func (f *fakeBlobs) Create(ctx context.Context, key string) (callvault.BlobWriter, error) {
	return &fakeBlobWriter{store: f, key: key}, nil
}

func (f *fakeBlobs) Open(ctx context.Context, key string) (callvault.Blob, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	b, ok := f.blobs[key]
	if !ok {
		return nil, callvault.Errorf(callvault.KindNotFound, "no blob %s", key)
	}
	return &fakeBlob{r: bytes.NewReader(b)}, nil
}

func (f *fakeBlobs) Delete(ctx context.Context, key string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.blobs, key)
	return nil
}

func (f *fakeBlobs) List(ctx context.Context, prefix string, fn func(callvault.BlobInfo) error) error {
	f.mu.Lock()
	var infos []callvault.BlobInfo
	for k, b := range f.blobs {
		if strings.HasPrefix(k, prefix) {
			infos = append(infos, callvault.BlobInfo{Key: k, Size: int64(len(b))})
		}
	}
	f.mu.Unlock()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	for _, i := range infos {
		if err := fn(i); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeBlobs) Ping(ctx context.Context) error { return nil }

type fakeBlobWriter struct {
	store *fakeBlobs
	key   string
	buf   bytes.Buffer
}

func (w *fakeBlobWriter) Write(p []byte) (int, error) { return w.buf.Write(p) }
func (w *fakeBlobWriter) Abort() error                { return nil }
func (w *fakeBlobWriter) Commit() error {
	w.store.mu.Lock()
	defer w.store.mu.Unlock()
	if _, ok := w.store.blobs[w.key]; ok {
		return callvault.Errorf(callvault.KindConflict, "blob exists")
	}
	w.store.blobs[w.key] = bytes.Clone(w.buf.Bytes())
	return nil
}

type fakeBlob struct{ r *bytes.Reader }

func (b *fakeBlob) ReadAt(p []byte, off int64) (int, error) { return b.r.ReadAt(p, off) }
func (b *fakeBlob) Size() int64                             { return b.r.Size() }
func (b *fakeBlob) Close() error                            { return nil }
