package ui

import (
	"net/http"
	"net/url"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// actionPublic marks a page anyone may open, signed in or not.
const actionPublic callvault.Action = ""

// pageRoutes lists every page with the action the rules must permit before it is served. The
// page's own service calls then decide about the objects it shows.
var pageRoutes = []struct {
	pattern string
	action  callvault.Action
	handler func(p *Pages) http.HandlerFunc
}{
	{"GET /assets/{name}", actionPublic, func(p *Pages) http.HandlerFunc { return p.serveAsset }},
	{"GET /privacy/call-recording", actionPublic, func(p *Pages) http.HandlerFunc { return p.privacy }},
	{"GET /login", actionPublic, func(p *Pages) http.HandlerFunc { return p.loginForm }},
	{"POST /login", actionPublic, func(p *Pages) http.HandlerFunc { return p.login }},
	{"GET /setup", actionPublic, func(p *Pages) http.HandlerFunc { return p.setupForm }},
	{"POST /setup", actionPublic, func(p *Pages) http.HandlerFunc { return p.setup }},
	{"POST /logout", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.logout }},
	{"GET /notice", callvault.ActNoticeAck, func(p *Pages) http.HandlerFunc { return p.noticeForm }},
	{"POST /notice", callvault.ActNoticeAck, func(p *Pages) http.HandlerFunc { return p.acknowledge }},
	{"GET /{$}", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.home }},
	{"GET /account", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.account }},
	{"GET /account/totp", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.totpPage }},
	{"POST /account/totp", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.totpBegin }},
	{"POST /account/totp/confirm", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.totpConfirm }},
	{"GET /requests/new", callvault.ActRequestCreate, func(p *Pages) http.HandlerFunc { return p.requestForm }},
	{"POST /requests", callvault.ActRequestCreate, func(p *Pages) http.HandlerFunc { return p.createRequest }},
	{"GET /requests", callvault.ActRequestList, func(p *Pages) http.HandlerFunc { return p.myRequests }},
	{"GET /approvals", callvault.ActRequestQueue, func(p *Pages) http.HandlerFunc { return p.approvals }},
	{"GET /approvals/{id}", callvault.ActRequestApprove, func(p *Pages) http.HandlerFunc { return p.approvalForm }},
	{"POST /approvals/{id}", callvault.ActRequestApprove, func(p *Pages) http.HandlerFunc { return p.decide }},
	{"GET /grants/{id}", callvault.ActRecordingListen, func(p *Pages) http.HandlerFunc { return p.grant }},
	// Passkeys (passkey.go): a second factor instead of, or beside, the authenticator app.
	{"POST /login/passkey", actionPublic, func(p *Pages) http.HandlerFunc { return p.loginPasskey }},
	{"GET /account/passkeys", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.passkeys }},
	{"POST /account/passkeys/new", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.passkeyBegin }},
	{"POST /account/passkeys", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.passkeyFinish }},
	{"POST /account/passkeys/{id}/remove", callvault.ActSelf, func(p *Pages) http.HandlerFunc { return p.passkeyRemove }},

	// Administration (Directors and the DPO), the audit log (the auditor) and the compliance
	// report (the auditor, the DPO and the Directors).
	{"GET /admin", callvault.ActNoticeStatus, func(p *Pages) http.HandlerFunc { return p.admin }},
	{"POST /admin/notice/send", callvault.ActNoticeSend, func(p *Pages) http.HandlerFunc { return p.sendNotice }},
	// The recording notice edited in the browser (settings helper).
	{"GET /admin/notice", callvault.ActNoticeEdit, func(p *Pages) http.HandlerFunc { return p.noticeEditor }},
	{"POST /admin/notice/preview", callvault.ActNoticeEdit, func(p *Pages) http.HandlerFunc { return p.previewNotice }},
	{"POST /admin/notice", callvault.ActNoticeEdit, func(p *Pages) http.HandlerFunc { return p.saveNotice }},
	// The retention period set in the browser by Directors (retsetting helper).
	{"GET /admin/retention", callvault.ActRetentionSet, func(p *Pages) http.HandlerFunc { return p.retentionEditor }},
	{"POST /admin/retention/preview", callvault.ActRetentionSet, func(p *Pages) http.HandlerFunc { return p.previewRetention }},
	{"POST /admin/retention", callvault.ActRetentionSet, func(p *Pages) http.HandlerFunc { return p.saveRetention }},
	{"GET /admin/users", callvault.ActUserList, func(p *Pages) http.HandlerFunc { return p.users }},
	{"POST /admin/users", callvault.ActUserManage, func(p *Pages) http.HandlerFunc { return p.addUser }},
	{"GET /admin/users/{id}", callvault.ActUserManage, func(p *Pages) http.HandlerFunc { return p.userForm }},
	{"POST /admin/users/{id}/roles", callvault.ActUserManage, func(p *Pages) http.HandlerFunc { return p.setRoles }},
	{"POST /admin/users/{id}/disable", callvault.ActUserManage, func(p *Pages) http.HandlerFunc { return p.setDisabled(true) }},
	{"POST /admin/users/{id}/enable", callvault.ActUserManage, func(p *Pages) http.HandlerFunc { return p.setDisabled(false) }},
	{"GET /admin/tokens", callvault.ActTokenManage, func(p *Pages) http.HandlerFunc { return p.tokenList }},
	{"POST /admin/tokens", callvault.ActTokenManage, func(p *Pages) http.HandlerFunc { return p.createToken }},
	{"POST /admin/tokens/{id}/revoke", callvault.ActTokenManage, func(p *Pages) http.HandlerFunc { return p.revokeToken }},
	{"GET /audit", callvault.ActAuditRead, func(p *Pages) http.HandlerFunc { return p.auditPage }},
	{"POST /audit/verify", callvault.ActAuditVerify, func(p *Pages) http.HandlerFunc { return p.startVerify }},
	{"GET /audit/verify/progress", callvault.ActAuditVerify, func(p *Pages) http.HandlerFunc { return p.verifyProgress }},
	{"GET /compliance", callvault.ActComplianceRead, func(p *Pages) http.HandlerFunc { return p.compliance }},
	// The player's waveform, staff flags of abusive calls, and the history of decisions (uiplayer).
	{"GET /grants/{id}/waveform/{rec}", callvault.ActRecordingListen, func(p *Pages) http.HandlerFunc { return p.waveform }},
	{"GET /flag", callvault.ActCaseFlag, func(p *Pages) http.HandlerFunc { return p.flagForm }},
	{"POST /flag", callvault.ActCaseFlag, func(p *Pages) http.HandlerFunc { return p.flag }},
	{"GET /approvals/history", callvault.ActRequestQueue, func(p *Pages) http.HandlerFunc { return p.history }},

	// The DPO's pages (cases*.go, dpo*.go, reports.go): the same services as the case desk's,
	// delegations' and reports' API.
	{"GET /cases", callvault.ActCaseList, func(p *Pages) http.HandlerFunc { return p.caseDesk }},
	{"GET /cases/new", callvault.ActCaseOpen, func(p *Pages) http.HandlerFunc { return p.caseForm }},
	{"POST /cases", callvault.ActCaseOpen, func(p *Pages) http.HandlerFunc { return p.openCase }},
	{"GET /cases/{id}", callvault.ActCaseRead, func(p *Pages) http.HandlerFunc { return p.casePage }},
	{"GET /cases/{id}/search", callvault.ActCaseSearch, func(p *Pages) http.HandlerFunc { return p.caseSearchPage }},
	{"POST /cases/{id}/search", callvault.ActCaseSearch, func(p *Pages) http.HandlerFunc { return p.caseSearch }},
	{"POST /cases/{id}/recordings", callvault.ActCaseInclude, func(p *Pages) http.HandlerFunc { return p.caseInclude }},
	{"POST /cases/{id}/clock", callvault.ActCaseClock, func(p *Pages) http.HandlerFunc { return p.caseClock }},
	{"POST /cases/{id}/links", callvault.ActCaseLink, func(p *Pages) http.HandlerFunc { return p.caseLinkIssue }},
	{"POST /cases/{id}/links/{link}/revoke", callvault.ActCaseLink, func(p *Pages) http.HandlerFunc { return p.caseLinkRevoke }},
	{"POST /cases/{id}/bundle", callvault.ActCaseExport, func(p *Pages) http.HandlerFunc { return p.caseBundle }},
	{"POST /cases/{id}/agreement", callvault.ActCaseAgree, func(p *Pages) http.HandlerFunc { return p.caseAgree }},
	{"POST /cases/{id}/close", callvault.ActCaseClose, func(p *Pages) http.HandlerFunc { return p.caseClose }},
	{"POST /cases/{id}/notes", callvault.ActCaseNote, func(p *Pages) http.HandlerFunc { return p.caseNote }},
	{"GET /delegations", callvault.ActDelegationList, func(p *Pages) http.HandlerFunc { return p.delegations }},
	{"POST /delegations", callvault.ActDelegationCreate, func(p *Pages) http.HandlerFunc { return p.createDelegation }},
	{"POST /delegations/{id}/revoke", callvault.ActDelegationRevoke, func(p *Pages) http.HandlerFunc { return p.revokeDelegation }},
	{"GET /pci", callvault.ActPCIAlertList, func(p *Pages) http.HandlerFunc { return p.pciAlerts }},
	{"GET /reports/inbound", callvault.ActReportAnnouncements, func(p *Pages) http.HandlerFunc { return p.inbound }},

	// Holds by hand on the case page and from the desk's hold reviews, and the agreement page a
	// delegate of the DPO reaches without case.read (review13: cases_holds.go, cases_agree.go).
	{"POST /cases/{id}/holds", callvault.ActHoldPlace, func(p *Pages) http.HandlerFunc { return p.caseHoldPlace }},
	{"POST /cases/{id}/holds/{hold}/release", callvault.ActHoldRelease, func(p *Pages) http.HandlerFunc { return p.caseHoldRelease }},
	{"POST /holds/{id}/release", callvault.ActHoldRelease, func(p *Pages) http.HandlerFunc { return p.holdRelease }},
	{"GET /cases/{id}/agreement", callvault.ActCaseAgree, func(p *Pages) http.HandlerFunc { return p.agreementPage }},
}

func (p *Pages) addRoutes() {
	for _, rt := range pageRoutes {
		p.routes = append(p.routes, rt.pattern)
		h := rt.handler(p)
		if rt.action == actionPublic {
			p.mux.Handle(rt.pattern, h)
			continue
		}
		p.mux.Handle(rt.pattern, p.gate(rt.action, h))
	}
}

// gate serves h only to a signed-in person whom the rules permit action: nobody signed in goes
// to /login; a person who has not acknowledged the staff notice goes to /notice first.
func (p *Pages) gate(action callvault.Action, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		me := principal(r.Context())
		if me == nil {
			p.toLogin(w, r)
			return
		}
		d := p.rules.Permits(me, action)
		if d.Allow {
			h(w, r)
			return
		}
		if d.Code == access.CodeNotice {
			target := "/notice"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				target += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		p.Fail(w, r, &access.Denied{Decision: d})
	})
}
