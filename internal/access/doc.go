// Package access holds the rules of who may do what, in one place, and the workflows of the
// call-recording policy built on them: access requests, their authorisation, grants and the
// DPO's delegations. The HTTP layer (and later the pages and jobs) map what they are asked to a
// callvault.Action and ask Rules.Decide; stores persist and enforce invariants with conditional
// writes, never decide.
package access
