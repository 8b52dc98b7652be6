-- Passkeys (WebAuthn credentials) people registered as a second factor. credential is the
-- WebAuthn library's record as JSON (public key, flags, AAGUID); nothing in it is secret.
-- Times are INTEGER microseconds since the Unix epoch (UTC).
CREATE TABLE passkeys (
	id           TEXT    PRIMARY KEY, -- the credential ID, base64url
	user_id      TEXT    NOT NULL REFERENCES users (id),
	name         TEXT    NOT NULL,
	credential   TEXT    NOT NULL,
	sign_count   INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER
);

CREATE INDEX passkeys_user ON passkeys (user_id);
