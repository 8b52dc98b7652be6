// Package identity signs people in: users and their set-password links, password hashing
// (argon2id) and policy, sessions with idle and absolute expiry, lockout and per-address
// throttling, TOTP second factors with hashed recovery codes, and the staff notice each user
// acknowledges. What a signed-in person may then do is decided by internal/access.
package identity
