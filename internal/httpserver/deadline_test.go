package httpserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// serveWith starts e's server, rebuilt with adjust applied to its configuration, on a real
// listener on port 0, and returns its address.
func (e *env) serveWith(adjust func(*Config)) string {
	e.t.Helper()
	cfg := Config{
		Archive:        e.archive,
		Tokens:         e.tokens,
		Ready:          func(ctx context.Context) error { return e.ready },
		DecodeMetadata: decodeFakeMetadata,
		MaxUploadBytes: testMaxUpload,
		Logger:         e.logs.logger(),
		Version:        "v9.9.9-test",
	}
	adjust(&cfg)
	e.server = New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- e.server.Serve(ln) }()
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.server.Shutdown(ctx)
		<-served
	})
	return ln.Addr().String()
}

// stalled is a connection that sent the head of a request and then stopped.
type stalled struct {
	name       string
	conn       net.Conn
	wantStatus int // the answer expected before the server closes; 0 for none
}

// stall opens a connection to addr and writes raw, then nothing more.
func stall(t *testing.T, addr, name, raw string, wantStatus int) *stalled {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("%s: dial: %v", name, err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("%s: write: %v", name, err)
	}
	return &stalled{name: name, conn: c, wantStatus: wantStatus}
}

// awaitClose reads s until the server closes the connection and checks the answer's status.
// The client-side deadline only keeps a broken server from hanging the test.
func (s *stalled) awaitClose(guard time.Duration) error {
	_ = s.conn.SetReadDeadline(time.Now().Add(guard))
	data, err := io.ReadAll(s.conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%s: still open after %s (read %q)", s.name, guard, data)
	}
	// A reset after the answer is a close too.
	if s.wantStatus == 0 {
		if len(data) != 0 {
			return fmt.Errorf("%s: got %q, want no answer", s.name, data)
		}
		return nil
	}
	resp, perr := http.ReadResponse(bufio.NewReader(strings.NewReader(string(data))), nil)
	if perr != nil {
		return fmt.Errorf("%s: answer %q: %v (read error %v)", s.name, data, perr, err)
	}
	if resp.StatusCode != s.wantStatus {
		return fmt.Errorf("%s: status %d, want %d", s.name, resp.StatusCode, s.wantStatus)
	}
	return nil
}

// TestStalledConnectionsAreClosed is the acceptance test of the deadline policy: 200
// connections that declare a body they never send (to every error path, to /healthz, and to an
// authenticated upload), send half their headers, or stay idle after a request are all closed
// by the server within the configured deadlines, while a real upload succeeds.
func TestStalledConnectionsAreClosed(t *testing.T) {
	e := newEnv(t)
	addr := e.serveWith(func(c *Config) {
		c.BodyTimeout = 300 * time.Millisecond
		c.UploadIdleTimeout = 400 * time.Millisecond
		c.ReadHeaderTimeout = 300 * time.Millisecond
		c.IdleTimeout = 300 * time.Millisecond
	})
	headWith := func(method, path, auth, sent string) string {
		h := method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n" +
			"Content-Type: " + multipartType + "\r\n"
		if auth != "" {
			h += "Authorization: Bearer " + auth + "\r\n"
		}
		return h + "\r\n" + sent
	}
	head := func(method, path, auth string) string { return headWith(method, path, auth, "xyz") }
	upload := "--" + testBoundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + goodMetadata +
		"\r\n--" + testBoundary + "\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nRIFF"
	kinds := []struct {
		name   string
		raw    string
		status int
	}{
		{"401 no token", head("POST", "/api/v1/recordings", ""), 401},
		{"401 wrong token", head("POST", "/api/v1/recordings", "cv_wrong"), 401},
		{"403 wrong role", head("POST", "/api/v1/recordings", auditorSecret), 403},
		{"404", head("POST", "/no/such/endpoint", ""), 404},
		{"405", head("PUT", "/healthz", ""), 405},
		{"healthz drain", head("GET", "/healthz", ""), 200},
		{"authenticated upload stalls", headWith("POST", "/api/v1/recordings", recorderSecret, upload), 400},
		{"half headers", "GET /healthz HTTP/1.1\r\nHost: x\r\n", 0},
	}
	var conns []*stalled
	for i := 0; i < 200; i++ {
		k := kinds[i%len(kinds)]
		conns = append(conns, stall(t, addr, fmt.Sprintf("%s #%d", k.name, i), k.raw, k.status))
	}

	body := multipartBody(part{name: "metadata", body: `{"source":"upload","source_id":"real"}`}, part{name: "audio", body: "RIFF-real"})
	resp, raw := do(t, newUpload(t, "http://"+addr, multipartType, strings.NewReader(body)))
	ingestAnswer(t, resp, raw, http.StatusCreated)

	var wg sync.WaitGroup
	errs := make(chan error, len(conns))
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.awaitClose(30 * time.Second); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := e.archive.stored(); n != 1 {
		t.Errorf("stored %d recordings, want only the real upload", n)
	}
}

// TestIdleConnectionIsClosed: a kept-alive connection with no further request is closed after
// IdleTimeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	e := newEnv(t)
	addr := e.serveWith(func(c *Config) { c.IdleTimeout = 200 * time.Millisecond })
	s := stall(t, addr, "idle", "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200)
	if err := s.awaitClose(30 * time.Second); err != nil {
		t.Fatal(err)
	}
}

// TestOversizedContentLengthRefusedBeforeContinue: a declared body over the upload limit gets
// 413 without "100 Continue", so the client never sends it.
func TestOversizedContentLengthRefusedBeforeContinue(t *testing.T) {
	e := newEnv(t)
	addr := e.serveWith(func(c *Config) {})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /api/v1/recordings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: %s\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n",
		recorderSecret, multipartType, testMaxUpload+bodyOverhead+1)
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	checkProblem(t, resp, raw, http.StatusRequestEntityTooLarge, "request body is larger than")
	if !resp.Close {
		t.Error("the connection should close after refusing a body never sent")
	}
}
