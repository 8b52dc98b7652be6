package httpserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// fakeArchive stores uploads in memory, the way the contract says: the audio is read to EOF
// before anything is stored, a reader error stores nothing and is returned as is, and a
// duplicate (source, source ID) is returned without reading the audio.
type fakeArchive struct {
	mu     sync.Mutex
	recs   map[string]*callvault.Recording // by source/source_id
	audio  map[string][]byte               // by recording ID
	actors []callvault.Actor
	// ingest, if set, replaces the behaviour above.
	ingest func(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error)
}

var _ callvault.Archive = (*fakeArchive)(nil)

func newFakeArchive() *fakeArchive {
	return &fakeArchive{recs: map[string]*callvault.Recording{}, audio: map[string][]byte{}}
}

func (a *fakeArchive) Ingest(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
	if a.ingest != nil {
		return a.ingest(ctx, req)
	}
	key := string(req.Recording.Source) + "/" + req.Recording.SourceID
	a.mu.Lock()
	a.actors = append(a.actors, req.Actor)
	existing := a.recs[key]
	a.mu.Unlock()
	if existing != nil {
		return existing, false, nil
	}
	data, err := io.ReadAll(req.Audio)
	if err != nil {
		return nil, false, err
	}
	return a.store(req.Recording, data), true, nil
}

func (a *fakeArchive) store(meta *callvault.Recording, data []byte) *callvault.Recording {
	rec := *meta
	sum := sha256.Sum256(data)
	rec.ID = callvault.NewID()
	rec.PlainSize = int64(len(data))
	rec.PlainSHA256 = hex.EncodeToString(sum[:])
	rec.StoredSize = int64(len(data)) + 200
	rec.StoredSHA256 = hex.EncodeToString(make([]byte, 32))
	rec.Codec = callvault.CodecPCM16
	rec.SampleRate = 8000
	rec.Channels = 1
	rec.Duration = time.Duration(len(data)) * time.Second / 16000
	a.mu.Lock()
	defer a.mu.Unlock()
	a.recs[string(rec.Source)+"/"+rec.SourceID] = &rec
	a.audio[rec.ID] = data
	return &rec
}

func (a *fakeArchive) stored() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.audio)
}

func (a *fakeArchive) Open(ctx context.Context, actor callvault.Actor, id, purpose string) (callvault.Audio, error) {
	return nil, callvault.Errorf(callvault.KindInternal, "fake archive cannot open")
}

// fakeTokens is a TokenStore over a map from hash to token.
type fakeTokens struct {
	byHash map[string]*callvault.Token
	err    error // returned by TokenByHash when set
	loose  bool  // return some token whatever the hash, like a broken store
}

var _ callvault.TokenStore = (*fakeTokens)(nil)

func (f *fakeTokens) add(secret, name string, role callvault.Role) *callvault.Token {
	t := &callvault.Token{ID: callvault.NewID(), Name: name, Role: role, Hash: callvault.HashToken(secret), CreatedAt: time.Now()}
	f.byHash[t.Hash] = t
	return t
}

func (f *fakeTokens) TokenByHash(ctx context.Context, hash string) (*callvault.Token, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.loose {
		for _, t := range f.byHash {
			return t, nil
		}
	}
	if t, ok := f.byHash[hash]; ok {
		return t, nil
	}
	return nil, callvault.Errorf(callvault.KindNotFound, "no such token")
}

func (f *fakeTokens) CreateToken(ctx context.Context, t *callvault.Token, ev *callvault.AuditEvent) error {
	return errors.New("not implemented")
}
func (f *fakeTokens) Tokens(ctx context.Context) ([]*callvault.Token, error) {
	return nil, errors.New("not implemented")
}
func (f *fakeTokens) RevokeToken(ctx context.Context, id string, ev *callvault.AuditEvent) error {
	return errors.New("not implemented")
}

// decodeFakeMetadata stands in for internal/metadata: strict JSON with source and source_id.
// The source ID "plain-error" makes it fail with an error that has no Kind.
func decodeFakeMetadata(r io.Reader) (*callvault.Recording, error) {
	var m struct {
		Source   callvault.Source `json:"source"`
		SourceID string           `json:"source_id"`
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, callvault.Errorf(callvault.KindInvalid, "invalid metadata JSON: %w", err)
	}
	if m.SourceID == "plain-error" {
		return nil, errors.New("plain decoder failure")
	}
	return &callvault.Recording{Source: m.Source, SourceID: m.SourceID, StartedAt: time.Now()}, nil
}

// logBuffer collects log output; safe for the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
