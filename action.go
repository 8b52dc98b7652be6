package callvault

// Action is something a principal asks to do. The access rules (internal/access) decide every
// Action in one table; the HTTP layer maps each route to one Action and asks. An action that
// is not in the table is refused to everyone.
type Action string

// The actions. A new one is one line here, one entry in the rules' table and a test row.
const (
	ActRecordingIngest Action = "recording.ingest" // add a recording (upload)
	ActLivePause       Action = "live.pause"       // pause or resume the recording of a call in progress
	ActLiveResume      Action = "live.resume"

	ActRecordingRead     Action = "recording.read"     // a recording's metadata, under a live grant
	ActRecordingListen   Action = "recording.listen"   // a recording's audio, under a live grant
	ActRecordingDownload Action = "recording.download" // the audio as an attachment: a grant that allows download

	ActRequestCreate  Action = "request.create"  // ask for access to recordings, with a purpose
	ActRequestRead    Action = "request.read"    // one request: its requester, or someone who may decide it
	ActRequestList    Action = "request.list"    // one's own requests
	ActRequestReview  Action = "request.review"  // see the recordings a request matched: those who may decide it
	ActRequestQueue   Action = "request.queue"   // the requests waiting for a decision
	ActRequestApprove Action = "request.approve" // approve (narrowing the set) with a written statement
	ActRequestReject  Action = "request.reject"  // reject with a written statement
	ActGrantRevoke    Action = "grant.revoke"    // end a grant before it expires

	ActDelegationCreate Action = "delegation.create" // the DPO authorises someone to approve disciplinary requests
	ActDelegationRevoke Action = "delegation.revoke"
	ActDelegationList   Action = "delegation.list"

	ActUserManage Action = "user.manage" // add, change, disable users
	ActUserList   Action = "user.list"

	ActSelf           Action = "self"        // one's own account: sign out, TOTP, profile
	ActNoticeRead     Action = "notice.read" // read the staff notice
	ActNoticeAck      Action = "notice.acknowledge"
	ActAuditRead      Action = "audit.read"      // the audit log and compliance status; never audio
	ActComplianceRead Action = "compliance.read" // the compliance status (retention, holds); never audio
	ActNoticeStatus   Action = "notice.status"   // who has not acknowledged the notice
	ActNoticeSend     Action = "notice.send"     // e-mail the current notice to all staff
	ActNoticeEdit     Action = "notice.edit"     // save a new version of the recording notice
	ActRetentionSet   Action = "retention.set"   // change the retention period (a stored setting)

	ActTokenManage Action = "token.manage" // create, list and revoke machine tokens (the pages; the CLI is break-glass)
	ActAuditVerify Action = "audit.verify" // run a verification of the audit log in the background
)

// Audit actions of people and access (see also audit.go).
const (
	ActionUserCreate         = "user.create"
	ActionUserUpdate         = "user.update"
	ActionUserDisable        = "user.disable"
	ActionUserEnable         = "user.enable"
	ActionUserPassword       = "user.password_set"
	ActionUserLinkIssued     = "user.setup_link"
	ActionLogout             = "auth.logout"
	ActionLogoutEverywhere   = "auth.logout_everywhere"
	ActionLockout            = "auth.lockout"
	ActionTOTPEnrol          = "auth.totp_enrol"
	ActionTOTPConfirm        = "auth.totp_confirm"
	ActionRecoveryCodeUsed   = "auth.recovery_code_used"
	ActionNoticeAcknowledge  = "notice.acknowledge"
	ActionNoticeSend         = "notice.send" // the notice was e-mailed to all staff
	ActionRequestCreate      = "request.create"
	ActionRequestApprove     = "request.approve"
	ActionRequestReject      = "request.reject"
	ActionGrantRevoke        = "grant.revoke"
	ActionDelegationCreate   = "delegation.create"
	ActionDelegationRevoke   = "delegation.revoke"
	ActionRecordingListen    = "recording.listen"
	ActionRecordingListenEnd = "recording.listen_end" // a listening ended: the ranges it served
	ActionRecordingDownload  = "recording.download"
	ActionRecordingMetadata  = "recording.read"
	ActionAccessDenied       = "access.denied"
)
