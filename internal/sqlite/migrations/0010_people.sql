-- People and purpose-bound access: users, sessions, access requests, grants, delegations.
-- Times are INTEGER microseconds since the Unix epoch (UTC).

CREATE TABLE users (
	id                  TEXT    PRIMARY KEY,
	name                TEXT    NOT NULL UNIQUE,
	email               TEXT    NOT NULL,
	roles               TEXT    NOT NULL, -- JSON array of roles
	password_hash       TEXT    NOT NULL, -- argon2id PHC string, '' until set
	setup_hash          TEXT    UNIQUE,   -- SHA-256 of a one-time set-password link, NULL when none
	setup_expires       INTEGER,
	totp_secret         TEXT    NOT NULL,
	totp_confirmed_at   INTEGER,
	totp_last_step      INTEGER NOT NULL,
	recovery_hashes     TEXT    NOT NULL, -- JSON array of hashes of unused recovery codes
	failed_logins       INTEGER NOT NULL,
	locked_until        INTEGER,
	session_epoch       INTEGER NOT NULL,
	notice_version      INTEGER NOT NULL,
	notice_ack_at       INTEGER,
	created_at          INTEGER NOT NULL,
	disabled_at         INTEGER,
	version             INTEGER NOT NULL
);

CREATE TABLE sessions (
	id           TEXT    PRIMARY KEY, -- SHA-256 of the cookie secret
	user_id      TEXT    NOT NULL REFERENCES users (id),
	created_at   INTEGER NOT NULL,
	last_seen_at INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	epoch        INTEGER NOT NULL  -- the user's session_epoch when it was made
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE access_requests (
	id                TEXT    PRIMARY KEY,
	requester_id      TEXT    NOT NULL REFERENCES users (id),
	requester_name    TEXT    NOT NULL,
	purpose           TEXT    NOT NULL,
	reason            TEXT    NOT NULL,
	call_time         INTEGER,
	call_from         INTEGER,
	call_to           INTEGER,
	extension         TEXT    NOT NULL,
	external_number   TEXT    NOT NULL,
	parties           TEXT    NOT NULL, -- JSON array of names
	other_information TEXT    NOT NULL,
	matched           TEXT    NOT NULL, -- JSON array of recording ids
	status            TEXT    NOT NULL,
	created_at        INTEGER NOT NULL,
	decider_id        TEXT    NOT NULL,
	decider_name      TEXT    NOT NULL,
	decided_at        INTEGER,
	statement         TEXT    NOT NULL,
	self_approved     INTEGER NOT NULL,
	grant_id          TEXT    NOT NULL
);

CREATE INDEX access_requests_requester ON access_requests (requester_id, created_at);
CREATE INDEX access_requests_status ON access_requests (status, created_at);

CREATE TABLE grants (
	id         TEXT    PRIMARY KEY,
	request_id TEXT    NOT NULL UNIQUE REFERENCES access_requests (id),
	user_id    TEXT    NOT NULL REFERENCES users (id),
	download   INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked_at INTEGER,
	revoked_by TEXT    NOT NULL
);

-- Not a foreign key to recordings: a grant names recordings that retention may delete.
CREATE TABLE grant_recordings (
	grant_id     TEXT NOT NULL REFERENCES grants (id),
	recording_id TEXT NOT NULL,
	PRIMARY KEY (grant_id, recording_id)
);

CREATE INDEX grant_recordings_recording ON grant_recordings (recording_id, grant_id);

CREATE TABLE delegations (
	id            TEXT    PRIMARY KEY,
	delegate_id   TEXT    NOT NULL REFERENCES users (id),
	delegate_name TEXT    NOT NULL,
	grantor_id    TEXT    NOT NULL REFERENCES users (id),
	grantor_name  TEXT    NOT NULL,
	statement     TEXT    NOT NULL,
	from_at       INTEGER NOT NULL,
	until_at      INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	revoked_at    INTEGER
);

CREATE INDEX delegations_delegate ON delegations (delegate_id, created_at);
