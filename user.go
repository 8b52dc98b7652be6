package callvault

import (
	"strings"
	"time"
	"unicode"
)

// User is a person who signs in. Users are never deleted, because the audit log names them; a
// Director or the DPO disables them instead. Secrets are kept only as hashes (PasswordHash,
// RecoveryHashes, SetupHash); the TOTP secret is kept as it is, since checking a code needs it.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"` // unique, the sign-in name
	Email string `json:"email,omitempty"`
	Roles []Role `json:"roles"`

	PasswordHash string `json:"-"` // argon2id in PHC form; "" until a password is set
	// SetupHash is the SHA-256 (hex) of a one-time set-password link's secret, valid until
	// SetupExpires; "" when there is none.
	SetupHash    string     `json:"-"`
	SetupExpires *time.Time `json:"-"`

	TOTPSecret      string     `json:"-"` // base32; pending until TOTPConfirmedAt is set
	TOTPConfirmedAt *time.Time `json:"totp_confirmed_at,omitempty"`
	TOTPLastStep    int64      `json:"-"` // the last time step accepted, so a code is used once
	RecoveryHashes  []string   `json:"-"` // hashes of unused recovery codes

	FailedLogins int        `json:"-"` // wrong passwords since the last success or lockout
	LockedUntil  *time.Time `json:"locked_until,omitempty"`
	// SessionEpoch is incremented to end every session of the user at once (password change,
	// sign out everywhere, disabling): a session is valid only with the epoch it was made in.
	// A counter, not a time, so that nodes whose clocks differ agree.
	SessionEpoch int64 `json:"-"`

	NoticeVersion int        `json:"notice_version,omitempty"` // the staff notice version acknowledged
	NoticeAckAt   *time.Time `json:"notice_acknowledged_at,omitempty"`

	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	// Version counts the row's updates; UpdateUser writes only if it is unchanged (optimistic
	// concurrency), so two concurrent changes cannot lose one another.
	Version int64 `json:"-"`
}

// Has reports whether u holds role r.
func (u *User) Has(r Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Actor names u in audit events.
func (u *User) Actor() Actor { return Actor("user:" + u.Name) }

// Disabled reports whether u may no longer sign in.
func (u *User) Disabled() bool { return u.DisabledAt != nil }

// ValidateUserName returns KindInvalid unless name is 1 to 64 characters of letters, digits and
// . _ @ - (no spaces), so that it reads unambiguously in the audit log.
func ValidateUserName(name string) error {
	if name == "" || len(name) > 64 {
		return Errorf(KindInvalid, "a user name is 1 to 64 characters")
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune("._@-", r) {
			return Errorf(KindInvalid, "user name %q may hold only letters, digits and . _ @ -", name)
		}
	}
	return nil
}

// Validate returns KindInvalid for a user no catalogue may keep.
func (u *User) Validate() error {
	if !ValidID(u.ID) {
		return Errorf(KindInvalid, "user id %q is not an id", u.ID)
	}
	if err := ValidateUserName(u.Name); err != nil {
		return err
	}
	if len(u.Roles) == 0 {
		return Errorf(KindInvalid, "user %s has no role", u.Name)
	}
	for _, r := range u.Roles {
		if !r.HumanRole() {
			return Errorf(KindInvalid, "%q is not a role a user may hold (director, dpo, manager, staff, auditor)", r)
		}
	}
	if u.CreatedAt.IsZero() {
		return Errorf(KindInvalid, "user %s has no creation time", u.Name)
	}
	return nil
}

// Session is a signed-in browser. Only the SHA-256 of the cookie's secret is stored (ID). A
// session ends at ExpiresAt (absolute), after an idle gap longer than the configured idle
// timeout since LastSeenAt, at sign-out, or when the user's SessionEpoch moves past Epoch or the
// user is disabled.
type Session struct {
	ID         string    `json:"-"` // hex SHA-256 of the cookie secret
	UserID     string    `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Epoch      int64     `json:"-"` // the user's SessionEpoch when the session was made
}

// SessionPrefix starts every session cookie secret; SetupPrefix every set-password link secret.
const (
	SessionPrefix = "cvs_"
	SetupPrefix   = "cvl_"
)
