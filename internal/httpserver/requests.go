package httpserver

import (
	"net/http"

	"github.com/callvault/callvault/internal/access"
)

// handleRequestCreate is POST /api/v1/access-requests.
func (s *Server) handleRequestCreate(w http.ResponseWriter, r *http.Request) {
	var in access.RequestInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	req, err := s.people.Access.CreateRequest(r.Context(), principal(r), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/access-requests/"+req.ID)
	writeJSON(w, http.StatusCreated, &access.RequestView{AccessRequest: req})
}

// handleRequestList is GET /api/v1/access-requests: with ?mine=1 the caller's own requests,
// otherwise the queue of pending requests the caller may decide.
func (s *Server) handleRequestList(w http.ResponseWriter, r *http.Request) {
	var (
		list []*access.RequestView
		err  error
	)
	if r.URL.Query().Get("mine") == "1" {
		list, err = s.people.Access.MyRequests(r.Context(), principal(r))
	} else {
		list, err = s.people.Access.Queue(r.Context(), principal(r))
	}
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	if list == nil {
		list = []*access.RequestView{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"requests": list})
}

// handleRequestGet is GET /api/v1/access-requests/{id}.
func (s *Server) handleRequestGet(w http.ResponseWriter, r *http.Request) {
	v, err := s.people.Access.Request(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleRequestApprove is POST /api/v1/access-requests/{id}/approve.
func (s *Server) handleRequestApprove(w http.ResponseWriter, r *http.Request) {
	var in access.ApproveInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	v, err := s.people.Access.Approve(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleRequestReject is POST /api/v1/access-requests/{id}/reject.
func (s *Server) handleRequestReject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Statement string `json:"statement"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	v, err := s.people.Access.Reject(r.Context(), principal(r), r.PathValue("id"), in.Statement)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// handleGrantRevoke is POST /api/v1/grants/{id}/revoke {"reason"}.
func (s *Server) handleGrantRevoke(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	g, err := s.people.Access.RevokeGrant(r.Context(), principal(r), r.PathValue("id"), in.Reason)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

// handleDelegationCreate is POST /api/v1/delegations (the DPO).
func (s *Server) handleDelegationCreate(w http.ResponseWriter, r *http.Request) {
	var in access.DelegationInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	d, err := s.people.Access.CreateDelegation(r.Context(), principal(r), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

// handleDelegationList is GET /api/v1/delegations.
func (s *Server) handleDelegationList(w http.ResponseWriter, r *http.Request) {
	ds, err := s.people.Access.Delegations(r.Context(), principal(r))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"delegations": ds})
}

// handleDelegationRevoke is POST /api/v1/delegations/{id}/revoke.
func (s *Server) handleDelegationRevoke(w http.ResponseWriter, r *http.Request) {
	d, err := s.people.Access.RevokeDelegation(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
