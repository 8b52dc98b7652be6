package httpserver

import (
	"net/http"

	"github.com/callvault/callvault"
)

// Routes of people and access, as net/http mux patterns.
const (
	routeLogin          = "POST /api/v1/login"
	routeLogout         = "POST /api/v1/logout"
	routeLogoutAll      = "POST /api/v1/me/logout-everywhere"
	routeSetup          = "POST /api/v1/setup"
	routeMe             = "GET /api/v1/me"
	routeTOTP           = "POST /api/v1/me/totp"
	routeTOTPConfirm    = "POST /api/v1/me/totp/confirm"
	routeNotice         = "GET /api/v1/notice"
	routeNoticeAck      = "POST /api/v1/me/notice/acknowledge"
	routeNoticePending  = "GET /api/v1/notice/pending"
	routeNoticeSend     = "POST /api/v1/notice/send"
	routeRequestCreate  = "POST /api/v1/access-requests"
	routeRequestList    = "GET /api/v1/access-requests"
	routeRequestGet     = "GET /api/v1/access-requests/{id}"
	routeRequestApprove = "POST /api/v1/access-requests/{id}/approve"
	routeRequestReject  = "POST /api/v1/access-requests/{id}/reject"
	routeRecording      = "GET /api/v1/recordings/{id}"
	routeRecordingAudio = "GET /api/v1/recordings/{id}/audio"
	routeGrantRevoke    = "POST /api/v1/grants/{id}/revoke"
	routeDelegationNew  = "POST /api/v1/delegations"
	routeDelegationList = "GET /api/v1/delegations"
	routeDelegationEnd  = "POST /api/v1/delegations/{id}/revoke"
	routeUserAdd        = "POST /api/v1/users"
	routeUserList       = "GET /api/v1/users"
	routeUserDisable    = "POST /api/v1/users/{id}/disable"
	routeUserEnable     = "POST /api/v1/users/{id}/enable"
	routeUserRoles      = "POST /api/v1/users/{id}/roles"
	routePassword       = "POST /api/v1/me/password"
)

// publicRoutes need no principal. Every other route is protected and maps to one action.
var publicRoutes = map[string]bool{
	routeHealth: true, routeReady: true, routeLogin: true, routeSetup: true, routeNotice: true, routeOpenAPI: true,
	routeTwilioRecording: true, // authenticated by the provider's signature, not a principal
}

// routeActions maps each protected route to the action the rules decide. A route missing here
// is refused to everyone, so a new endpoint stays closed until it is given an action (and the
// route table test fails until it has a row).
var routeActions = map[string]callvault.Action{
	routeRetention: callvault.ActComplianceRead,
	routeIngest:    callvault.ActRecordingIngest,
	routePause:     callvault.ActLivePause,
	routeResume:    callvault.ActLiveResume,

	routeLogout:         callvault.ActSelf,
	routeLogoutAll:      callvault.ActSelf,
	routeMe:             callvault.ActSelf,
	routeTOTP:           callvault.ActSelf,
	routeTOTPConfirm:    callvault.ActSelf,
	routeNoticeAck:      callvault.ActNoticeAck,
	routeNoticePending:  callvault.ActNoticeStatus,
	routeNoticeSend:     callvault.ActNoticeSend,
	routeRequestCreate:  callvault.ActRequestCreate,
	routeRequestList:    callvault.ActRequestList,
	routeRequestGet:     callvault.ActRequestRead,
	routeRequestApprove: callvault.ActRequestApprove,
	routeRequestReject:  callvault.ActRequestReject,
	routeRecording:      callvault.ActRecordingRead,
	routeRecordingAudio: callvault.ActRecordingListen,
	routeGrantRevoke:    callvault.ActGrantRevoke,
	routeDelegationNew:  callvault.ActDelegationCreate,
	routeDelegationList: callvault.ActDelegationList,
	routeDelegationEnd:  callvault.ActDelegationRevoke,
	routeUserAdd:        callvault.ActUserManage,
	routeUserList:       callvault.ActUserList,
	routeUserDisable:    callvault.ActUserManage,
	routeUserEnable:     callvault.ActUserManage,
	routeUserRoles:      callvault.ActUserManage,
	routePassword:       callvault.ActSelf,
}

// Routes returns the patterns registered on the server, for tests that check every route is
// covered.
func (s *Server) Routes() []string { return append([]string(nil), s.patterns...) }

// handle registers a route: public routes as they are, others behind protect.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.patterns = append(s.patterns, pattern)
	if publicRoutes[pattern] {
		s.mux.HandleFunc(pattern, h)
		return
	}
	s.mux.Handle(pattern, s.protect(pattern, h))
}

// route dispatches to the mux, answering unmatched requests with problem documents instead of
// the mux's plain-text 404 and 405. State-changing requests from another origin (a browser
// sent there by another site) are refused first.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if err := s.crossOrigin.Check(r); err != nil {
		s.drainUnread(w, r)
		if s.isPage(r) {
			s.pages.Fail(w, r, callvault.Errorf(callvault.KindForbidden,
				"this form was sent from another site, so it was refused; open the page on this site and send it again"))
			return
		}
		writeProblem(w, r, http.StatusForbidden, "cross_origin",
			"cross-origin requests that change state are refused; use the vault's own pages or a non-browser client")
		return
	}
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	if s.isPage(r) {
		s.servePage(w, r)
		return
	}
	// The mux's own answer tells 404 from 405 and carries Allow; capture it, then rewrite it.
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r)
	s.drainOrClose(w, r, false)
	if probe.status == http.StatusMethodNotAllowed {
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeProblem(w, r, http.StatusMethodNotAllowed, "method_not_allowed",
			"method "+r.Method+" is not allowed on this endpoint; allowed: "+allow)
		return
	}
	writeProblem(w, r, http.StatusNotFound, "not_found", "no such endpoint")
}

// probeWriter records a handler's status and headers and discards its body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
