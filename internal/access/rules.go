package access

import (
	"slices"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// Decision is the answer to "may this principal do this?". Reason is for people (shown to the
// caller and kept in the audit log); Code names the problem type an HTTP answer carries.
type Decision struct {
	Allow  bool
	Reason string
	// Code is "" when allowed; otherwise forbidden, notice_not_acknowledged,
	// second_factor_required, or not_found when the answer must not reveal that the object
	// exists (a recording outside the caller's grants).
	Code string
	// Flags are facts the audit event of the action must carry, e.g. "self_approval".
	Flags []string
}

// Problem codes of refusals.
const (
	CodeForbidden          = "forbidden"
	CodeNotice             = "notice_not_acknowledged"
	CodeSecondFactor       = "second_factor_required"
	CodeNotFound           = "not_found"
	FlagSelfApproval       = "self_approval"
	FlagDelegatedAuthority = "delegated_authority"
	// FlagDPOBootstrap marks a director giving the dpo role while the vault has no enabled DPO.
	FlagDPOBootstrap = "dpo_bootstrap"
)

// Object is what an action is about; each action reads the fields it needs.
type Object struct {
	Request *callvault.AccessRequest // request.read, request.review, request.approve, request.reject
	// Grant is the grant that would cover the recording (recording.*) or the one to revoke.
	Grant       *callvault.Grant
	RecordingID string
	// Delegations are the delegations to the principal (the rules check which are live).
	Delegations []*callvault.Delegation
	// UserID is the user acted on (user.manage: disable, enable, change roles).
	UserID string
	// RolesBefore and RolesAfter are the roles of the user acted on before and after a
	// user.manage change: an added user has none before; disabling a user takes all its roles
	// away, enabling gives them back.
	RolesBefore, RolesAfter []callvault.Role
	// VaultHasDPO: some enabled user holds the dpo role (user.manage).
	VaultHasDPO bool
	Now         time.Time
	// CaseType is the type of the case a case.* action is about (or would open); Case is the
	// case itself once it exists.
	CaseType callvault.CaseType
	Case     *callvault.Case
}

// Rules decides every action. The zero value is the policy's defaults.
type Rules struct {
	// AllowSelfApproval lets an authoriser approve their own request (an organisation with one
	// manager); every such approval is flagged (FlagSelfApproval) in the audit log.
	AllowSelfApproval bool
}

// deciders may authorise requests of any purpose but disciplinary; the DPO and live delegates
// authorise disciplinary ones. authorisers must have a confirmed second factor before they
// authorise or listen.
var (
	deciders    = []callvault.Role{callvault.RoleDirector, callvault.RoleManager}
	authorisers = []callvault.Role{callvault.RoleDirector, callvault.RoleDPO, callvault.RoleManager}
	requesters  = []callvault.Role{callvault.RoleDirector, callvault.RoleDPO, callvault.RoleManager, callvault.RoleStaff}
)

// rule is one line of the permission table: which user roles and which token roles may ask for
// the action at all, whether a confirmed second factor is needed (for authorisers), and a check
// of the object.
type rule struct {
	users  []callvault.Role // nil: no user; anyUser: every user
	tokens []callvault.Role
	// secondFactor: users holding an authoriser role need a confirmed TOTP enrolment.
	secondFactor bool
	// beforeNotice: allowed before the staff notice is acknowledged.
	beforeNotice bool
	check        func(r *Rules, p *callvault.Principal, o Object) Decision
}

var anyUser = []callvault.Role{callvault.RoleDirector, callvault.RoleDPO, callvault.RoleManager, callvault.RoleStaff, callvault.RoleAuditor}

// table is every action's rule. An action missing here is refused to everyone.
var table = map[callvault.Action]rule{
	callvault.ActRecordingIngest: {tokens: []callvault.Role{callvault.RoleRecorder}},
	// Live control: the recorder, a manager's integration (token) or a manager at a desk.
	callvault.ActLivePause:  {users: []callvault.Role{callvault.RoleManager}, tokens: []callvault.Role{callvault.RoleRecorder, callvault.RoleManager}},
	callvault.ActLiveResume: {users: []callvault.Role{callvault.RoleManager}, tokens: []callvault.Role{callvault.RoleRecorder, callvault.RoleManager}},

	callvault.ActRecordingRead:     {users: requesters, secondFactor: true, check: checkGrant(false)},
	callvault.ActRecordingListen:   {users: requesters, secondFactor: true, check: checkGrant(false)},
	callvault.ActRecordingDownload: {users: requesters, secondFactor: true, check: checkGrant(true)},

	callvault.ActRequestCreate:  {users: requesters},
	callvault.ActRequestList:    {users: requesters},
	callvault.ActRequestRead:    {users: requesters, check: checkRequestRead},
	callvault.ActRequestReview:  {users: requesters, check: checkReview},
	callvault.ActRequestQueue:   {users: requesters, check: checkQueue},
	callvault.ActRequestApprove: {users: requesters, secondFactor: true, check: checkDecide},
	callvault.ActRequestReject:  {users: requesters, secondFactor: true, check: checkDecide},
	callvault.ActGrantRevoke:    {users: requesters, secondFactor: true, check: checkRevokeGrant},

	callvault.ActDelegationCreate: {users: []callvault.Role{callvault.RoleDPO}, secondFactor: true},
	callvault.ActDelegationRevoke: {users: []callvault.Role{callvault.RoleDPO}, secondFactor: true},
	callvault.ActDelegationList:   {users: []callvault.Role{callvault.RoleDPO, callvault.RoleDirector}},

	callvault.ActUserManage: {users: []callvault.Role{callvault.RoleDirector, callvault.RoleDPO}, secondFactor: true, check: checkUserManage},
	callvault.ActUserList:   {users: []callvault.Role{callvault.RoleDirector, callvault.RoleDPO}},

	callvault.ActSelf:         {users: anyUser, beforeNotice: true},
	callvault.ActNoticeRead:   {users: anyUser, beforeNotice: true},
	callvault.ActNoticeAck:    {users: anyUser, beforeNotice: true},
	callvault.ActNoticeStatus: {users: []callvault.Role{callvault.RoleDirector, callvault.RoleDPO}},
	callvault.ActNoticeSend:   {users: []callvault.Role{callvault.RoleDirector, callvault.RoleDPO}},
	// The policy has Directors own the notice; the DPO edits it too, being answerable for what
	// staff and callers are told (UK GDPR articles 13 and 39). Changing what everyone must
	// acknowledge needs the second factor.
	callvault.ActNoticeEdit: {users: []callvault.Role{callvault.RoleDirector, callvault.RoleDPO}, secondFactor: true},
	// Directors manage the recordings (point 1 of the policy's storage rules) and so set the
	// retention period (point 8); the DPO, who advises on storage limitation (UK GDPR article
	// 5(1)(e)) and must be able to challenge it, sees it and its history but does not set it.
	// Shortening it may delete recordings at the next sweep: second factor.
	callvault.ActRetentionSet: {users: []callvault.Role{callvault.RoleDirector}, secondFactor: true},
	callvault.ActAuditRead:    {users: []callvault.Role{callvault.RoleAuditor}, tokens: []callvault.Role{callvault.RoleAuditor}},
	callvault.ActAuditVerify:  {users: []callvault.Role{callvault.RoleAuditor}},
	callvault.ActTokenManage:  {users: []callvault.Role{callvault.RoleDirector, callvault.RoleDPO}, secondFactor: true},
	callvault.ActComplianceRead: {users: []callvault.Role{callvault.RoleAuditor, callvault.RoleDPO, callvault.RoleDirector},
		tokens: []callvault.Role{callvault.RoleAuditor}},
}

// Actions returns every action the table knows, for tests that check each is mapped.
func Actions() []callvault.Action {
	out := make([]callvault.Action, 0, len(table))
	for a := range table {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

func allow() Decision { return Decision{Allow: true} }

func deny(code, reason string) Decision { return Decision{Code: code, Reason: reason} }

// Decide answers whether p may do a on o. A nil principal is refused everything.
func (r *Rules) Decide(p *callvault.Principal, a callvault.Action, o Object) Decision {
	ru, ok := table[a]
	if !ok {
		return deny(CodeForbidden, "no rule allows "+string(a))
	}
	return r.decide(p, a, ru, o)
}

func (r *Rules) decide(p *callvault.Principal, a callvault.Action, ru rule, o Object) Decision {
	if p == nil {
		return deny(CodeForbidden, "nobody is signed in")
	}
	switch p.Kind {
	case callvault.PrincipalToken:
		if !p.HasAny(ru.tokens...) {
			return deny(CodeForbidden, "the "+roleList(p.Roles)+" role may not do "+string(a))
		}
	case callvault.PrincipalUser:
		if !p.HasAny(ru.users...) {
			return deny(CodeForbidden, "your roles do not allow "+string(a))
		}
		if !ru.beforeNotice && !p.NoticeAcknowledged {
			return deny(CodeNotice, "acknowledge the staff notice first (GET /api/v1/notice, then POST /api/v1/me/notice/acknowledge)")
		}
		if ru.secondFactor && !p.SecondFactor && p.HasAny(authorisers...) {
			return deny(CodeSecondFactor, "directors, the DPO and managers must enrol a second factor (POST /api/v1/me/totp) before they authorise or listen")
		}
	default:
		return deny(CodeForbidden, "unknown kind of principal")
	}
	if ru.check != nil {
		if r == nil {
			r = &Rules{}
		}
		return ru.check(r, p, o)
	}
	return allow()
}

// checkGrant: "an unexpired grant of this principal covers this recording". Anything else is
// not_found, so that nobody learns whether a recording exists.
func checkGrant(download bool) func(*Rules, *callvault.Principal, Object) Decision {
	return func(_ *Rules, p *callvault.Principal, o Object) Decision {
		g := o.Grant
		if g == nil || g.UserID != p.ID || !g.Live(o.Now) || o.RecordingID == "" || !g.Covers(o.RecordingID) {
			return deny(CodeNotFound, "no live grant of yours covers this recording")
		}
		if download && !g.Download {
			return deny(CodeForbidden, "the grant allows listening only, not download")
		}
		return allow()
	}
}

// mayDecide reports whether p has the authority to decide requests of purpose.
func mayDecide(p *callvault.Principal, purpose callvault.Purpose, delegations []*callvault.Delegation, now time.Time) (bool, []string) {
	if purpose != callvault.PurposeDisciplinary {
		return p.HasAny(deciders...), nil
	}
	if p.Has(callvault.RoleDPO) {
		return true, nil
	}
	for _, d := range delegations {
		if d.DelegateID == p.ID && d.Live(now) {
			return true, []string{FlagDelegatedAuthority}
		}
	}
	return false, nil
}

func checkRequestRead(_ *Rules, p *callvault.Principal, o Object) Decision {
	if o.Request == nil {
		return deny(CodeNotFound, "no such request")
	}
	if o.Request.RequesterID == p.ID {
		return allow()
	}
	if ok, _ := mayDecide(p, o.Request.Purpose, o.Delegations, o.Now); ok {
		return allow()
	}
	return deny(CodeNotFound, "no such request of yours")
}

// checkReview: the matched set is seen by those who may decide, never by the requester before
// approval, even one who decides other people's requests; only where authorisers may approve
// their own requests (AllowSelfApproval) does an authoriser see their own request's matches.
func checkReview(r *Rules, p *callvault.Principal, o Object) Decision {
	if o.Request == nil {
		return deny(CodeNotFound, "no such request")
	}
	if o.Request.RequesterID == p.ID && !r.AllowSelfApproval {
		return deny(CodeForbidden, "a requester sees what their request matched only once it is approved")
	}
	if ok, _ := mayDecide(p, o.Request.Purpose, o.Delegations, o.Now); ok {
		return allow()
	}
	return deny(CodeForbidden, "only those who may decide a request see what it matched")
}

func checkQueue(_ *Rules, p *callvault.Principal, o Object) Decision {
	if p.HasAny(deciders...) || p.Has(callvault.RoleDPO) {
		return allow()
	}
	for _, d := range o.Delegations {
		if d.DelegateID == p.ID && d.Live(o.Now) {
			return allow()
		}
	}
	return deny(CodeForbidden, "only directors, managers, the DPO and the DPO's delegates see the queue")
}

// checkDecide: "the approver is not the requester"; "disciplinary only by the DPO or a live
// delegate"; other purposes by a director or manager.
func checkDecide(r *Rules, p *callvault.Principal, o Object) Decision {
	req := o.Request
	if req == nil {
		return deny(CodeNotFound, "no such request")
	}
	ok, flags := mayDecide(p, req.Purpose, o.Delegations, o.Now)
	if !ok {
		if req.Purpose == callvault.PurposeDisciplinary {
			return deny(CodeForbidden, "a disciplinary request is decided only by the DPO or someone the DPO has authorised")
		}
		return deny(CodeForbidden, "only a director or a manager decides requests")
	}
	if req.Status != callvault.RequestPending {
		return deny(CodeForbidden, "the request was "+string(req.Status)+" already")
	}
	if req.RequesterID == p.ID {
		if !r.AllowSelfApproval {
			return deny(CodeForbidden, "nobody decides their own request")
		}
		flags = append(flags, FlagSelfApproval)
	}
	return Decision{Allow: true, Flags: flags}
}

// checkUserManage: nobody changes their own roles or disables themselves (a director making
// themselves the DPO would decide disciplinary requests without the DPO); another director or
// the DPO does, audited. Only the DPO gives or removes the dpo role (disabling or enabling a DPO
// counts), so a director cannot make an account they control a stand-in DPO; a director may give
// it only while the vault has no enabled DPO (the first DPO), and that is flagged.
func checkUserManage(_ *Rules, p *callvault.Principal, o Object) Decision {
	if o.UserID != "" && o.UserID == p.ID {
		return deny(CodeForbidden, "nobody changes their own roles or disables themselves; another director or the DPO does")
	}
	given, removed := DPOChange(o.RolesBefore, o.RolesAfter)
	if !given && !removed || p.Has(callvault.RoleDPO) {
		return allow()
	}
	if given && !o.VaultHasDPO && p.Has(callvault.RoleDirector) {
		return Decision{Allow: true, Flags: []string{FlagDPOBootstrap}}
	}
	return deny(CodeForbidden, "only the DPO gives or removes the dpo role (or disables or enables a DPO); a director may give it only while the vault has no enabled DPO")
}

// DPOChange reports whether a change of roles from before to after gives or removes the dpo
// role.
func DPOChange(before, after []callvault.Role) (given, removed bool) {
	was, is := slices.Contains(before, callvault.RoleDPO), slices.Contains(after, callvault.RoleDPO)
	return is && !was, was && !is
}

func checkRevokeGrant(_ *Rules, p *callvault.Principal, o Object) Decision {
	if o.Grant == nil {
		return deny(CodeNotFound, "no such grant")
	}
	if o.Grant.UserID == p.ID || p.HasAny(authorisers...) {
		return allow()
	}
	return deny(CodeNotFound, "no such grant of yours")
}

// Permits answers whether p's kind, roles, notice acknowledgement and second factor allow
// action a at all, before any object is known: the HTTP layer asks it for a route's action,
// then the service asks Decide with the object.
func (r *Rules) Permits(p *callvault.Principal, a callvault.Action) Decision {
	if r == nil {
		r = &Rules{}
	}
	ru, ok := table[a]
	if !ok {
		return deny(CodeForbidden, "no rule allows "+string(a))
	}
	ru.check = nil
	return r.decide(p, a, ru, Object{})
}

func roleList(roles []callvault.Role) string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = string(r)
	}
	return strings.Join(out, ", ")
}
