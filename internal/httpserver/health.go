package httpserver

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/callvault/callvault"
)

// statusBody is the whole answer of the health endpoints: they reveal nothing else.
type statusBody struct {
	Status string `json:"status"`
}

// handleHealth answers 200 while the process serves requests (liveness). With ?deep=1 it also
// asks the deep check (retention sweeps failing for too long) and answers 503 "failing" when it
// fails; the reason goes to the log only.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("deep") == "1" && s.deepHealth != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := s.deepHealth(ctx)
		cancel()
		if err != nil {
			s.log.Warn("deep health check failed", slog.String("request_id", callvault.RequestIDFrom(r.Context())),
				slog.Any("error", err))
			writeJSON(w, http.StatusServiceUnavailable, statusBody{Status: "failing"})
			return
		}
	}
	writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}

// handleReady answers 200 when every store is reachable, 503 otherwise (readiness). The
// reason goes to the log only.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		err := s.ready(ctx)
		cancel()
		if err != nil {
			s.log.Warn("not ready", slog.String("request_id", callvault.RequestIDFrom(r.Context())),
				slog.Any("error", err))
			writeJSON(w, http.StatusServiceUnavailable, statusBody{Status: "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}
