package httpserver

import (
	"net/http"
)

// route dispatches to the mux, answering unmatched requests with problem documents instead of
// the mux's plain-text 404 and 405.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// The mux's own answer tells 404 from 405 and carries Allow; capture it, then rewrite it.
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r)
	s.drainOrClose(w, r, false)
	if probe.status == http.StatusMethodNotAllowed {
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeProblem(w, r, http.StatusMethodNotAllowed, "method_not_allowed",
			"method "+r.Method+" is not allowed on this endpoint; allowed: "+allow)
		return
	}
	writeProblem(w, r, http.StatusNotFound, "not_found", "no such endpoint")
}

// probeWriter records a handler's status and headers and discards its body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
