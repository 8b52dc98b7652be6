package callvault

import "time"

// A staff member who took an abusive or nuisance call flags it (by its time and the extension
// that took it); the flag opens an abusive_call case for the DPO. The flagger learns the case's
// reference only: never the audio, the recordings the flag matched, or the case itself.

// ActCaseFlag flags one of the principal's own calls as abusive or nuisance.
const ActCaseFlag Action = "case.flag"

// ActionCaseFlag is the audit action of a flag (the case it opened is audited as case.open).
const ActionCaseFlag = "case.flag"

// CaseFlag is what a staff member said when flagging a call: the call's time and extension as
// they gave them (users have no extension on their record, so it is taken as given and kept
// with who gave it), and their note.
type CaseFlag struct {
	CallTime  time.Time `json:"call_time"`
	Extension string    `json:"extension"`
	Note      string    `json:"note,omitempty"`
	By        string    `json:"by"`    // the flagger's actor string
	ByID      string    `json:"by_id"` // the flagger's user ID
	At        time.Time `json:"at"`
}
