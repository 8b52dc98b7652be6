package httpserver

import (
	"net"
	"net/http"
	"time"

	"github.com/callvault/callvault"
)

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
	TOTP     string `json:"totp"`
}

// clientAddr is the address failed sign-ins are counted against: the client resolved behind
// trusted proxies (ClientAddr), or the peer when no middleware resolved it.
func clientAddr(r *http.Request) string {
	if a := ClientAddr(r.Context()); a != "" {
		return a
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isSecure reports whether the client reached callvault over TLS (here, or at a trusted proxy),
// so cookies are marked Secure.
func isSecure(r *http.Request) bool { return r.TLS != nil || IsSecure(r.Context()) }

func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, value string, expires time.Time) {
	c := &http.Cookie{Name: sessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: isSecure(r)}
	if value == "" {
		c.MaxAge = -1
	} else {
		c.Expires = expires
	}
	http.SetCookie(w, c)
}

// meBody describes the signed-in user to themselves.
type meBody struct {
	ID                 string           `json:"id"`
	Name               string           `json:"name"`
	Roles              []callvault.Role `json:"roles"`
	SecondFactor       bool             `json:"totp_enrolled"`
	NoticeAcknowledged bool             `json:"notice_acknowledged"`
	ExpiresAt          *time.Time       `json:"session_expires_at,omitempty"`
}

// handleLogin is POST /api/v1/login: a user name, password and (once enrolled) TOTP code give
// a session cookie.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var b loginBody
	if err := decodeJSON(w, r, &b); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	in, err := s.people.Identity.Login(r.Context(), b.Username, b.Password, b.TOTP, clientAddr(r))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	if info := requestInfoFrom(r.Context()); info != nil {
		info.principal = &Principal{Actor: in.User.Actor()}
	}
	s.setSessionCookie(w, r, in.Secret, in.Session.ExpiresAt)
	current, err := s.people.Identity.CurrentNotice(r.Context())
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	notice := in.User.NoticeVersion >= current.Version
	writeJSON(w, http.StatusOK, meBody{ID: in.User.ID, Name: in.User.Name, Roles: in.User.Roles,
		SecondFactor: in.User.TOTPConfirmedAt != nil, NoticeAcknowledged: notice, ExpiresAt: &in.Session.ExpiresAt})
}

// handleLogout is POST /api/v1/logout: it ends this session.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.people.Identity.Logout(r.Context(), principal(r)); err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
		s.failAccess(w, r, err)
		return
	}
	s.setSessionCookie(w, r, "", time.Time{})
	writeJSON(w, http.StatusOK, map[string]string{"status": "signed out"})
}

// handleLogoutEverywhere ends every session of the signed-in user.
func (s *Server) handleLogoutEverywhere(w http.ResponseWriter, r *http.Request) {
	if err := s.people.Identity.LogoutEverywhere(r.Context(), principal(r)); err != nil {
		s.failAccess(w, r, err)
		return
	}
	s.setSessionCookie(w, r, "", time.Time{})
	writeJSON(w, http.StatusOK, map[string]string{"status": "signed out everywhere"})
}

type setupBody struct {
	Token    string `json:"token"`
	Password string `json:"password"`
	Username string `json:"username"` // the first Director's name (bootstrap link only)
	Email    string `json:"email"`
}

// handleSetup is POST /api/v1/setup: a one-time link's secret sets a password, or (the
// bootstrap link) creates the first Director.
func (s *Server) handleSetup(w http.ResponseWriter, r *http.Request) {
	var b setupBody
	if err := decodeJSON(w, r, &b); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	id := s.people.Identity
	var u *callvault.User
	var err error
	if id.IsBootstrapSecret(b.Token) {
		u, err = id.Bootstrap(r.Context(), b.Token, b.Username, b.Email, b.Password)
	} else {
		u, err = id.SetPasswordWithLink(r.Context(), b.Token, b.Password)
	}
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": u.ID, "name": u.Name, "roles": u.Roles, "next": "sign in with POST /api/v1/login"})
}

// handleMe is GET /api/v1/me.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	writeJSON(w, http.StatusOK, meBody{ID: p.ID, Name: p.Name, Roles: p.Roles, SecondFactor: p.SecondFactor,
		NoticeAcknowledged: p.NoticeAcknowledged})
}

// handleTOTP is POST /api/v1/me/totp: it starts a TOTP enrolment.
func (s *Server) handleTOTP(w http.ResponseWriter, r *http.Request) {
	en, err := s.people.Identity.BeginTOTP(r.Context(), principal(r))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, en)
}

// handleTOTPConfirm is POST /api/v1/me/totp/confirm {"code"}: it answers the recovery codes.
func (s *Server) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	codes, err := s.people.Identity.ConfirmTOTP(r.Context(), principal(r), b.Code)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes,
		"note": "keep these codes somewhere safe: each signs in once without the app; they are not shown again"})
}

// handleNotice is GET /api/v1/notice: the current staff notice (public).
func (s *Server) handleNotice(w http.ResponseWriter, r *http.Request) {
	n, err := s.people.Identity.CurrentNotice(r.Context())
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

// handleNoticeAck is POST /api/v1/me/notice/acknowledge {"version"}.
func (s *Server) handleNoticeAck(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Version int `json:"version"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	if err := s.people.Identity.AcknowledgeNotice(r.Context(), principal(r), b.Version); err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"acknowledged": b.Version})
}

// handleNoticePending is GET /api/v1/notice/pending: the enabled users who have not
// acknowledged the current notice (Directors and the DPO).
func (s *Server) handleNoticePending(w http.ResponseWriter, r *http.Request) {
	users, err := s.people.Identity.Unacknowledged(r.Context())
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	names := make([]string, 0, len(users))
	for _, u := range users {
		names = append(names, u.Name)
	}
	n, err := s.people.Identity.CurrentNotice(r.Context())
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": n.Version, "users": names})
}

// handleNoticeSend is POST /api/v1/notice/send: e-mail the current notice to every enabled user
// with an address, one message each (Directors and the DPO). The answer names who was mailed
// and who has no address.
func (s *Server) handleNoticeSend(w http.ResponseWriter, r *http.Request) {
	sent, err := s.people.Identity.SendNotice(r.Context(), principal(r).Actor)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sent)
}

// handlePassword is POST /api/v1/me/password {"current","new"}: every session of the user ends,
// this one included.
func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := decodeJSON(w, r, &b); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	if err := s.people.Identity.ChangePassword(r.Context(), principal(r), b.Current, b.New); err != nil {
		s.failAccess(w, r, err)
		return
	}
	s.setSessionCookie(w, r, "", time.Time{})
	writeJSON(w, http.StatusOK, map[string]string{"status": "password changed; every session has ended, sign in again"})
}
