package httpserver

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/callvault/callvault"
)

// Principal is the authenticated caller of a request.
type Principal struct {
	Actor   callvault.Actor // "token:<name>" for API tokens
	Role    callvault.Role
	TokenID string // the API token's ID; empty for other kinds of principal
}

// permissions says which roles may call each protected route (keyed by its mux pattern). A
// route missing here is refused to everyone, so a new endpoint stays closed until listed.
// Human roles (sessions) are added here too, never decided inside a handler.
var permissions = map[string][]callvault.Role{
	routeIngest:    {callvault.RoleRecorder},
	routePause:     {callvault.RoleRecorder, callvault.RoleManager},
	routeResume:    {callvault.RoleRecorder, callvault.RoleManager},
	routeRetention: {callvault.RoleAuditor},
}

// Allowed reports whether role may call the protected route with the given mux pattern.
func Allowed(route string, role callvault.Role) bool {
	return slices.Contains(permissions[route], role)
}

// maxTokenLen bounds the bearer value hashed and looked up.
const maxTokenLen = 256

var (
	errNoToken = callvault.Errorf(callvault.KindUnauthenticated,
		"missing API token: send the header 'Authorization: Bearer cv_...'")
	errBadToken = callvault.Errorf(callvault.KindUnauthenticated, "invalid or revoked API token")
)

// authenticate resolves the request's bearer token. It returns KindUnauthenticated for a
// missing, malformed, unknown or revoked token, or the store's error (KindUnavailable, ...).
// The token itself never appears in an error or a log.
func (s *Server) authenticate(r *http.Request) (*Principal, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
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
	return &Principal{Actor: callvault.Actor("token:" + t.Name), Role: t.Role, TokenID: t.ID}, nil
}

// protect wraps a protected route's handler: it authenticates the caller, checks the route's
// roles in the permissions table, and records the principal for the handler and access log.
func (s *Server) protect(route string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.authenticate(r)
		if err != nil {
			if callvault.IsKind(err, callvault.KindUnauthenticated) {
				if err == errBadToken {
					w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
					if s.onAuthFailure != nil {
						s.onAuthFailure(r.Context(), ClientAddr(r.Context()))
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
		if !Allowed(route, p.Role) {
			s.rejectUnread(w, r, callvault.Errorf(callvault.KindForbidden,
				"the %s role may not call %s", p.Role, route))
			return
		}
		h(w, r)
	})
}
