package httpserver

import (
	"net/http"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// Routes of the DPO's case desk.
const (
	routeCaseOpen    = "POST /api/v1/cases"
	routeCaseList    = "GET /api/v1/cases"
	routeCaseFlag    = "POST /api/v1/cases/flag"
	routeCaseGet     = "GET /api/v1/cases/{id}"
	routeCaseSearch  = "POST /api/v1/cases/{id}/search"
	routeCaseInclude = "POST /api/v1/cases/{id}/recordings"
	routeCaseClose   = "POST /api/v1/cases/{id}/close"
	routeCaseBundle  = "POST /api/v1/cases/{id}/bundle"
	routeCaseAgree   = "POST /api/v1/cases/{id}/agreement"
	routeLinkNew     = "POST /api/v1/cases/{id}/links"
	routeLinkRevoke  = "POST /api/v1/cases/{id}/links/{link}/revoke"
	routeCaseClock   = "POST /api/v1/cases/{id}/clock"
	routeListenPage  = "GET /listen/{case}/{secret}"
	routeListenPass  = "POST /listen/{case}/{secret}"
	routeListenAudio = "GET /listen/{case}/{secret}/{rec}"
)

func init() {
	for route, a := range map[string]callvault.Action{
		routeCaseOpen: callvault.ActCaseOpen, routeCaseList: callvault.ActCaseList, routeCaseGet: callvault.ActCaseRead,
		routeCaseSearch: callvault.ActCaseSearch, routeCaseInclude: callvault.ActCaseInclude, routeCaseClose: callvault.ActCaseClose,
		routeCaseBundle: callvault.ActCaseExport, routeCaseFlag: callvault.ActCaseFlag, routeCaseAgree: callvault.ActCaseAgree,
		routeLinkNew: callvault.ActCaseLink, routeLinkRevoke: callvault.ActCaseLink, routeCaseClock: callvault.ActCaseClock,
	} {
		routeActions[route] = a
	}
	// Listening pages are reached by the link's secret (and passcode), not by a principal.
	publicRoutes[routeListenPage], publicRoutes[routeListenPass], publicRoutes[routeListenAudio] = true, true, true
}

// addCaseRoutes registers the case desk's routes (with the people routes: the desk is run by
// signed-in people).
func (s *Server) addCaseRoutes() {
	s.handle(routeCaseOpen, s.withCases(s.handleCaseOpen))
	s.handle(routeCaseList, s.withCases(s.handleCaseList))
	s.handle(routeCaseFlag, s.withCases(s.handleCaseFlag))
	s.handle(routeCaseGet, s.withCases(s.handleCaseGet))
	s.handle(routeCaseSearch, s.withCases(s.handleCaseSearch))
	s.handle(routeCaseInclude, s.withCases(s.handleCaseInclude))
	s.handle(routeCaseClose, s.withCases(s.handleCaseClose))
	s.handle(routeCaseBundle, s.withCases(s.handleCaseBundle))
	s.handle(routeCaseAgree, s.withCases(s.handleCaseAgree))
	s.handle(routeCaseClock, s.withCases(s.handleCaseClock))
	s.handle(routeLinkNew, s.withCases(s.handleLinkNew))
	s.handle(routeLinkRevoke, s.withCases(s.handleLinkRevoke))
	s.handle(routeListenPage, s.withCases(s.handleListenPage))
	s.handle(routeListenPass, s.withCases(s.handleListenPasscode))
	s.handle(routeListenAudio, s.withCases(s.handleListenAudio))
	s.addHoldRoutes()
}

// withCases answers 404 when the server has no case desk.
func (s *Server) withCases(h func(http.ResponseWriter, *http.Request, *cases.Service)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.people == nil || s.people.Cases == nil {
			s.drainUnread(w, r)
			writeProblem(w, r, http.StatusNotFound, "not_found", "this vault has no case desk")
			return
		}
		h(w, r, s.people.Cases)
	}
}

// handleCaseOpen is POST /api/v1/cases {"type","received_at","subjects":{"numbers","names"}}.
func (s *Server) handleCaseOpen(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.OpenInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	c, err := cs.Open(r.Context(), principal(r), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	writeJSON(w, http.StatusCreated, c.Redacted())
}

// handleCaseFlag is POST /api/v1/cases/flag {"call_time","extension","note"}: a staff member
// flags a call they took as abusive or nuisance. The answer is the new case's reference only.
func (s *Server) handleCaseFlag(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.FlagInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	f, err := cs.Flag(r.Context(), principal(r), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

// handleCaseList is GET /api/v1/cases[?due=due|overdue|stopped|hold_review]: the open cases on
// the desk and, for a caller who may list holds, the holds whose review is overdue
// (hold_reviews: with no filter, overdue or hold_review; empty with due or stopped).
func (s *Server) handleCaseList(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	due := r.URL.Query().Get("due")
	list, err := cs.List(r.Context(), principal(r), due)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	for _, v := range list {
		v.Case = v.Case.Redacted()
	}
	reviews := []*callvault.Hold{}
	if due == cases.DueAll || due == cases.DueOverdue || due == cases.DueHoldReview {
		hs, err := cs.HoldReviews(r.Context(), principal(r))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		reviews = append(reviews, hs...)
	}
	writeJSON(w, http.StatusOK, map[string]any{"cases": list, "hold_reviews": reviews})
}

// handleCaseGet is GET /api/v1/cases/{id}.
func (s *Server) handleCaseGet(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	c, err := cs.Get(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.Redacted())
}

// handleCaseSearch is POST /api/v1/cases/{id}/search.
func (s *Server) handleCaseSearch(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.SearchInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	res, err := cs.Search(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// handleCaseInclude is POST /api/v1/cases/{id}/recordings {"recording_id","include","reason"}.
func (s *Server) handleCaseInclude(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.IncludeInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	c, err := cs.Include(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.Redacted())
}

// handleCaseClose is POST /api/v1/cases/{id}/close {"outcome"}.
func (s *Server) handleCaseClose(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.CloseInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	c, err := cs.Close(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.Redacted())
}

// handleCaseBundle is POST /api/v1/cases/{id}/bundle [{"recipient"} or {"passphrase"}]: the
// signed disclosure bundle of the case's included recordings, as application/zip, or encrypted
// with age (application/age) to the recipient or the passphrase.
func (s *Server) handleCaseBundle(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.ExportInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	e, err := cs.Export(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	defer e.Close()
	w.Header().Set("Content-Type", e.ContentType())
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.Filename()+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if err := e.Write(w); err != nil {
		// The status is sent: the client sees a truncated zip, which does not verify.
		s.log.ErrorContext(r.Context(), "disclosure bundle cut short", "case", e.Case.ID, "err", err)
		return
	}
	// What was disclosed is recorded once the whole bundle was written.
	if err := cs.RecordDisclosure(r.Context(), principal(r), e); err != nil {
		s.log.ErrorContext(r.Context(), "disclosure not recorded", "case", e.Case.ID, "err", err)
	}
}

// handleCaseAgree is POST /api/v1/cases/{id}/agreement {"statement"}: the DPO's or a live
// delegate's written agreement to release a disciplinary case's included recordings.
func (s *Server) handleCaseAgree(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.AgreeInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	c, err := cs.Agree(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.Redacted())
}

// handleCaseClock is POST /api/v1/cases/{id}/clock {"action":"stop|restart|extend","reason","date","months"}.
func (s *Server) handleCaseClock(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.ClockInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	c, err := cs.Clock(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.Redacted())
}
