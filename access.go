package callvault

import (
	"slices"
	"time"
)

// Purpose is why someone asks to hear recordings: the purposes of the call-recording policy
// (section 2), and "other" with its reason.
type Purpose string

const (
	PurposeTraining        Purpose = "training"
	PurposePerformance     Purpose = "performance"
	PurposeAbuseProtection Purpose = "abuse_protection"
	PurposeComplaint       Purpose = "complaint"
	PurposeQuality         Purpose = "quality"
	PurposeDisciplinary    Purpose = "disciplinary"
	PurposeRegulatory      Purpose = "regulatory"
	PurposeOther           Purpose = "other"
)

// Purposes lists every purpose.
var Purposes = []Purpose{PurposeTraining, PurposePerformance, PurposeAbuseProtection, PurposeComplaint,
	PurposeQuality, PurposeDisciplinary, PurposeRegulatory, PurposeOther}

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { return slices.Contains(Purposes, p) }

// RequestStatus is where an access request stands. pending -> approved | rejected; nothing else.
type RequestStatus string

const (
	RequestPending  RequestStatus = "pending"
	RequestApproved RequestStatus = "approved"
	RequestRejected RequestStatus = "rejected"
)

// AccessRequest is a person's request to hear recordings, with the facts the policy (section 5.2)
// asks for: (a) Reason, (b) CallTime or CallFrom/CallTo, (c) Extension, (d) ExternalNumber,
// (e) Parties, (f) OtherInformation. Matched is the set of recordings the request's facts found
// in the subject index when it was made; the requester does not see it until approval.
type AccessRequest struct {
	ID               string        `json:"id"`
	RequesterID      string        `json:"requester_id"`
	RequesterName    string        `json:"requester"`
	Purpose          Purpose       `json:"purpose"`
	Reason           string        `json:"reason"`
	CallTime         *time.Time    `json:"call_time,omitempty"`
	CallFrom         *time.Time    `json:"call_from,omitempty"`
	CallTo           *time.Time    `json:"call_to,omitempty"`
	Extension        string        `json:"extension,omitempty"`
	ExternalNumber   string        `json:"external_number,omitempty"` // E.164
	Parties          []string      `json:"parties,omitempty"`
	OtherInformation string        `json:"other_information,omitempty"`
	Matched          []string      `json:"-"`
	Status           RequestStatus `json:"status"`
	CreatedAt        time.Time     `json:"created_at"`

	// The decision: the approver's or rejecter's written statement (the policy's "written
	// agreement"), who made it and when.
	DeciderID    string     `json:"decider_id,omitempty"`
	DeciderName  string     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	Statement    string     `json:"statement,omitempty"`
	SelfApproved bool       `json:"self_approved,omitempty"` // allowed by setting, flagged
	GrantID      string     `json:"grant_id,omitempty"`
}

// Grant lets one user read and hear exactly RecordingIDs until ExpiresAt, unless revoked. It is
// made by approving an AccessRequest.
type Grant struct {
	ID           string     `json:"id"`
	RequestID    string     `json:"request_id"`
	UserID       string     `json:"user_id"`
	RecordingIDs []string   `json:"recording_ids"`
	Download     bool       `json:"download"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokedBy    string     `json:"revoked_by,omitempty"`
}

// Live reports whether g is in force at now: not revoked and not expired.
func (g *Grant) Live(now time.Time) bool {
	return g != nil && g.RevokedAt == nil && now.Before(g.ExpiresAt)
}

// Covers reports whether g names recording id.
func (g *Grant) Covers(id string) bool { return g != nil && slices.Contains(g.RecordingIDs, id) }

// Delegation is the DPO's written authorisation for another user to approve disciplinary
// requests between From and Until, until revoked.
type Delegation struct {
	ID           string     `json:"id"`
	DelegateID   string     `json:"delegate_id"`
	DelegateName string     `json:"delegate"`
	GrantorID    string     `json:"grantor_id"` // the DPO who wrote it
	GrantorName  string     `json:"grantor"`
	Statement    string     `json:"statement,omitempty"`
	From         time.Time  `json:"from"`
	Until        time.Time  `json:"until"`
	CreatedAt    time.Time  `json:"created_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

// Live reports whether d is in force at now.
func (d *Delegation) Live(now time.Time) bool {
	return d != nil && d.RevokedAt == nil && !now.Before(d.From) && now.Before(d.Until)
}
