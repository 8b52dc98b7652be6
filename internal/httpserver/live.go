package httpserver

import (
	"context"
	"net/http"

	"github.com/callvault/callvault"
)

// LiveControl pauses and resumes the recording of a call in progress. session is the SIP Call-ID
// or the recording session id. Errors: KindNotFound for no such live session, KindConflict when
// it is already in that state or when a recording session id is shared by several live calls
// (the message names their Call-IDs, so that the caller can choose; 409).
type LiveControl interface {
	Pause(ctx context.Context, session string, actor callvault.Actor) error
	Resume(ctx context.Context, session string, actor callvault.Actor) error
}

// handleLive answers POST /api/v1/live/{session}/pause or /resume.
func (s *Server) handleLive(op func(context.Context, string, callvault.Actor) error, state string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		session := r.PathValue("session")
		if session == "" || len(session) > 256 {
			s.fail(w, r, callvault.Errorf(callvault.KindInvalid, "a live session id (SIP Call-ID or recording session id) of at most 256 bytes is required"))
			return
		}
		p, _ := PrincipalFromContext(r.Context())
		if err := op(r.Context(), session, p.Actor); err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"session": session, "state": state})
	}
}
