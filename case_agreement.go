package callvault

import "time"

// A disciplinary release (a disclosure bundle of a disciplinary case) needs the DPO's written
// agreement, or that of someone the DPO has authorised by a live delegation (the policy's
// section 5; the same rule as a disciplinary access request's). The agreement names the
// recordings it releases: a bundle is made only of exactly those.

// ActCaseAgree is the DPO's or a delegate's written agreement to a disciplinary release.
const ActCaseAgree Action = "case.agree"

// ActionCaseAgree is its audit action.
const ActionCaseAgree = "case.agree"

// CaseAgreement is one written agreement to release a disciplinary case's included recordings.
type CaseAgreement struct {
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Statement  string    `json:"statement"`
	Recordings []string  `json:"recordings"` // the included recordings it releases
	Delegated  bool      `json:"delegated,omitempty"`
}

// Agreement returns c's latest agreement, or nil.
func (c *Case) Agreement() *CaseAgreement {
	if len(c.Agreements) == 0 {
		return nil
	}
	return &c.Agreements[len(c.Agreements)-1]
}
