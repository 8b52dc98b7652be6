package httpserver

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/callvault/callvault"
)

// problemTypeBase prefixes a problem's kind to form its RFC 9457 type URI.
const problemTypeBase = "https://callvault.dev/problems/"

// problem is an RFC 9457 problem details document.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	RequestID string `json:"request_id,omitempty"`
}

// writeProblem answers with an application/problem+json document. kind names the problem type
// (a callvault.Kind, or a transport-level name such as "method_not_allowed").
func writeProblem(w http.ResponseWriter, r *http.Request, status int, kind, detail string) {
	p := problem{
		Type:      problemTypeBase + kind,
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    detail,
		RequestID: callvault.RequestIDFrom(r.Context()),
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// fail answers with the problem that err maps to. The client sees only callvault.ErrorMessage;
// the full chain goes to the log with the request ID, at error level for server faults.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := callvault.HTTPStatus(err)
	kind := callvault.ErrorKind(err)
	if status < 400 { // a nil error reached here: a bug, never a success
		status, kind = http.StatusInternalServerError, callvault.KindInternal
		err = errors.New("httpserver: fail called with a nil error")
	}
	attrs := []any{slog.String("request_id", callvault.RequestIDFrom(r.Context())),
		slog.String("kind", string(kind)), slog.Any("error", err)}
	switch {
	case status == http.StatusServiceUnavailable:
		s.log.Warn("request failed: store unavailable", attrs...)
	case status >= 500:
		s.log.Error("request failed", attrs...)
	default:
		s.log.Debug("request rejected", attrs...)
	}
	if kind == callvault.KindUnauthenticated && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	writeProblem(w, r, status, string(kind), callvault.ErrorMessage(err))
}

// writeJSON answers with v as application/json.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
