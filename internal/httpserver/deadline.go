package httpserver

import (
	"context"
	"io"
	"net/http"
	"time"
)

// One deadline policy bounds every read of every connection, so that nobody can hold a
// connection (and its goroutine and file descriptor) open by sending slowly or not at all:
//
//   - a connection has ReadHeaderTimeout to send a request's headers (and to finish a TLS
//     handshake), and IdleTimeout between requests;
//   - a request's body must arrive within BodyTimeout of the request's start, whoever sends it:
//     an unauthenticated caller's body above all, which is drained (at most maxDrainBytes) only
//     within that time before the connection is closed;
//   - a handler that accepts long bodies from an authenticated caller (an upload) replaces that
//     deadline by an idle timeout, renewed before every read (UploadIdleTimeout);
//   - a declared Content-Length over the route's limit is refused with 413 before anything is
//     read, so a client waiting for "100 Continue" never gets it.
//
// There is deliberately no ReadTimeout or WriteTimeout: they bound a whole request and would
// cut off long uploads and downloads that make progress.

// Defaults of the deadline policy.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout       = 10 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
)

// bodyGuard is a request body with a read deadline. The middleware installs it on every request
// that has a body; handlers and the error paths change the deadline through it only.
//
// Once the body has ended no deadline may be set any more: net/http then reads the connection
// in the background to notice a client going away, and a deadline expiring there would cancel
// the request's context while the handler is still working (an archive committing).
type bodyGuard struct {
	body io.ReadCloser
	rc   *http.ResponseController
	// deadline is the read deadline in force (zero if none could be set).
	deadline time.Time
	eof      bool
}

// Read reads the body, noting its end.
func (g *bodyGuard) Read(p []byte) (int, error) {
	if g.eof {
		return 0, io.EOF
	}
	n, err := g.body.Read(p)
	if err == io.EOF {
		g.eof = true
	}
	return n, err
}

func (g *bodyGuard) Close() error { return g.body.Close() }

// setDeadline sets the connection's read deadline to t, unless the body has ended. Setting it
// fails only where the writer cannot reach a connection (tests with a ResponseRecorder); the
// read then simply has no deadline.
func (g *bodyGuard) setDeadline(t time.Time) {
	if g.eof {
		return
	}
	if g.rc.SetReadDeadline(t) == nil {
		g.deadline = t
	}
}

// shorten brings the deadline forward to t if it is later (or unset).
func (g *bodyGuard) shorten(t time.Time) {
	if g.deadline.IsZero() || t.Before(g.deadline) {
		g.setDeadline(t)
	}
}

type bodyGuardKey struct{}

func bodyGuardFrom(ctx context.Context) *bodyGuard {
	g, _ := ctx.Value(bodyGuardKey{}).(*bodyGuard)
	return g
}

// guardBody gives r's body, if it has one, a deadline of BodyTimeout from now, and returns the
// request carrying the guard. A request without a body gets no deadline: net/http is already
// reading its connection in the background, where a deadline would cancel the request.
func (s *Server) guardBody(w http.ResponseWriter, r *http.Request) *http.Request {
	if r.Body == nil || r.Body == http.NoBody {
		return r
	}
	g := &bodyGuard{body: r.Body, rc: http.NewResponseController(w)}
	g.setDeadline(time.Now().Add(s.bodyTimeout))
	r = r.WithContext(context.WithValue(r.Context(), bodyGuardKey{}, g))
	r.Body = g
	return r
}

// bodyGuard returns the guard of r's body, installing one if the middleware did not (a handler
// called on its own in a test).
func (s *Server) bodyGuard(w http.ResponseWriter, r *http.Request) *bodyGuard {
	if g := bodyGuardFrom(r.Context()); g != nil {
		return g
	}
	return &bodyGuard{body: r.Body, rc: http.NewResponseController(w)}
}
