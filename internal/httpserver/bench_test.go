package httpserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// BenchmarkIngest measures the handler's overhead on a 4 MiB upload: auth, multipart walking and
// the limiting reader, with an archive that discards the audio.
func BenchmarkIngest(b *testing.B) {
	archive := &fakeArchive{ingest: func(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
		n, err := io.Copy(io.Discard, req.Audio)
		if err != nil {
			return nil, false, err
		}
		return &callvault.Recording{ID: callvault.NewID(), PlainSize: n}, true, nil
	}}
	tokens := &fakeTokens{byHash: map[string]*callvault.Token{}}
	tokens.add(recorderSecret, "pbx-1", callvault.RoleRecorder)
	h := New(Config{Archive: archive, Tokens: tokens, DecodeMetadata: decodeFakeMetadata,
		Logger: (&logBuffer{}).logger()}).Handler()
	body := multipartBody(part{name: "metadata", body: goodMetadata},
		part{name: "audio", body: strings.Repeat("0123456789abcdef", 256<<10)})
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/recordings", strings.NewReader(body))
		req.Header.Set("Content-Type", multipartType)
		req.Header.Set("Authorization", "Bearer "+recorderSecret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
