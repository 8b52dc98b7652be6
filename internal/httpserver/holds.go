package httpserver

import (
	"io"
	"net/http"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// Routes of legal holds placed by hand (the case desk holds its own recordings itself).
const (
	routeHoldPlace   = "POST /api/v1/holds"
	routeHoldList    = "GET /api/v1/holds"
	routeHoldRelease = "DELETE /api/v1/holds/{id}"
)

func init() {
	routeActions[routeHoldPlace] = callvault.ActHoldPlace
	routeActions[routeHoldList] = callvault.ActHoldList
	routeActions[routeHoldRelease] = callvault.ActHoldRelease
}

// addHoldRoutes registers the holds' routes, served by the case desk.
func (s *Server) addHoldRoutes() {
	s.handle(routeHoldPlace, s.withCases(s.handleHoldPlace))
	s.handle(routeHoldList, s.withCases(s.handleHoldList))
	s.handle(routeHoldRelease, s.withCases(s.handleHoldRelease))
}

// handleHoldPlace is POST /api/v1/holds {"recording_id","reason","review_at"}.
func (s *Server) handleHoldPlace(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.HoldInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	h, err := cs.PlaceHold(r.Context(), principal(r), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/holds/"+h.ID)
	writeJSON(w, http.StatusCreated, h)
}

// handleHoldRelease is DELETE /api/v1/holds/{id}, with the reason in an optional body
// {"reason"} or in ?reason=.
func (s *Server) handleHoldRelease(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	reason := in.Reason
	if strings.TrimSpace(reason) == "" {
		reason = r.URL.Query().Get("reason")
	}
	h, err := cs.ReleaseHold(r.Context(), principal(r), r.PathValue("id"), reason)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// handleHoldList is GET /api/v1/holds[?recording_id=&case_id=&review=overdue&all=1].
func (s *Server) handleHoldList(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
	q := r.URL.Query()
	var fe callvault.FieldErrors
	review, all := q.Get("review"), q.Get("all")
	if review != "" && review != "overdue" {
		fe.Add("review", "the only filter is review=overdue")
	}
	if all != "" && all != "1" && all != "true" {
		fe.Add("all", "use all=1 to include released holds")
	}
	if err := fe.Err(); err != nil {
		s.fail(w, r, err)
		return
	}
	holds, err := cs.ListHolds(r.Context(), principal(r), cases.HoldQuery{RecordingID: q.Get("recording_id"), CaseID: q.Get("case_id"),
		Overdue: review == "overdue", All: all != ""})
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"holds": holds})
}
