package httpserver

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// maxDrainBytes is how much of an unwanted request body is read and discarded before an error
// answer, so that a client still sending gets to read the answer instead of a connection reset.
// A longer remainder closes the connection after the answer (net/http then half-closes and
// lingers, which also lets the client read it).
const maxDrainBytes = 1 << 20

// drainOrClose discards up to maxDrainBytes of r's remaining body, within the body deadline
// (BodyTimeout from the request's start, or from now if the body had a longer one, as an
// upload's idle timeout). If more remains, or reading fails or times out, it marks the answer
// "Connection: close". Call it before writing the answer's header. started says whether the
// handler has read from the body: a client waiting for "100 Continue" has sent no body yet, and
// is answered without asking for it.
func (s *Server) drainOrClose(w http.ResponseWriter, r *http.Request, started bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	if !started && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		w.Header().Set("Connection", "close")
		return
	}
	body := io.Reader(r.Body)
	if g := bodyGuardFrom(r.Context()); g != nil {
		if g.eof {
			return
		}
		g.shorten(time.Now().Add(s.bodyTimeout))
		body = g // read under the guard's deadline, past any reader that would extend it
	}
	n, err := io.CopyN(io.Discard, body, maxDrainBytes+1)
	if err == io.EOF && n <= maxDrainBytes {
		return
	}
	w.Header().Set("Connection", "close")
}

// rejectUnread answers err for a request whose body the handler has not started to read.
func (s *Server) rejectUnread(w http.ResponseWriter, r *http.Request, err error) {
	s.drainOrClose(w, r, false)
	s.fail(w, r, err)
}

// rejectRead answers err for a request whose body has been partly read.
func (s *Server) rejectRead(w http.ResponseWriter, r *http.Request, err error) {
	s.drainOrClose(w, r, true)
	s.fail(w, r, err)
}

// idleReader renews the body's read deadline before every read, so an authenticated upload may
// take as long as it needs while it makes progress, yet a client that stalls is cut off. It
// replaces the body deadline of the deadline policy, which bounds the body's total time. Once
// the body has ended the guard sets no more deadlines (see bodyGuard).
type idleReader struct {
	g       *bodyGuard
	timeout time.Duration
}

func (ir *idleReader) Read(p []byte) (int, error) {
	ir.g.setDeadline(time.Now().Add(ir.timeout))
	return ir.g.Read(p)
}

func (ir *idleReader) Close() error { return ir.g.Close() }

// isTimeout reports whether err is a read deadline expiring.
func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}
