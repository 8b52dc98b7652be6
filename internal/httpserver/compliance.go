package httpserver

import (
	"github.com/callvault/callvault"

	"context"
	"net/http"
)

// routeRetention is the retention compliance status. It is an auditor's read (the access work
// adds the human roles dpo and director to its permissions row).
const routeRetention = "GET /api/v1/compliance/retention"

// ComplianceReader returns the retention compliance status as a JSON-encodable value
// (retention.Status in production).
type ComplianceReader func(ctx context.Context) (any, error)

// registerCompliance adds the compliance routes when the server has a reader.
func (s *Server) registerCompliance(read ComplianceReader) {
	if read == nil {
		// Registered all the same, so the route table and its tests see it.
		s.handle(routeRetention, func(w http.ResponseWriter, r *http.Request) {
			s.fail(w, r, callvault.Errorf(callvault.KindNotFound, "this server reports no compliance status"))
		})
		return
	}
	s.handle(routeRetention, func(w http.ResponseWriter, r *http.Request) {
		st, err := read(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, st)
	})
}
