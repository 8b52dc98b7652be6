package callvault

import (
	"context"
	"time"
)

// Passkey is a WebAuthn credential a person registered as a second factor (directors, the DPO
// and managers may use one instead of an authenticator app). Nothing in it is secret: the
// private key never leaves the person's authenticator.
type Passkey struct {
	// ID is the credential ID, base64url without padding.
	ID     string
	UserID string
	// Name is the person's own label ("work laptop"), shown when they list or remove passkeys.
	Name string
	// Credential is the WebAuthn library's credential record (JSON): the public key, flags,
	// AAGUID and transports. The store keeps it as given.
	Credential []byte
	// SignCount is the authenticator's signature counter at the last use; a use whose counter
	// does not rise above it (when either is non-zero) is a sign of a cloned authenticator.
	SignCount  uint32
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// MaxPasskeyNameLength bounds a passkey's name.
const MaxPasskeyNameLength = 60

// PasskeyStore keeps passkeys. Registering, removing and using a passkey are audited in the
// same transaction.
type PasskeyStore interface {
	// CreatePasskey inserts k and ev; KindInvalid without an ID, user or credential,
	// KindConflict if a passkey with the ID exists.
	CreatePasskey(ctx context.Context, k *Passkey, ev *AuditEvent) error
	// Passkeys returns the passkeys of user userID, oldest first.
	Passkeys(ctx context.Context, userID string) ([]*Passkey, error)
	// UsePasskey records a use: SignCount becomes count and LastUsedAt at, only if the stored
	// SignCount is still prev (KindConflict otherwise: another use was recorded meanwhile),
	// and appends ev. KindNotFound if there is no such passkey.
	UsePasskey(ctx context.Context, id string, prev, count uint32, at time.Time, ev *AuditEvent) error
	// DeletePasskey removes passkey id of user userID and appends ev; KindNotFound if that user
	// has no such passkey.
	DeletePasskey(ctx context.Context, userID, id string, ev *AuditEvent) error
}

// PasskeyImporter is an optional capability of a catalogue: it stores a passkey exactly as
// given, without an audit event, for migration between backends (whose audit log is copied
// verbatim). KindConflict, writing nothing, if a passkey with the ID exists.
type PasskeyImporter interface {
	ImportPasskey(ctx context.Context, k *Passkey) error
}

// Audit actions of passkeys.
const (
	ActionPasskeyRegister = "auth.passkey_register"
	ActionPasskeyRemove   = "auth.passkey_remove"
	ActionPasskeyUse      = "auth.passkey_use"
	// ActionPasskeyRefused is a sign-in refused because of the passkey: a bad assertion, or a
	// signature counter that did not rise (a cloned authenticator).
	ActionPasskeyRefused = "auth.passkey_refused"
)
