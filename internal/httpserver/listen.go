package httpserver

import (
	"io"
	"net/http"
	"time"
)

// handleRecording is GET /api/v1/recordings/{id}: a recording's metadata, only under a live
// grant of the caller; anything else is 404, never revealing whether the recording exists.
func (s *Server) handleRecording(w http.ResponseWriter, r *http.Request) {
	rec, g, err := s.people.Access.Recording(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"recording": rec, "grant_id": g.ID, "grant_expires_at": g.ExpiresAt,
		"download": g.Download})
}

// handleRecordingAudio is GET /api/v1/recordings/{id}/audio: the WAV, with Range requests
// (206) served by decrypting only the chunks they need. ?download=1 asks for an attachment,
// which the grant must allow. Listening is audited once per session and recording (again after
// a pause), not per Range request; the grant is checked on every request.
func (s *Server) handleRecordingAudio(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	download := r.URL.Query().Get("download") == "1"
	op, err := s.people.Access.Listen(r.Context(), principal(r), id, download, r.Header.Get("Range"))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	defer op.Release()
	h := w.Header()
	h.Set("Content-Type", "audio/wav")
	h.Set("Cache-Control", "no-store")
	disposition := "inline"
	if download {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", disposition+`; filename="recording-`+id+`.wav"`)
	// The recording's content never changes: no validators are needed, and none are sent.
	http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(op.Audio, 0, op.Audio.Size()))
}
