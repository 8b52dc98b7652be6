package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// TestMain lets the test binary act as the callvault binary: the crash tests re-execute it with
// CALLVAULT_E2E_EXEC=1 so that they can SIGKILL a real server process.
func TestMain(m *testing.M) {
	if os.Getenv("CALLVAULT_E2E_EXEC") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// testEnv returns an env whose getenv sees only the given variables (tests never inherit the
// developer's CALLVAULT_* settings).
func testEnv(stdout, stderr io.Writer, vars ...string) env {
	m := map[string]string{"USER": "tester"}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(k string) string { return m[k] }}
}

// cli runs a callvault command in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	ev := testEnv(&o, &e)
	code = run(context.Background(), args, ev.stdin, &o, &e, ev.getenv)
	return code, o.String(), e.String()
}

// server is a callvault serve running in this process on port 0 with a temporary data dir.
type server struct {
	t      *testing.T
	data   string
	url    string
	main   *Main
	cancel context.CancelFunc
	done   chan error
}

func startServer(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	if data == "" {
		data = t.TempDir()
	}
	return startServerWith(t, nil, append([]string{"--data", data}, extra...)...)
}

// startServerWith starts a server with the given flags; setup may adjust Main before it opens.
func startServerWith(t *testing.T, setup func(*Main), flags ...string) *server {
	t.Helper()
	args := append([]string{"--http", "127.0.0.1:0", "--log-level", "warn"}, flags...)
	fs := newFlagSet(testEnv(io.Discard, io.Discard), "serve", "serve", true)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(fs, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, data: cfg.Data, cancel: cancel, done: make(chan error, 1)}
	s.main = NewMain(cfg, io.Discard, io.Discard)
	if setup != nil {
		setup(s.main)
	}
	ready := make(chan string, 1)
	go func() { s.done <- s.main.Serve(ctx, ready) }()
	select {
	case s.url = <-ready:
	case err := <-s.done:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start within 60s")
	}
	t.Cleanup(s.stop)
	return s
}

func (s *server) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	if err := <-s.done; err != nil {
		s.t.Errorf("server stopped with error: %v", err)
	}
}

// createToken makes a token with the CLI against the data directory.
func createToken(t *testing.T, data, role, name string) string {
	t.Helper()
	return createTokenArgs(t, []string{"--data", data}, role, name)
}

func createTokenArgs(t *testing.T, flags []string, role, name string) string {
	t.Helper()
	code, out, errOut := cli(t, append([]string{"token", "create", "--role", role, "--name", name}, flags...)...)
	if code != 0 {
		t.Fatalf("token create: exit %d: %s", code, errOut)
	}
	tok := strings.TrimSpace(out)
	if !strings.HasPrefix(tok, callvault.TokenPrefix) {
		t.Fatalf("token create printed %q", out)
	}
	return tok
}

// makeWAV returns a WAV file of the given format whose audio is random bytes (distinctive, so a
// search for them in the data directory finds any plaintext copy), seconds long.
func makeWAV(t testing.TB, f audio.Format, seconds float64) (wav, pcm []byte) {
	t.Helper()
	n := int(float64(f.SampleRate)*seconds) * f.BlockAlign
	pcm = make([]byte, n)
	rand.Read(pcm)
	var b bytes.Buffer
	if err := audio.WriteHeader(&b, f, int64(n)); err != nil {
		t.Fatal(err)
	}
	b.Write(pcm)
	return b.Bytes(), pcm
}

func metaJSON(sourceID string, extra map[string]any) []byte {
	m := map[string]any{
		"started_at": "2026-11-20T10:00:00Z", "ended_at": "2026-11-20T10:03:00Z", "direction": "inbound",
		"extension": "201", "external_number": "07700 900123", "line": "main", "source": "upload",
		"source_id": sourceID, "announcement_played": "yes",
		"parties": []map[string]string{{"name": "Jane Doe", "number": "07700900123", "role": "caller"}},
	}
	for k, v := range extra {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// part is one multipart part of an upload.
type part struct {
	name, filename, contentType string
	body                        []byte
}

func multipartBody(parts ...part) (body []byte, contentType string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := make(map[string][]string)
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h["Content-Disposition"] = []string{cd}
		if p.contentType != "" {
			h["Content-Type"] = []string{p.contentType}
		}
		pw, _ := w.CreatePart(h)
		pw.Write(p.body)
	}
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

type uploadResult struct {
	status int
	body   map[string]any
	raw    string
	ctype  string
}

func upload(t testing.TB, url, token string, body []byte, contentType string) uploadResult {
	t.Helper()
	r, err := doUpload(url, token, body, contentType)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	return r
}

func doUpload(url, token string, body []byte, contentType string) (uploadResult, error) {
	req, _ := http.NewRequest("POST", url+"/api/v1/recordings", bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return uploadResult{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return uploadResult{}, err
	}
	r := uploadResult{status: resp.StatusCode, raw: string(raw), ctype: resp.Header.Get("Content-Type")}
	json.Unmarshal(raw, &r.body)
	return r, nil
}

func uploadWAV(t testing.TB, url, token, sourceID string, wav []byte) uploadResult {
	t.Helper()
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json", body: metaJSON(sourceID, nil)},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	return upload(t, url, token, body, ct)
}

// grepDir reports the files under dir that contain needle.
func grepDir(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var hits []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && bytes.Contains(b, needle) {
			hits = append(hits, p)
		}
		return nil
	})
	return hits
}

// process is callvault running as a separate process (the re-executed test binary).
type process struct {
	cmd *exec.Cmd
	url string
	out *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	return startProcessEnv(t, nil, args...)
}

func startProcessEnv(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(append(os.Environ(), env...), "CALLVAULT_E2E_EXEC=1")
	stdout, _ := cmd.StdoutPipe()
	p := &process{cmd: cmd, out: &syncBuffer{}}
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.out.Write([]byte(line + "\n"))
			if i := strings.Index(line, "listening on "); i >= 0 {
				urlc <- strings.TrimSpace(line[i+len("listening on "):])
			}
		}
	}()
	select {
	case p.url = <-urlc:
	case <-time.After(60 * time.Second):
		t.Fatalf("process did not start: %s", p.out.String())
	}
	return p
}
