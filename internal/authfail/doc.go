// Package authfail audits refused API tokens without letting a guesser flood the audit log:
// the first failure from an address in each window is written at once, later ones are counted
// and written as one summary, so no failure goes unrecorded.
package authfail
