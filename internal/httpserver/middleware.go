package httpserver

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/callvault/callvault"
)

// statusWriter records what a handler wrote, for the access log and panic recovery.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 { // 1xx informational answers are not the final status
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers flush through the wrapper.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection (read deadlines, full duplex).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap is the outermost middleware: it assigns the request ID (answered in X-Request-Id and put
// into the context with callvault.WithRequestID, so audit events name it), sets the security
// headers, recovers panics and writes one access log line per request.
func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(requestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		info := &requestInfo{}
		r = r.WithContext(callvault.WithRequestID(withRequestInfo(r.Context(), info), id))
		r = s.withClient(r)
		r = s.guardBody(w, r)

		h := w.Header()
		h.Set(requestIDHeader, id)
		setSecurityHeaders(h)

		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { // the handler asked net/http to drop the connection
					s.accessLog(r, sw, info, start)
					panic(v)
				}
				s.log.Error("panic in HTTP handler", slog.String("request_id", id),
					slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
				if sw.status != 0 {
					// The answer has started; the only honest signal left is a broken connection.
					s.accessLog(r, sw, info, start)
					panic(http.ErrAbortHandler)
				}
				w.Header().Set("Connection", "close")
				writeProblem(sw, r, http.StatusInternalServerError, "internal", "internal error")
			}
			s.accessLog(r, sw, info, start)
		}()
		next.ServeHTTP(sw, r)
	})
}

// accessLog writes the request's log line. It logs the path only: query strings may carry
// secrets, and headers (Authorization above all) are never logged.
func (s *Server) accessLog(r *http.Request, sw *statusWriter, info *requestInfo, start time.Time) {
	status := sw.status
	if status == 0 {
		status = http.StatusOK // net/http answers 200 for a handler that wrote nothing
	}
	actor := ""
	if info.principal != nil {
		actor = string(info.principal.Actor)
	}
	s.log.Info("http request",
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", sw.bytes),
		slog.Duration("duration", time.Since(start)),
		slog.String("request_id", callvault.RequestIDFrom(r.Context())),
		slog.String("actor", actor),
	)
}

// setSecurityHeaders sets the headers every answer carries. All current answers are JSON, so
// the content security policy forbids everything; an HTML handler may loosen it for itself.
func setSecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "no-store")
}
