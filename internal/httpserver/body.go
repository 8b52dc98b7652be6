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

// drainOrClose discards up to maxDrainBytes of r's remaining body. If more remains (or reading
// fails), it marks the answer "Connection: close". Call it before writing the answer's header.
// started says whether the handler has read from the body: a client waiting for "100 Continue"
// has sent no body yet, and is answered without asking for it.
func drainOrClose(w http.ResponseWriter, r *http.Request, started bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	if !started && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		w.Header().Set("Connection", "close")
		return
	}
	n, err := io.CopyN(io.Discard, r.Body, maxDrainBytes+1)
	if err == io.EOF && n <= maxDrainBytes {
		return
	}
	w.Header().Set("Connection", "close")
}

// rejectUnread answers err for a request whose body the handler has not started to read.
func (s *Server) rejectUnread(w http.ResponseWriter, r *http.Request, err error) {
	drainOrClose(w, r, false)
	s.fail(w, r, err)
}

// rejectRead answers err for a request whose body has been partly read.
func (s *Server) rejectRead(w http.ResponseWriter, r *http.Request, err error) {
	drainOrClose(w, r, true)
	s.fail(w, r, err)
}

// idleReader extends the connection's read deadline before every read, so an upload may take
// as long as it needs while it makes progress, yet a client that stalls is cut off. It
// replaces a whole-request ReadTimeout, which would kill long uploads. Once the body has ended
// it sets no more deadlines: net/http then reads the connection in the background to notice a
// client going away, and a deadline expiring there would cancel the request's context while
// the archive is still committing.
type idleReader struct {
	r       io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	eof     bool
}

func (ir *idleReader) Read(p []byte) (int, error) {
	if ir.eof {
		return 0, io.EOF
	}
	// Setting a deadline fails only where the writer cannot reach a connection (tests with a
	// ResponseRecorder); the read then simply has no deadline.
	_ = ir.rc.SetReadDeadline(time.Now().Add(ir.timeout))
	n, err := ir.r.Read(p)
	if err == io.EOF {
		ir.eof = true
	}
	return n, err
}

func (ir *idleReader) Close() error { return ir.r.Close() }

// isTimeout reports whether err is a read deadline expiring.
func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}
