package httpserver

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/callvault/callvault"
)

// The request ID answered in X-Request-Id reaches the archive in its context
// (callvault.RequestIDFrom), so that the audit events it appends name the request.
func TestRequestIDReachesArchive(t *testing.T) {
	for _, incoming := range []string{"", "pbx-7:call.42", "not a <sane> id"} {
		t.Run(incoming, func(t *testing.T) {
			e := newEnv(t)
			var (
				mu  sync.Mutex
				got []string
			)
			e.archive.ingest = func(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
				mu.Lock()
				got = append(got, callvault.RequestIDFrom(ctx))
				mu.Unlock()
				if _, err := io.Copy(io.Discard, req.Audio); err != nil {
					return nil, false, err
				}
				rec := *req.Recording
				rec.ID = callvault.NewID()
				return &rec, true, nil
			}
			ts := e.start()
			body := multipartBody(part{name: "metadata", body: goodMetadata}, part{name: "audio", body: "RIFF"})
			req := newUpload(t, ts.URL, multipartType, strings.NewReader(body))
			if incoming != "" {
				req.Header.Set(requestIDHeader, incoming)
			}
			resp, raw := do(t, req)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("upload = %d %s, want 201", resp.StatusCode, raw)
			}
			answered := resp.Header.Get(requestIDHeader)
			if answered == "" {
				t.Fatal("no X-Request-Id answered")
			}
			if saneRequestID(incoming) != (answered == incoming) {
				t.Errorf("incoming request id %q answered as %q: want a sane one kept, any other replaced", incoming, answered)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0] != answered {
				t.Errorf("archive saw request ids %q, want [%q] (the one answered)", got, answered)
			}
		})
	}
}

// Outside a request there is no request ID, and none leaks from one request into the next.
func TestRequestIDPerRequest(t *testing.T) {
	e := newEnv(t)
	var (
		mu   sync.Mutex
		seen []string
	)
	e.server = New(Config{
		Archive: e.archive, Tokens: e.tokens, DecodeMetadata: decodeFakeMetadata,
		MaxUploadBytes: testMaxUpload, Logger: e.logs.logger(),
		Ready: func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, callvault.RequestIDFrom(ctx))
			return nil
		},
	})
	ts := e.start()
	var answered []string
	for range 2 {
		resp, _ := do(t, mustRequest(t, http.MethodGet, ts.URL+"/readyz"))
		answered = append(answered, resp.Header.Get(requestIDHeader))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[0] != answered[0] || seen[1] != answered[1] || seen[0] == seen[1] {
		t.Errorf("readiness checks saw request ids %q, answered %q; want the answered ones, distinct", seen, answered)
	}
	if id := callvault.RequestIDFrom(context.Background()); id != "" {
		t.Errorf("RequestIDFrom(background) = %q, want empty", id)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
