package httpserver

import (
	"net/http"
	"strings"

	"github.com/callvault/callvault"
)

// Pages serves the web pages (internal/ui). The server hands it every request that no API route
// matches and that is not under /api/, after the cross-origin check, with the principal of the
// request's session cookie (if any, and live) in the context (callvault.PrincipalFrom). Pages
// decide for themselves which of their routes need a principal, asking the same rules.
type Pages interface {
	http.Handler
	// Fail answers a page request the server refused or could not authenticate (for example a
	// cross-site form, or a store that is unavailable) with a page a person understands.
	Fail(w http.ResponseWriter, r *http.Request, err error)
}

// isPage reports whether r is for the web pages rather than the API.
func (s *Server) isPage(r *http.Request) bool {
	return s.pages != nil && r.URL.Path != "/api" && !strings.HasPrefix(r.URL.Path, "/api/")
}

// servePage authenticates the session cookie (bearer tokens are for the API, not for pages) and
// hands the request to the pages. An ended or unknown session is no principal: the page asks
// the person to sign in.
func (s *Server) servePage(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" && s.people != nil && s.people.Identity != nil {
		p, err := s.people.Identity.Authenticate(r.Context(), c.Value)
		switch {
		case err == nil:
			if info := requestInfoFrom(r.Context()); info != nil {
				info.principal = p
			}
			r = r.WithContext(callvault.WithPrincipal(r.Context(), p))
		case callvault.IsKind(err, callvault.KindUnauthenticated):
			// Signed out or expired: the pages treat the request as anonymous.
		default:
			s.pages.Fail(w, r, err)
			return
		}
	}
	s.pages.ServeHTTP(w, r)
}

// Pages returns the web pages the server serves, or nil.
func (s *Server) Pages() Pages { return s.pages }
