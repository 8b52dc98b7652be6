// Package tokens administers machine API tokens: it creates them (the secret shown once, only
// its hash kept), lists and revokes them, each step an audit event by the operator who asked.
package tokens
