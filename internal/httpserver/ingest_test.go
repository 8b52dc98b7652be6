package httpserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

func TestIngestRejectsBadRequests(t *testing.T) {
	meta := part{name: "metadata", body: goodMetadata}
	audio := part{name: "audio", body: "RIFF....WAVEfmt "}
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		detail      string
	}{
		{"no content type", "", multipartBody(meta, audio), 415, "curl -F metadata=@meta.json -F audio=@call.wav"},
		{"json content type", "application/json", goodMetadata, 415, "expected multipart/form-data"},
		{"multipart/mixed", "multipart/mixed; boundary=" + testBoundary, multipartBody(meta, audio), 415,
			"curl -F metadata=@meta.json -F audio=@call.wav"},
		{"unparseable content type", ";;;", multipartBody(meta, audio), 415, "multipart/form-data"},
		{"no boundary parameter", "multipart/form-data", multipartBody(meta, audio), 400, "no boundary parameter"},
		{"empty body", multipartType, "", 400, "request body is empty"},
		{"body with another boundary", "multipart/form-data; boundary=OTHER", multipartBody(meta, audio), 400,
			"boundary lines do not match"},
		{"no parts", multipartType, "--" + testBoundary + "--\r\n", 400, `missing "metadata" part`},
		{"audio before metadata", multipartType, multipartBody(audio, meta), 400, `"audio" part came before`},
		{"unknown first part", multipartType, multipartBody(part{name: "meta", body: goodMetadata}, audio), 400,
			`unknown part "meta"`},
		{"part without a name", multipartType,
			multipartBody(part{header: "Content-Disposition: form-data", body: goodMetadata}, audio), 400,
			"without a form name"},
		{"metadata only", multipartType, multipartBody(meta), 400, `missing "audio" part`},
		{"metadata twice", multipartType, multipartBody(meta, meta, audio), 400, `duplicated "metadata" part`},
		{"unknown second part", multipartType, multipartBody(meta, part{name: "file", body: "x"}), 400,
			`unknown part "file"`},
		{"audio twice", multipartType, multipartBody(meta, audio, audio), 400, `duplicated "audio" part`},
		{"metadata after audio", multipartType, multipartBody(meta, audio, meta), 400, `"metadata" part follows`},
		{"part after audio", multipartType, multipartBody(meta, audio, part{name: "notes", body: "x"}), 400,
			"nothing may follow"},
		{"metadata over 64 KiB", multipartType,
			multipartBody(part{name: "metadata", body: strings.Repeat(" ", 64<<10+1)}, audio), 413, "64 KiB"},
		{"empty metadata", multipartType, multipartBody(part{name: "metadata"}, audio), 400, `"metadata" part is empty`},
		{"metadata not JSON", multipartType, multipartBody(part{name: "metadata", body: "source=upload"}, audio), 400,
			"invalid metadata JSON"},
		{"decoder error without a kind", multipartType,
			multipartBody(part{name: "metadata", body: `{"source":"upload","source_id":"plain-error"}`}, audio), 400,
			"invalid metadata: plain decoder failure"},
		{"truncated in metadata", multipartType, "--" + testBoundary + "\r\n" +
			`Content-Disposition: form-data; name="metadata"` + "\r\n\r\n{\"source\":", 400, "body ended early"},
		{"truncated in audio", multipartType,
			strings.TrimSuffix(multipartBody(meta, audio), "--"+testBoundary+"--\r\n"), 400, "body ended early"},
		{"malformed part header", multipartType,
			multipartBody(part{header: "Content-Disposition form-data", body: goodMetadata}, audio), 400,
			"malformed multipart body"},
		{"audio over the limit", multipartType,
			multipartBody(meta, part{name: "audio", body: strings.Repeat("a", testMaxUpload+1)}), 413,
			"larger than the limit of 4 KiB"},
		{"body over the overall cap", multipartType,
			strings.Repeat("preamble\r\n", (bodyOverhead+testMaxUpload)/10+1) + multipartBody(meta, audio), 413,
			"request body is larger than"},
	}
	e := newEnv(t)
	ts := e.start()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, newUpload(t, ts.URL, tt.contentType, strings.NewReader(tt.body)))
			checkProblem(t, resp, body, tt.status, tt.detail)
			if n := e.archive.stored(); n != 0 {
				t.Errorf("archive stored %d recordings for a bad request", n)
			}
		})
	}
}

// ingestAnswer decodes a successful upload's answer.
func ingestAnswer(t *testing.T, resp *http.Response, body []byte, status int) ingestResponse {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got ingestResponse
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	if want := "/api/v1/recordings/" + got.ID; resp.Header.Get("Location") != want || !callvault.ValidID(got.ID) {
		t.Errorf("Location = %q, id %q; want %q", resp.Header.Get("Location"), got.ID, want)
	}
	return got
}

func TestIngestCreatesThenIsIdempotent(t *testing.T) {
	e := newEnv(t)
	ts := e.start()
	audio := bytes.Repeat([]byte("0123456789abcdef"), testMaxUpload/16) // exactly the limit
	body := multipartBody(part{name: "metadata", body: goodMetadata}, part{name: "audio", body: string(audio)})

	resp, raw := do(t, newUpload(t, ts.URL, multipartType, strings.NewReader(body)))
	first := ingestAnswer(t, resp, raw, http.StatusCreated)
	sum := sha256.Sum256(audio)
	want := ingestResponse{ID: first.ID, Source: "upload", SourceID: "call-1", PlainSHA256: hex.EncodeToString(sum[:]),
		StoredSHA256: strings.Repeat("0", 64), PlainSize: int64(len(audio)), StoredSize: int64(len(audio)) + 200,
		DurationSeconds: float64(len(audio)) / 16000, Codec: callvault.CodecPCM16, SampleRate: 8000, Channels: 1,
		Created: true}
	if first != want {
		t.Errorf("answer = %+v\nwant     %+v", first, want)
	}
	if got := e.archive.audio[first.ID]; !bytes.Equal(got, audio) {
		t.Errorf("archive received %d bytes, want the %d sent", len(got), len(audio))
	}
	if e.archive.actors[0] != "token:pbx-1" {
		t.Errorf("actor = %q, want token:pbx-1", e.archive.actors[0])
	}

	// The retry is answered 200 with the same recording; the fake does not read the audio, so
	// the handler must consume it for the client to see the answer on a reusable connection.
	resp, raw = do(t, newUpload(t, ts.URL, multipartType, strings.NewReader(body)))
	second := ingestAnswer(t, resp, raw, http.StatusOK)
	want.Created = false
	if second != want {
		t.Errorf("retry answer = %+v\nwant           %+v", second, want)
	}
	if resp.Close {
		t.Error("retry answer closes the connection; the body should have been consumed")
	}
	if n := e.archive.stored(); n != 1 {
		t.Errorf("archive holds %d recordings, want 1", n)
	}
}

// TestIngestStreams checks that the archive reads the audio while the client is still sending
// it: the client withholds the rest of the body until the archive has seen the first bytes, so
// a handler that buffered the body would never get there.
func TestIngestStreams(t *testing.T) {
	e := newEnv(t)
	e.server.maxUpload = 1 << 20
	ts := e.start()

	first := bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 8<<10) // 64 KiB
	rest := bytes.Repeat([]byte{9, 8, 7, 6}, 64<<10)             // 256 KiB
	sawFirst := make(chan struct{})
	e.archive.ingest = func(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
		head := make([]byte, 1024)
		if _, err := io.ReadFull(req.Audio, head); err != nil {
			return nil, false, err
		}
		close(sawFirst)
		tail, err := io.ReadAll(req.Audio)
		if err != nil {
			return nil, false, err
		}
		return e.archive.store(req.Recording, append(head, tail...)), true, nil
	}

	pr, pw := io.Pipe()
	clientErr := make(chan error, 1)
	go func() {
		head := "--" + testBoundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + goodMetadata +
			"\r\n--" + testBoundary + "\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"call.wav\"\r\n\r\n"
		if _, err := io.WriteString(pw, head); err != nil {
			clientErr <- err
			return
		}
		if _, err := pw.Write(first); err != nil {
			clientErr <- err
			return
		}
		select {
		case <-sawFirst:
		case <-time.After(10 * time.Second): // a failure guard, not a timing assertion
			pw.CloseWithError(errNotStreamed)
			clientErr <- errNotStreamed
			return
		}
		pw.Write(rest)
		io.WriteString(pw, "\r\n--"+testBoundary+"--\r\n")
		clientErr <- pw.Close()
	}()

	resp, raw := do(t, newUpload(t, ts.URL, multipartType, pr))
	if err := <-clientErr; err != nil {
		t.Fatalf("client: %v", err)
	}
	got := ingestAnswer(t, resp, raw, http.StatusCreated)
	want := append(append([]byte{}, first...), rest...)
	if a := e.archive.audio[got.ID]; !bytes.Equal(a, want) {
		t.Errorf("archive received %d bytes, want the exact %d sent", len(a), len(want))
	}
}

var errNotStreamed = callvault.Errorf(callvault.KindInternal, "the archive saw no audio before the body ended")

func TestIngestJustOverLimit(t *testing.T) {
	e := newEnv(t)
	ts := e.start()
	for _, size := range []int{testMaxUpload, testMaxUpload + 1} {
		e.archive = newFakeArchive()
		e.server.archive = e.archive
		body := multipartBody(part{name: "metadata", body: goodMetadata},
			part{name: "audio", body: strings.Repeat("x", size)})
		resp, raw := do(t, newUpload(t, ts.URL, multipartType, strings.NewReader(body)))
		if size <= testMaxUpload {
			ingestAnswer(t, resp, raw, http.StatusCreated)
			continue
		}
		checkProblem(t, resp, raw, http.StatusRequestEntityTooLarge, "larger than the limit")
		if e.archive.stored() != 0 {
			t.Error("an oversized upload was stored")
		}
	}
}

// TestIngestTooLargeWhatever checks that an oversized upload is answered 413 even when the
// archive loses the reader error's Kind.
func TestIngestTooLargeWhateverTheArchiveSays(t *testing.T) {
	e := newEnv(t)
	e.archive.ingest = func(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
		_, err := io.ReadAll(req.Audio)
		return nil, false, callvault.WrapError(callvault.KindInternal, err, "encrypting")
	}
	ts := e.start()
	body := multipartBody(part{name: "metadata", body: goodMetadata},
		part{name: "audio", body: strings.Repeat("x", 3*testMaxUpload)})
	resp, raw := do(t, newUpload(t, ts.URL, multipartType, strings.NewReader(body)))
	checkProblem(t, resp, raw, http.StatusRequestEntityTooLarge, "larger than the limit")
}

func TestIngestArchiveErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		detail string
	}{
		{"internal cause hidden", callvault.WrapError(callvault.KindInternal,
			io.ErrShortWrite, "disk /var/lib/callvault/secret-path failed"), 500, "internal error"},
		{"error without kind", io.ErrClosedPipe, 500, "internal error"},
		{"unavailable", callvault.Errorf(callvault.KindUnavailable, "blob store unreachable"), 503,
			"blob store unreachable"},
		{"invalid wav", callvault.Errorf(callvault.KindInvalid, "audio is not a WAV file"), 400, "not a WAV file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.archive.ingest = func(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
				io.Copy(io.Discard, req.Audio)
				return nil, false, tt.err
			}
			body := multipartBody(part{name: "metadata", body: goodMetadata}, part{name: "audio", body: "RIFF"})
			req := newUpload(t, "http://127.0.0.1", multipartType, strings.NewReader(body))
			rec := httptest.NewRecorder()
			e.server.Handler().ServeHTTP(rec, req)
			resp := rec.Result()
			p := checkProblem(t, resp, rec.Body.Bytes(), tt.status, tt.detail)
			if strings.Contains(rec.Body.String(), "secret-path") {
				t.Errorf("answer reveals the internal cause: %s", rec.Body.String())
			}
			if tt.status == 500 && !strings.Contains(e.logs.String(), p.RequestID) {
				t.Errorf("internal error not logged with request id %s: %s", p.RequestID, e.logs.String())
			}
			if tt.status == 500 && tt.name == "internal cause hidden" && !strings.Contains(e.logs.String(), "secret-path") {
				t.Errorf("internal error's cause missing from the log: %s", e.logs.String())
			}
		})
	}
}

// TestIngestStalledUploadIsCutOff checks the per-read idle timeout that replaces a whole-request
// ReadTimeout: a client that stops sending mid-audio gets a 400 and nothing is stored.
func TestIngestStalledUploadIsCutOff(t *testing.T) {
	e := newEnv(t)
	e.server.uploadIdleTimeout = 100 * time.Millisecond
	ts := e.start()
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		io.WriteString(pw, "--"+testBoundary+"\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n"+goodMetadata+
			"\r\n--"+testBoundary+"\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nRIFF")
		// ...and then nothing, until the test ends.
	}()
	resp, raw := do(t, newUpload(t, ts.URL, multipartType, pr))
	checkProblem(t, resp, raw, http.StatusBadRequest, "the upload stalled (nothing received for 100ms)")
	if e.archive.stored() != 0 {
		t.Error("a stalled upload was stored")
	}
}

// TestIngestSlowCommitKeepsContext checks that the upload idle timeout stops at the end of the
// body: an archive that takes longer than the timeout to commit after the audio's EOF must not
// see its context cancelled (net/http cancels it when its end-of-body read fails).
func TestIngestSlowCommitKeepsContext(t *testing.T) {
	e := newEnv(t)
	e.server.uploadIdleTimeout = 50 * time.Millisecond
	e.archive.ingest = func(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
		data, err := io.ReadAll(req.Audio)
		if err != nil {
			return nil, false, err
		}
		select { // a commit slower than the idle timeout
		case <-ctx.Done():
			return nil, false, callvault.WrapError(callvault.KindUnavailable, ctx.Err(), "context cancelled during commit")
		case <-time.After(6 * e.server.uploadIdleTimeout):
		}
		return e.archive.store(req.Recording, data), true, nil
	}
	ts := e.start()
	body := multipartBody(part{name: "metadata", body: goodMetadata}, part{name: "audio", body: "RIFF"})
	resp, raw := do(t, newUpload(t, ts.URL, multipartType, strings.NewReader(body)))
	ingestAnswer(t, resp, raw, http.StatusCreated)
}
