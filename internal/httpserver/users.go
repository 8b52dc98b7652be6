package httpserver

import (
	"net/http"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/identity"
)

type userBody struct {
	Name  string           `json:"name"`
	Email string           `json:"email"`
	Roles []callvault.Role `json:"roles"`
}

// handleUserAdd is POST /api/v1/users (Directors and the DPO): it answers the user and a
// one-time set-password link's secret to hand over.
func (s *Server) handleUserAdd(w http.ResponseWriter, r *http.Request) {
	var b userBody
	if err := decodeJSON(w, r, &b); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	p := principal(r)
	if _, err := s.people.Access.Check(r.Context(), p, callvault.ActUserManage, access.Object{}, "users"); err != nil {
		s.failAccess(w, r, err)
		return
	}
	u, link, err := s.people.Identity.AddUser(r.Context(), p, identity.NewUser{Name: b.Name, Email: b.Email, Roles: b.Roles})
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": u, "setup_token": link,
		"next": "give the person the token; they set a password with POST /api/v1/setup"})
}

// handleUserList is GET /api/v1/users.
func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if _, err := s.people.Access.Check(r.Context(), p, callvault.ActUserList, access.Object{}, "users"); err != nil {
		s.failAccess(w, r, err)
		return
	}
	us, err := s.people.Identity.Store.Users(r.Context())
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": us})
}

// handleUserDisabled is POST /api/v1/users/{id}/disable or /enable.
func (s *Server) handleUserDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principal(r)
		if _, err := s.people.Access.Check(r.Context(), p, callvault.ActUserManage, access.Object{UserID: r.PathValue("id")}, "user:"+r.PathValue("id")); err != nil {
			s.failAccess(w, r, err)
			return
		}
		u, err := s.people.Identity.SetDisabled(r.Context(), p, r.PathValue("id"), disabled)
		if err != nil {
			s.failAccess(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, u)
	}
}

// handleUserRoles is POST /api/v1/users/{id}/roles {"roles"}: it replaces a user's roles.
func (s *Server) handleUserRoles(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Roles []callvault.Role `json:"roles"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	p := principal(r)
	if _, err := s.people.Access.Check(r.Context(), p, callvault.ActUserManage, access.Object{UserID: r.PathValue("id")}, "user:"+r.PathValue("id")); err != nil {
		s.failAccess(w, r, err)
		return
	}
	u, err := s.people.Identity.SetRoles(r.Context(), p, r.PathValue("id"), b.Roles)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}
