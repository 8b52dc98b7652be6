-- Passkeys (WebAuthn credentials) people registered as a second factor. credential is the
-- WebAuthn library's record as JSON (public key, flags, AAGUID); nothing in it is secret.
CREATE TABLE passkeys (
	id           text        PRIMARY KEY, -- the credential ID, base64url
	user_id      text        NOT NULL REFERENCES users (id),
	name         text        NOT NULL,
	credential   text        NOT NULL,
	sign_count   bigint      NOT NULL,
	created_at   timestamptz NOT NULL,
	last_used_at timestamptz
);

CREATE INDEX passkeys_user ON passkeys (user_id);
