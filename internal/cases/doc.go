// Package cases runs the DPO's case desk (the policy's section 5): opening a case (a subject
// access request, an external body's request, a disciplinary matter, a complaint, an abusive
// call), searching the subject index for it, including or excluding each recording with a
// reason, the desk's list of what is due, and closing. Every step asks the rules
// (internal/access) and is an audit event committed with the change.
package cases
