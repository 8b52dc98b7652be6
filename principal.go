package callvault

import (
	"context"
	"slices"
)

// PrincipalKind says what kind of caller a Principal is.
type PrincipalKind string

const (
	// PrincipalUser is a person signed in with a session.
	PrincipalUser PrincipalKind = "user"
	// PrincipalToken is a machine calling with an API bearer token.
	PrincipalToken PrincipalKind = "token"
	// PrincipalOperator is a person at the command line of a vault node (see docs/ARCHITECTURE.md,
	// "The command line is break-glass"): every change it makes is audited as "cli:<os user>".
	PrincipalOperator PrincipalKind = "operator"
)

// Principal is who is acting: a user, a machine token or an operator at the command line. It is
// set once, by whoever authenticated the caller, and travels in the context (WithPrincipal);
// nothing below reads cookies or headers. Decisions about what it may do are made by the access
// rules (internal/access), never by a store.
type Principal struct {
	Kind PrincipalKind
	// ID is the user's or token's ID.
	ID   string
	Name string
	// Actor names the principal in audit events: "user:<name>", "token:<name>", "cli:<os user>".
	Actor Actor
	Roles []Role
	// SessionID is the hash of the session of a signed-in user; empty for other principals.
	SessionID string
	// SecondFactor reports that the user has a confirmed TOTP enrolment or a passkey.
	SecondFactor bool
	// NoticeAcknowledged reports that the user has acknowledged the current staff notice.
	NoticeAcknowledged bool
}

// Has reports whether p holds role r.
func (p *Principal) Has(r Role) bool { return p != nil && slices.Contains(p.Roles, r) }

// HasAny reports whether p holds any of roles.
func (p *Principal) HasAny(roles ...Role) bool {
	for _, r := range roles {
		if p.Has(r) {
			return true
		}
	}
	return false
}

// Operator returns the principal of a person at the command line, audited as actor
// ("cli:<os user>").
func Operator(actor Actor) *Principal {
	return &Principal{Kind: PrincipalOperator, Name: string(actor), Actor: actor}
}

// IsUser reports whether p is a signed-in person.
func (p *Principal) IsUser() bool { return p != nil && p.Kind == PrincipalUser }

type principalKey struct{}

// WithPrincipal returns a context carrying p, the authenticated caller of the work done under it.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal carried by ctx, or nil and false.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}
