package httpserver

import (
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/identity"
)

// People is what the server needs to serve people: sign-in and accounts, the access rules, and
// the workflows of requests, grants, delegations and listening.
type People struct {
	Identity *identity.Service
	Access   *access.Service
	Rules    *access.Rules
	// Cases, if set, runs the DPO's case desk (cases.go); without it its routes answer 404.
	Cases *cases.Service
	// PublicURL is the base of links given to people (listening links); "" uses the request's host.
	PublicURL string
}

// addPeopleRoutes registers the routes of people and access.
func (s *Server) addPeopleRoutes() {
	s.handle(routeLogin, s.handleLogin)
	s.handle(routeLogout, s.handleLogout)
	s.handle(routeLogoutAll, s.handleLogoutEverywhere)
	s.handle(routeSetup, s.handleSetup)
	s.handle(routeMe, s.handleMe)
	s.handle(routeTOTP, s.handleTOTP)
	s.handle(routeTOTPConfirm, s.handleTOTPConfirm)
	s.handle(routeNotice, s.handleNotice)
	s.handle(routeNoticeAck, s.handleNoticeAck)
	s.handle(routeNoticePending, s.handleNoticePending)
	s.handle(routeNoticeSend, s.handleNoticeSend)
	s.handle(routeRequestCreate, s.handleRequestCreate)
	s.handle(routeRequestList, s.handleRequestList)
	s.handle(routeRequestGet, s.handleRequestGet)
	s.handle(routeRequestApprove, s.handleRequestApprove)
	s.handle(routeRequestReject, s.handleRequestReject)
	s.handle(routeRecording, s.handleRecording)
	s.handle(routeRecordingAudio, s.handleRecordingAudio)
	s.handle(routeGrantRevoke, s.handleGrantRevoke)
	s.handle(routeDelegationNew, s.handleDelegationCreate)
	s.handle(routeDelegationList, s.handleDelegationList)
	s.handle(routeDelegationEnd, s.handleDelegationRevoke)
	s.handle(routeUserAdd, s.handleUserAdd)
	s.handle(routeUserList, s.handleUserList)
	s.handle(routeUserDisable, s.handleUserDisabled(true))
	s.handle(routeUserEnable, s.handleUserDisabled(false))
	s.handle(routeUserRoles, s.handleUserRoles)
	s.handle(routePassword, s.handlePassword)
	s.addCaseRoutes()
}
