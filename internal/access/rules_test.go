package access

import (
	"testing"
	"time"

	"github.com/callvault/callvault"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func user(id string, roles ...callvault.Role) *callvault.Principal {
	return &callvault.Principal{Kind: callvault.PrincipalUser, ID: id, Name: id, Actor: callvault.Actor("user:" + id),
		Roles: roles, SecondFactor: true, NoticeAcknowledged: true}
}

func token(role callvault.Role) *callvault.Principal {
	return &callvault.Principal{Kind: callvault.PrincipalToken, ID: "t", Name: "t", Roles: []callvault.Role{role}}
}

// disCase is a disciplinary case including rec1, with an agreement to release agreed (none if nil).
func disCase(agreed []string) *callvault.Case {
	c := &callvault.Case{Type: callvault.CaseDisciplinary, Recordings: []callvault.CaseRecording{{RecordingID: "rec1", Include: true, Reason: "r"}}}
	if agreed != nil {
		c.Agreements = []callvault.CaseAgreement{{Statement: "agreed", Recordings: agreed}}
	}
	return c
}

func TestDecide(t *testing.T) {
	staff := user("sam", callvault.RoleStaff)
	manager := user("mia", callvault.RoleManager)
	director := user("dan", callvault.RoleDirector)
	dpo := user("dora", callvault.RoleDPO)
	auditor := user("al", callvault.RoleAuditor)
	delegate := user("del", callvault.RoleStaff)
	noTOTP := user("mo", callvault.RoleManager)
	noTOTP.SecondFactor = false
	staffNoTOTP := user("sue", callvault.RoleStaff)
	staffNoTOTP.SecondFactor = false
	noTOTPDPO := user("dee", callvault.RoleDPO)
	noTOTPDPO.SecondFactor = false
	newcomer := user("new", callvault.RoleStaff)
	newcomer.NoticeAcknowledged = false

	req := &callvault.AccessRequest{ID: "r1", RequesterID: staff.ID, Purpose: callvault.PurposeComplaint, Status: callvault.RequestPending}
	own := &callvault.AccessRequest{ID: "r2", RequesterID: manager.ID, Purpose: callvault.PurposeTraining, Status: callvault.RequestPending}
	disc := &callvault.AccessRequest{ID: "r3", RequesterID: staff.ID, Purpose: callvault.PurposeDisciplinary, Status: callvault.RequestPending}
	done := &callvault.AccessRequest{ID: "r4", RequesterID: staff.ID, Purpose: callvault.PurposeQuality, Status: callvault.RequestApproved}
	live := &callvault.Delegation{ID: "d1", DelegateID: delegate.ID, From: now.Add(-time.Hour), Until: now.Add(time.Hour)}
	revoked := *live
	revokedAt := now.Add(-time.Minute)
	revoked.RevokedAt = &revokedAt
	expired := *live
	expired.Until = now.Add(-time.Second)

	grant := &callvault.Grant{ID: "g", UserID: staff.ID, RecordingIDs: []string{"rec1"}, ExpiresAt: now.Add(time.Hour)}
	dlGrant := *grant
	dlGrant.Download = true
	oldGrant := *grant
	oldGrant.ExpiresAt = now
	revGrant := *grant
	revGrant.RevokedAt = &revokedAt

	type row struct {
		name   string
		p      *callvault.Principal
		a      callvault.Action
		o      Object
		allow  bool
		code   string
		flag   string
		policy Rules
	}
	rows := []row{
		{name: "nobody", p: nil, a: callvault.ActRequestCreate, code: CodeForbidden},
		{name: "unknown action", p: director, a: "recording.browse", code: CodeForbidden},
		{name: "recorder ingests", p: token(callvault.RoleRecorder), a: callvault.ActRecordingIngest, allow: true},
		{name: "auditor token cannot ingest", p: token(callvault.RoleAuditor), a: callvault.ActRecordingIngest, code: CodeForbidden},
		{name: "user cannot ingest", p: director, a: callvault.ActRecordingIngest, code: CodeForbidden},
		{name: "manager token pauses", p: token(callvault.RoleManager), a: callvault.ActLivePause, allow: true},
		{name: "manager at a desk resumes", p: manager, a: callvault.ActLiveResume, allow: true},
		{name: "staff cannot pause", p: staff, a: callvault.ActLivePause, code: CodeForbidden},
		{name: "token never listens", p: token(callvault.RoleManager), a: callvault.ActRecordingListen, o: Object{Grant: grant, RecordingID: "rec1", Now: now}, code: CodeForbidden},
		{name: "staff requests", p: staff, a: callvault.ActRequestCreate, allow: true},
		{name: "auditor never requests", p: auditor, a: callvault.ActRequestCreate, code: CodeForbidden},
		{name: "auditor reads audit", p: auditor, a: callvault.ActAuditRead, allow: true},
		{name: "DPO opens a SAR", p: dpo, a: callvault.ActCaseOpen, o: Object{CaseType: callvault.CaseSubjectAccess}, allow: true},
		{name: "DPO includes in a disciplinary case", p: dpo, a: callvault.ActCaseInclude, o: Object{CaseType: callvault.CaseDisciplinary}, allow: true},
		{name: "DPO closes an external body case", p: dpo, a: callvault.ActCaseClose, o: Object{CaseType: callvault.CaseExternalBody}, allow: true},
		{name: "director opens a complaint", p: director, a: callvault.ActCaseOpen, o: Object{CaseType: callvault.CaseComplaint}, allow: true},
		{name: "director searches an abusive call", p: director, a: callvault.ActCaseSearch, o: Object{CaseType: callvault.CaseAbusiveCall}, allow: true},
		{name: "director never sees a SAR", p: director, a: callvault.ActCaseRead, o: Object{CaseType: callvault.CaseSubjectAccess}, code: CodeNotFound},
		{name: "director never opens a disciplinary case", p: director, a: callvault.ActCaseOpen, o: Object{CaseType: callvault.CaseDisciplinary}, code: CodeNotFound},
		{name: "DPO exports a SAR", p: dpo, a: callvault.ActCaseExport, o: Object{CaseType: callvault.CaseSubjectAccess}, allow: true},
		{name: "director never exports a SAR", p: director, a: callvault.ActCaseExport, o: Object{CaseType: callvault.CaseSubjectAccess}, code: CodeNotFound},
		{name: "DPO issues a listening link", p: dpo, a: callvault.ActCaseLink, o: Object{CaseType: callvault.CaseSubjectAccess}, allow: true},
		{name: "staff issue no link", p: staff, a: callvault.ActCaseLink, o: Object{CaseType: callvault.CaseSubjectAccess}, code: CodeForbidden},
		{name: "DPO stops a SAR clock", p: dpo, a: callvault.ActCaseClock, o: Object{CaseType: callvault.CaseSubjectAccess}, allow: true},
		{name: "unknown case type", p: dpo, a: callvault.ActCaseOpen, o: Object{CaseType: "parking"}, code: CodeNotFound},
		{name: "manager runs no case", p: manager, a: callvault.ActCaseOpen, o: Object{CaseType: callvault.CaseComplaint}, code: CodeForbidden},
		{name: "staff lists no cases", p: staff, a: callvault.ActCaseList, code: CodeForbidden},
		{name: "staff flag an abusive call", p: staff, a: callvault.ActCaseFlag, allow: true},
		{name: "staff without a second factor flag", p: staffNoTOTP, a: callvault.ActCaseFlag, allow: true},
		{name: "flagging waits for the notice", p: newcomer, a: callvault.ActCaseFlag, code: CodeNotice},
		{name: "auditor flags nothing", p: auditor, a: callvault.ActCaseFlag, code: CodeForbidden},
		{name: "token flags nothing", p: token(callvault.RoleManager), a: callvault.ActCaseFlag, code: CodeForbidden},
		{name: "a flagger reads no abusive call case", p: staff, a: callvault.ActCaseRead, o: Object{CaseType: callvault.CaseAbusiveCall}, code: CodeForbidden},
		{name: "auditor reads no case", p: auditor, a: callvault.ActCaseRead, o: Object{CaseType: callvault.CaseComplaint}, code: CodeForbidden},
		{name: "token runs no case", p: token(callvault.RoleManager), a: callvault.ActCaseList, code: CodeForbidden},
		{name: "DPO without a second factor", p: noTOTPDPO, a: callvault.ActCaseList, code: CodeSecondFactor},
		{name: "auditor never listens", p: auditor, a: callvault.ActRecordingListen, o: Object{Grant: grant, RecordingID: "rec1", Now: now}, code: CodeForbidden},
		{name: "notice first", p: newcomer, a: callvault.ActRequestCreate, code: CodeNotice},
		{name: "notice readable first", p: newcomer, a: callvault.ActNoticeAck, allow: true},
		{name: "director sends the notice", p: director, a: callvault.ActNoticeSend, allow: true},
		{name: "dpo sends the notice", p: dpo, a: callvault.ActNoticeSend, allow: true},
		{name: "manager cannot send the notice", p: manager, a: callvault.ActNoticeSend, code: CodeForbidden},
		{name: "director edits the notice", p: director, a: callvault.ActNoticeEdit, allow: true},
		{name: "dpo edits the notice", p: dpo, a: callvault.ActNoticeEdit, allow: true},
		{name: "manager cannot edit the notice", p: manager, a: callvault.ActNoticeEdit, code: CodeForbidden},
		{name: "token cannot edit the notice", p: token(callvault.RoleManager), a: callvault.ActNoticeEdit, code: CodeForbidden},
		{name: "director sets the retention period", p: director, a: callvault.ActRetentionSet, allow: true},
		{name: "dpo cannot set the retention period", p: dpo, a: callvault.ActRetentionSet, code: CodeForbidden},
		{name: "manager cannot set the retention period", p: manager, a: callvault.ActRetentionSet, code: CodeForbidden},
		{name: "auditor cannot set the retention period", p: user("aud", callvault.RoleAuditor), a: callvault.ActRetentionSet, code: CodeForbidden},
		{name: "token cannot send the notice", p: token(callvault.RoleManager), a: callvault.ActNoticeSend, code: CodeForbidden},

		{name: "grantee listens", p: staff, a: callvault.ActRecordingListen, o: Object{Grant: grant, RecordingID: "rec1", Now: now}, allow: true},
		{name: "staff listens without TOTP", p: staffNoTOTP, a: callvault.ActRecordingListen, o: Object{Grant: &callvault.Grant{UserID: "sue", RecordingIDs: []string{"rec1"}, ExpiresAt: now.Add(time.Hour)}, RecordingID: "rec1", Now: now}, allow: true},
		{name: "other recording hidden", p: staff, a: callvault.ActRecordingListen, o: Object{Grant: grant, RecordingID: "rec2", Now: now}, code: CodeNotFound},
		{name: "no grant hidden", p: director, a: callvault.ActRecordingRead, o: Object{RecordingID: "rec1", Now: now}, code: CodeNotFound},
		{name: "someone else's grant hidden", p: manager, a: callvault.ActRecordingListen, o: Object{Grant: grant, RecordingID: "rec1", Now: now}, code: CodeNotFound},
		{name: "expired grant hidden", p: staff, a: callvault.ActRecordingListen, o: Object{Grant: &oldGrant, RecordingID: "rec1", Now: now}, code: CodeNotFound},
		{name: "revoked grant hidden", p: staff, a: callvault.ActRecordingListen, o: Object{Grant: &revGrant, RecordingID: "rec1", Now: now}, code: CodeNotFound},
		{name: "listen-only refuses download", p: staff, a: callvault.ActRecordingDownload, o: Object{Grant: grant, RecordingID: "rec1", Now: now}, code: CodeForbidden},
		{name: "download grant", p: staff, a: callvault.ActRecordingDownload, o: Object{Grant: &dlGrant, RecordingID: "rec1", Now: now}, allow: true},
		{name: "manager needs TOTP to listen", p: noTOTP, a: callvault.ActRecordingListen, o: Object{Grant: &callvault.Grant{UserID: "mo", RecordingIDs: []string{"rec1"}, ExpiresAt: now.Add(time.Hour)}, RecordingID: "rec1", Now: now}, code: CodeSecondFactor},

		{name: "manager approves", p: manager, a: callvault.ActRequestApprove, o: Object{Request: req, Now: now}, allow: true},
		{name: "director rejects", p: director, a: callvault.ActRequestReject, o: Object{Request: req, Now: now}, allow: true},
		{name: "manager needs TOTP to approve", p: noTOTP, a: callvault.ActRequestApprove, o: Object{Request: req, Now: now}, code: CodeSecondFactor},
		{name: "staff cannot approve", p: staff, a: callvault.ActRequestApprove, o: Object{Request: own, Now: now}, code: CodeForbidden},
		{name: "dpo does not approve complaints", p: dpo, a: callvault.ActRequestApprove, o: Object{Request: req, Now: now}, code: CodeForbidden},
		{name: "own request refused", p: manager, a: callvault.ActRequestApprove, o: Object{Request: own, Now: now}, code: CodeForbidden},
		{name: "own request by setting, flagged", p: manager, a: callvault.ActRequestApprove, o: Object{Request: own, Now: now}, allow: true, flag: FlagSelfApproval, policy: Rules{AllowSelfApproval: true}},
		{name: "decided request", p: manager, a: callvault.ActRequestApprove, o: Object{Request: done, Now: now}, code: CodeForbidden},
		{name: "manager cannot approve disciplinary", p: manager, a: callvault.ActRequestApprove, o: Object{Request: disc, Now: now}, code: CodeForbidden},
		{name: "director cannot approve disciplinary", p: director, a: callvault.ActRequestApprove, o: Object{Request: disc, Now: now}, code: CodeForbidden},
		{name: "dpo approves disciplinary", p: dpo, a: callvault.ActRequestApprove, o: Object{Request: disc, Now: now}, allow: true},
		{name: "live delegate approves disciplinary", p: delegate, a: callvault.ActRequestApprove, o: Object{Request: disc, Delegations: []*callvault.Delegation{live}, Now: now}, allow: true, flag: FlagDelegatedAuthority},
		{name: "delegate cannot approve complaints", p: delegate, a: callvault.ActRequestApprove, o: Object{Request: req, Delegations: []*callvault.Delegation{live}, Now: now}, code: CodeForbidden},
		{name: "revoked delegation", p: delegate, a: callvault.ActRequestApprove, o: Object{Request: disc, Delegations: []*callvault.Delegation{&revoked}, Now: now}, code: CodeForbidden},
		{name: "expired delegation", p: delegate, a: callvault.ActRequestApprove, o: Object{Request: disc, Delegations: []*callvault.Delegation{&expired}, Now: now}, code: CodeForbidden},
		{name: "someone else's delegation", p: user("x", callvault.RoleStaff), a: callvault.ActRequestApprove, o: Object{Request: disc, Delegations: []*callvault.Delegation{live}, Now: now}, code: CodeForbidden},

		{name: "dpo agrees to a disciplinary release", p: dpo, a: callvault.ActCaseAgree, o: Object{CaseType: callvault.CaseDisciplinary, Now: now}, allow: true},
		{name: "live delegate agrees to a disciplinary release", p: delegate, a: callvault.ActCaseAgree, o: Object{CaseType: callvault.CaseDisciplinary, Delegations: []*callvault.Delegation{live}, Now: now}, allow: true, flag: FlagDelegatedAuthority},
		{name: "revoked delegate agrees to nothing", p: delegate, a: callvault.ActCaseAgree, o: Object{CaseType: callvault.CaseDisciplinary, Delegations: []*callvault.Delegation{&revoked}, Now: now}, code: CodeNotFound},
		{name: "expired delegate agrees to nothing", p: delegate, a: callvault.ActCaseAgree, o: Object{CaseType: callvault.CaseDisciplinary, Delegations: []*callvault.Delegation{&expired}, Now: now}, code: CodeNotFound},
		{name: "director agrees to no disciplinary release", p: director, a: callvault.ActCaseAgree, o: Object{CaseType: callvault.CaseDisciplinary, Now: now}, code: CodeNotFound},
		{name: "agreement only for disciplinary cases", p: dpo, a: callvault.ActCaseAgree, o: Object{CaseType: callvault.CaseComplaint, Now: now}, code: CodeNotFound},
		{name: "disciplinary export without agreement", p: dpo, a: callvault.ActCaseExport, o: Object{CaseType: callvault.CaseDisciplinary, Case: disCase(nil), Now: now}, code: CodeForbidden},
		{name: "disciplinary export of what was agreed", p: dpo, a: callvault.ActCaseExport, o: Object{CaseType: callvault.CaseDisciplinary, Case: disCase([]string{"rec1"}), Now: now}, allow: true},
		{name: "disciplinary export beyond what was agreed", p: dpo, a: callvault.ActCaseExport, o: Object{CaseType: callvault.CaseDisciplinary, Case: disCase([]string{"rec2"}), Now: now}, code: CodeForbidden},
		{name: "complaint export needs no agreement", p: dpo, a: callvault.ActCaseExport, o: Object{CaseType: callvault.CaseComplaint, Now: now}, allow: true},

		{name: "requester reads own", p: staff, a: callvault.ActRequestRead, o: Object{Request: req, Now: now}, allow: true},
		{name: "requester does not see matches", p: staff, a: callvault.ActRequestReview, o: Object{Request: req, Now: now}, code: CodeForbidden},
		{name: "decider sees matches", p: manager, a: callvault.ActRequestReview, o: Object{Request: req, Now: now}, allow: true},
		{name: "other staff cannot read", p: user("x", callvault.RoleStaff), a: callvault.ActRequestRead, o: Object{Request: req, Now: now}, code: CodeNotFound},
		{name: "staff has no queue", p: staff, a: callvault.ActRequestQueue, o: Object{Now: now}, code: CodeForbidden},
		{name: "delegate has a queue", p: delegate, a: callvault.ActRequestQueue, o: Object{Delegations: []*callvault.Delegation{live}, Now: now}, allow: true},

		{name: "dpo delegates", p: dpo, a: callvault.ActDelegationCreate, allow: true},
		{name: "director does not delegate", p: director, a: callvault.ActDelegationCreate, code: CodeForbidden},
		{name: "director manages users", p: director, a: callvault.ActUserManage, allow: true},
		{name: "director manages another user", p: director, a: callvault.ActUserManage, o: Object{UserID: dpo.ID}, allow: true},
		{name: "nobody changes or disables themselves", p: director, a: callvault.ActUserManage, o: Object{UserID: director.ID}, code: CodeForbidden},
		{name: "nor the DPO", p: dpo, a: callvault.ActUserManage, o: Object{UserID: dpo.ID}, code: CodeForbidden},
		{name: "manager does not manage users", p: manager, a: callvault.ActUserManage, code: CodeForbidden},
		{name: "director manages tokens", p: director, a: callvault.ActTokenManage, allow: true},
		{name: "DPO manages tokens", p: dpo, a: callvault.ActTokenManage, allow: true},
		{name: "tokens need a second factor", p: noTOTPDPO, a: callvault.ActTokenManage, code: CodeSecondFactor},
		{name: "manager does not manage tokens", p: manager, a: callvault.ActTokenManage, code: CodeForbidden},
		{name: "auditor does not manage tokens", p: auditor, a: callvault.ActTokenManage, code: CodeForbidden},
		{name: "auditor runs a verification", p: auditor, a: callvault.ActAuditVerify, allow: true},
		{name: "director does not run one", p: director, a: callvault.ActAuditVerify, code: CodeForbidden},
		{name: "no token runs one", p: token(callvault.RoleAuditor), a: callvault.ActAuditVerify, code: CodeForbidden},
		// The dpo role: only the DPO gives or removes it; a director gives it only to bootstrap the
		// first DPO, flagged. A disable or enable counts as removing or giving the user's roles.
		{name: "DPO makes another DPO", p: dpo, a: callvault.ActUserManage, o: Object{UserID: "x", RolesAfter: []callvault.Role{callvault.RoleDPO}, VaultHasDPO: true}, allow: true},
		{name: "DPO removes the dpo role", p: dpo, a: callvault.ActUserManage, o: Object{UserID: "x", RolesBefore: []callvault.Role{callvault.RoleDPO}, RolesAfter: []callvault.Role{callvault.RoleStaff}, VaultHasDPO: true}, allow: true},
		{name: "director makes a stand-in DPO", p: director, a: callvault.ActUserManage, o: Object{UserID: "x", RolesAfter: []callvault.Role{callvault.RoleDPO, callvault.RoleStaff}, VaultHasDPO: true}, code: CodeForbidden},
		{name: "director adds a DPO when one exists", p: director, a: callvault.ActUserManage, o: Object{RolesAfter: []callvault.Role{callvault.RoleDPO}, VaultHasDPO: true}, code: CodeForbidden},
		{name: "director bootstraps the first DPO", p: director, a: callvault.ActUserManage, o: Object{RolesAfter: []callvault.Role{callvault.RoleDPO}}, allow: true, flag: FlagDPOBootstrap},
		{name: "director removes the dpo role", p: director, a: callvault.ActUserManage, o: Object{UserID: "x", RolesBefore: []callvault.Role{callvault.RoleDPO}, RolesAfter: []callvault.Role{callvault.RoleStaff}, VaultHasDPO: true}, code: CodeForbidden},
		{name: "director disables the DPO", p: director, a: callvault.ActUserManage, o: Object{UserID: "x", RolesBefore: []callvault.Role{callvault.RoleDPO}, VaultHasDPO: true}, code: CodeForbidden},
		{name: "director removes it even when no DPO is enabled", p: director, a: callvault.ActUserManage, o: Object{UserID: "x", RolesBefore: []callvault.Role{callvault.RoleDPO}}, code: CodeForbidden},
		{name: "director changes a DPO's other roles", p: director, a: callvault.ActUserManage, o: Object{UserID: "x", RolesBefore: []callvault.Role{callvault.RoleDPO}, RolesAfter: []callvault.Role{callvault.RoleDPO, callvault.RoleStaff}, VaultHasDPO: true}, allow: true},
		{name: "director adds a manager", p: director, a: callvault.ActUserManage, o: Object{RolesAfter: []callvault.Role{callvault.RoleManager}, VaultHasDPO: true}, allow: true},
		{name: "grantee gives up grant", p: staff, a: callvault.ActGrantRevoke, o: Object{Grant: grant, Now: now}, allow: true},
		{name: "other staff cannot revoke", p: user("x", callvault.RoleStaff), a: callvault.ActGrantRevoke, o: Object{Grant: grant, Now: now}, code: CodeNotFound},
		{name: "manager revokes", p: manager, a: callvault.ActGrantRevoke, o: Object{Grant: grant, Now: now}, allow: true},
	}
	for _, tt := range rows {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.policy.Decide(tt.p, tt.a, tt.o)
			if d.Allow != tt.allow || d.Code != tt.code {
				t.Fatalf("Decide = %+v, want allow %t code %q", d, tt.allow, tt.code)
			}
			if !d.Allow && d.Reason == "" {
				t.Error("a refusal without a reason")
			}
			if tt.flag != "" && (len(d.Flags) != 1 || d.Flags[0] != tt.flag) {
				t.Errorf("flags %v, want [%s]", d.Flags, tt.flag)
			}
		})
	}
}
