package httpserver

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// Principal is the authenticated caller of a request (callvault.Principal).
type Principal = callvault.Principal

// sessionCookie names the cookie that carries a signed-in user's session secret.
const sessionCookie = "callvault_session"

// maxTokenLen bounds the bearer value hashed and looked up.
const maxTokenLen = 256

var (
	errNoToken = callvault.Errorf(callvault.KindUnauthenticated,
		"missing API token or session: sign in with POST /api/v1/login, or send the header 'Authorization: Bearer cv_...'")
	errBadToken = callvault.Errorf(callvault.KindUnauthenticated, "invalid or revoked API token")
)

// authenticate resolves the request's bearer token or, failing that, its session cookie. It
// returns KindUnauthenticated for a missing, malformed, unknown or revoked token or an ended
// session, or the store's error (KindUnavailable, ...). Secrets never appear in an error or a log.
func (s *Server) authenticate(r *http.Request) (*Principal, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		if c, err := r.Cookie(sessionCookie); err == nil && s.people != nil && s.people.Identity != nil {
			return s.people.Identity.Authenticate(r.Context(), c.Value)
		}
		return nil, errNoToken
	}
	scheme, secret, ok := strings.Cut(auth, " ")
	secret = strings.TrimSpace(secret)
	if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return nil, errNoToken
	}
	// Bearer values that are not callvault tokens are rejected unhashed.
	if !strings.HasPrefix(secret, callvault.TokenPrefix) || len(secret) > maxTokenLen {
		return nil, errBadToken
	}
	hash := callvault.HashToken(secret)
	t, err := s.tokens.TokenByHash(r.Context(), hash)
	switch {
	case callvault.IsKind(err, callvault.KindNotFound):
		return nil, errBadToken
	case callvault.IsKind(err, callvault.KindUnavailable):
		return nil, callvault.WrapError(callvault.KindUnavailable, err, "cannot check the API token now; retry later")
	case err != nil:
		return nil, callvault.WrapError(callvault.KindInternal, err, "checking the API token")
	}
	// The store looked the hash up; compare it again in constant time so a store that matches
	// loosely (case folding, prefixes) can never admit a different secret.
	if t == nil || subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hash)) != 1 || t.RevokedAt != nil ||
		!t.Role.Valid() {
		return nil, errBadToken
	}
	return &Principal{Kind: callvault.PrincipalToken, ID: t.ID, Name: t.Name, Actor: callvault.Actor("token:" + t.Name),
		Roles: []callvault.Role{t.Role}}, nil
}

// rules returns the access rules in force.
func (s *Server) rules() *access.Rules {
	if s.people != nil && s.people.Rules != nil {
		return s.people.Rules
	}
	return &access.Rules{}
}

// protect wraps a protected route's handler: it authenticates the caller, asks the rules whether
// the caller's roles allow the route's action at all (the object is checked by the service the
// handler calls), and records the principal in the context for the handler and the access log.
// A route without an action in routeActions is refused to everyone.
func (s *Server) protect(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			if callvault.IsKind(err, callvault.KindUnauthenticated) {
				if err == errBadToken {
					w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
					if s.onAuthFailure != nil {
						s.onAuthFailure(r.Context(), r.RemoteAddr)
					}
				} else {
					w.Header().Set("WWW-Authenticate", "Bearer")
				}
			}
			s.rejectUnread(w, r, err)
			return
		}
		if info := requestInfoFrom(r.Context()); info != nil {
			info.principal = p
		}
		r = r.WithContext(callvault.WithPrincipal(r.Context(), p))
		action, ok := routeActions[route]
		if !ok {
			s.rejectUnread(w, r, callvault.Errorf(callvault.KindForbidden, "%s is closed: it has no action in the rules", route))
			return
		}
		if d := s.rules().Permits(p, action); !d.Allow {
			s.drainUnread(w, r)
			s.failAccess(w, r, &access.Denied{Decision: d})
			return
		}
		h(w, r)
	})
}
