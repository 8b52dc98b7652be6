package callvault

import (
	"context"
	"time"
)

// The people and access stores follow the rules of store.go: every change takes its AuditEvent
// and appends it in the same transaction; stores enforce invariants with conditional writes
// (KindConflict when the condition fails) and never decide who may do what.

// UserStore keeps users.
type UserStore interface {
	// CreateUser inserts u and ev; KindInvalid if u.Validate fails, KindConflict if the ID or
	// name is taken.
	CreateUser(ctx context.Context, u *User, ev *AuditEvent) error
	// CreateFirstUser is CreateUser on a vault without users only: KindConflict, writing
	// nothing, if any user exists (of several bootstrap links, exactly one is used).
	CreateFirstUser(ctx context.Context, u *User, ev *AuditEvent) error
	// User and UserByName return a user or KindNotFound. UserBySetupHash returns the user whose
	// set-password link secret hashes to hash, or KindNotFound (its expiry is the caller's rule).
	User(ctx context.Context, id string) (*User, error)
	UserByName(ctx context.Context, name string) (*User, error)
	UserBySetupHash(ctx context.Context, hash string) (*User, error)
	// Users returns every user ordered by name.
	Users(ctx context.Context) ([]*User, error)
	// UpdateUser writes every field of u (but ID, Name and CreatedAt) and ev, only if the stored
	// Version equals u.Version, and then increments u.Version; KindConflict if it changed
	// meanwhile (read again and retry), KindNotFound if there is no such user.
	UpdateUser(ctx context.Context, u *User, ev *AuditEvent) error
}

// SessionStore keeps sign-in sessions. Touching a session (LastSeenAt) is bookkeeping and is
// not audited; creating and ending sessions are.
type SessionStore interface {
	CreateSession(ctx context.Context, s *Session, ev *AuditEvent) error
	// Session returns the session whose ID is id, or KindNotFound.
	Session(ctx context.Context, id string) (*Session, error)
	// TouchSession sets LastSeenAt; KindNotFound if the session is gone.
	TouchSession(ctx context.Context, id string, at time.Time) error
	// DeleteSession ends one session and appends ev; KindNotFound if there is none.
	DeleteSession(ctx context.Context, id string, ev *AuditEvent) error
}

// AccessRequestFilter selects access requests; empty fields select all.
type AccessRequestFilter struct {
	RequesterID string
	Status      RequestStatus
}

// AccessStore keeps access requests, their decisions and the grants they make.
type AccessStore interface {
	// CreateAccessRequest inserts r (status pending) and ev.
	CreateAccessRequest(ctx context.Context, r *AccessRequest, ev *AuditEvent) error
	// AccessRequest returns a request or KindNotFound.
	AccessRequest(ctx context.Context, id string) (*AccessRequest, error)
	// AccessRequests returns the requests matching f, newest first.
	AccessRequests(ctx context.Context, f AccessRequestFilter) ([]*AccessRequest, error)
	// DecideAccessRequest records r's decision (Status, Decider*, DecidedAt, Statement,
	// SelfApproved, GrantID), inserts g (nil for a rejection) and appends ev, only if the stored
	// request is still pending: KindConflict otherwise (it was decided meanwhile), KindNotFound
	// if there is no such request.
	DecideAccessRequest(ctx context.Context, r *AccessRequest, g *Grant, ev *AuditEvent) error
	// Grant returns a grant or KindNotFound.
	Grant(ctx context.Context, id string) (*Grant, error)
	// LiveGrants returns the grants of user userID that name recording recordingID and are
	// live at now (unrevoked, unexpired), newest first.
	LiveGrants(ctx context.Context, userID, recordingID string, now time.Time) ([]*Grant, error)
	// RevokeGrant marks the grant revoked at `at` by `by` and appends ev; KindNotFound if there
	// is no such grant, KindConflict if it is revoked already.
	RevokeGrant(ctx context.Context, id string, at time.Time, by string, ev *AuditEvent) error
}

// DelegationStore keeps the DPO's delegations.
type DelegationStore interface {
	CreateDelegation(ctx context.Context, d *Delegation, ev *AuditEvent) error
	// Delegation returns one delegation or KindNotFound.
	Delegation(ctx context.Context, id string) (*Delegation, error)
	// Delegations returns the delegations to delegateID ("" for all), newest first.
	Delegations(ctx context.Context, delegateID string) ([]*Delegation, error)
	// RevokeDelegation marks it revoked and appends ev; KindNotFound if there is none,
	// KindConflict if it is revoked already.
	RevokeDelegation(ctx context.Context, id string, at time.Time, ev *AuditEvent) error
}

// PeopleStore is what every catalogue backend provides for people and access. It is apart from
// Catalogue so that consumers take the narrow interface they use.
type PeopleStore interface {
	UserStore
	SessionStore
	AccessStore
	DelegationStore
}

// PeopleImporter is an optional capability of a catalogue: it stores users, access requests
// (with the grant an approval made, revoked or not) and delegations exactly as given, without
// audit events, for migration between backends (whose audit log is copied verbatim). Each
// returns KindConflict, writing nothing, if the object exists. Sessions are not migrated:
// people sign in again.
type PeopleImporter interface {
	ImportUser(ctx context.Context, u *User) error
	ImportAccessRequest(ctx context.Context, r *AccessRequest, g *Grant) error
	ImportDelegation(ctx context.Context, d *Delegation) error
}
