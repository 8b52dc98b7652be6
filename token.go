package callvault

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Role is what a user or a machine token may do. Decisions about roles are made in one place
// (the access rules above the stores), never inside a store.
type Role string

const (
	// RoleRecorder is a machine role: it may only add recordings (upload, SIPREC, import).
	RoleRecorder Role = "recorder"
	// RoleAuditor is a machine role: it may read the audit log and verify it, never audio.
	RoleAuditor Role = "auditor"
	// RoleManager is senior management. As a machine role it may control live recordings
	// (pause and resume, for a supervisor's desk or a CRM integration that knows a card payment
	// is starting); never audio. A human manager may also authorise access requests.
	RoleManager Role = "manager"

	// Human roles (users). RoleManager and RoleAuditor are human roles too.

	// RoleDirector is a company director: manages users and authorises access requests.
	RoleDirector Role = "director"
	// RoleDPO is the Data Protection Officer: manages users, authorises disciplinary requests
	// and delegates that authority.
	RoleDPO Role = "dpo"
	// RoleStaff may request access to recordings, and listen under an approved request.
	RoleStaff Role = "staff"
)

// HumanRoles lists the roles a user may hold, in the order people read them.
var HumanRoles = []Role{RoleDirector, RoleDPO, RoleManager, RoleStaff, RoleAuditor}

// HumanRole reports whether r is a role a user may hold.
func (r Role) HumanRole() bool {
	switch r {
	case RoleDirector, RoleDPO, RoleManager, RoleStaff, RoleAuditor:
		return true
	}
	return false
}

// Valid reports whether r is a role a token can have.
func (r Role) Valid() bool {
	switch r {
	case RoleRecorder, RoleAuditor, RoleManager:
		return true
	}
	return false
}

// Token is an API bearer token of a machine role. Only the SHA-256 of the secret is stored; the
// secret is shown once, when the token is created.
type Token struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      Role       `json:"role"`
	Hash      string     `json:"-"` // hex SHA-256 of the secret
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// Actor identifies who did something, for audit events: "token:<name>", "user:<name>",
// "system", "cli:<os user>".
type Actor string

// ActorSystem is the actor of background jobs and startup tasks.
const ActorSystem Actor = "system"

// TokenPrefix starts every API token secret, so that a leaked token is easy to recognise (and
// secret scanners can find it).
const TokenPrefix = "cv_"

// NewTokenSecret returns a fresh token secret (TokenPrefix and 256 random bits) and the hash
// that is stored instead of it.
func NewTokenSecret() (secret, hash string) {
	var b [32]byte
	rand.Read(b[:])
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// HashToken returns the hex SHA-256 of a presented token secret, the whole string included.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
