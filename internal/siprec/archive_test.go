package siprec

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"maps"
	"sync"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// fakeArchive is a callvault.Archive that validates and keeps recordings in memory.
type fakeArchive struct {
	mu     sync.Mutex
	recs   map[string]*stored // by SourceID
	stored chan *stored
	fail   error // if set, Ingest reads the audio and then fails with it, storing nothing
}

type stored struct {
	rec         callvault.Recording
	wav         []byte
	left, right []int16
	sidecar     []byte
	actor       callvault.Actor
	err         error
}

var _ callvault.Archive = (*fakeArchive)(nil)

func newFakeArchive() *fakeArchive {
	return &fakeArchive{recs: map[string]*stored{}, stored: make(chan *stored, 16)}
}

func (a *fakeArchive) Ingest(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
	a.mu.Lock()
	if st, ok := a.recs[req.Recording.SourceID]; ok {
		a.mu.Unlock()
		r := st.rec
		return &r, false, nil
	}
	a.mu.Unlock()
	wr, err := audio.NewWAVReader(req.Audio)
	if err != nil {
		return nil, false, err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, wr); err != nil {
		return nil, false, err // nothing stored
	}
	if a.fail != nil {
		return nil, false, a.fail
	}
	st := &stored{rec: *req.Recording, wav: buf.Bytes(), actor: req.Actor}
	st.rec.Attributes = maps.Clone(req.Recording.Attributes)
	st.rec.ID = callvault.NewID()
	st.rec.SampleRate, st.rec.Channels = wr.Format().SampleRate, wr.Format().Channels
	data := st.wav[wr.DataOffset():]
	for i := 0; i+4 <= len(data); i += 4 {
		st.left = append(st.left, int16(binary.LittleEndian.Uint16(data[i:])))
		st.right = append(st.right, int16(binary.LittleEndian.Uint16(data[i+2:])))
	}
	if req.Sidecar != nil {
		st.sidecar = req.Sidecar()
	}
	a.mu.Lock()
	a.recs[st.rec.SourceID] = st
	a.mu.Unlock()
	a.stored <- st
	r := st.rec
	return &r, true, nil
}

func (a *fakeArchive) Open(ctx context.Context, actor callvault.Actor, id, purpose string) (callvault.Audio, error) {
	return nil, callvault.Errorf(callvault.KindNotFound, "fake archive does not play recordings")
}

func (a *fakeArchive) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.recs)
}
