-- People and purpose-bound access: users, sessions, access requests, grants, delegations.

CREATE TABLE users (
	id                  text        PRIMARY KEY,
	name                text        NOT NULL UNIQUE,
	email               text        NOT NULL,
	roles               text[]      NOT NULL,
	password_hash       text        NOT NULL, -- argon2id PHC string, '' until set
	setup_hash          text        UNIQUE,   -- SHA-256 of a one-time set-password link
	setup_expires       timestamptz,
	totp_secret         text        NOT NULL,
	totp_confirmed_at   timestamptz,
	totp_last_step      bigint      NOT NULL,
	recovery_hashes     text[]      NOT NULL,
	failed_logins       integer     NOT NULL,
	locked_until        timestamptz,
	session_epoch       bigint      NOT NULL,
	notice_version      integer     NOT NULL,
	notice_ack_at       timestamptz,
	created_at          timestamptz NOT NULL,
	disabled_at         timestamptz,
	version             bigint      NOT NULL
);

CREATE TABLE sessions (
	id           text        PRIMARY KEY, -- SHA-256 of the cookie secret
	user_id      text        NOT NULL REFERENCES users (id),
	created_at   timestamptz NOT NULL,
	last_seen_at timestamptz NOT NULL,
	expires_at   timestamptz NOT NULL,
	epoch        bigint      NOT NULL  -- the user's session_epoch when it was made
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE access_requests (
	id                text        PRIMARY KEY,
	requester_id      text        NOT NULL REFERENCES users (id),
	requester_name    text        NOT NULL,
	purpose           text        NOT NULL,
	reason            text        NOT NULL,
	call_time         timestamptz,
	call_from         timestamptz,
	call_to           timestamptz,
	extension         text        NOT NULL,
	external_number   text        NOT NULL,
	parties           text[]      NOT NULL,
	other_information text        NOT NULL,
	matched           text[]      NOT NULL,
	status            text        NOT NULL,
	created_at        timestamptz NOT NULL,
	decider_id        text        NOT NULL,
	decider_name      text        NOT NULL,
	decided_at        timestamptz,
	statement         text        NOT NULL,
	self_approved     boolean     NOT NULL,
	grant_id          text        NOT NULL
);

CREATE INDEX access_requests_requester ON access_requests (requester_id, created_at);
CREATE INDEX access_requests_status ON access_requests (status, created_at);

CREATE TABLE grants (
	id         text        PRIMARY KEY,
	request_id text        NOT NULL UNIQUE REFERENCES access_requests (id),
	user_id    text        NOT NULL REFERENCES users (id),
	download   boolean     NOT NULL,
	created_at timestamptz NOT NULL,
	expires_at timestamptz NOT NULL,
	revoked_at timestamptz,
	revoked_by text        NOT NULL
);

-- Not a foreign key to recordings: a grant names recordings that retention may delete.
CREATE TABLE grant_recordings (
	grant_id     text NOT NULL REFERENCES grants (id),
	recording_id text NOT NULL,
	PRIMARY KEY (grant_id, recording_id)
);

CREATE INDEX grant_recordings_recording ON grant_recordings (recording_id, grant_id);

CREATE TABLE delegations (
	id            text        PRIMARY KEY,
	delegate_id   text        NOT NULL REFERENCES users (id),
	delegate_name text        NOT NULL,
	grantor_id    text        NOT NULL REFERENCES users (id),
	grantor_name  text        NOT NULL,
	statement     text        NOT NULL,
	from_at       timestamptz NOT NULL,
	until_at      timestamptz NOT NULL,
	created_at    timestamptz NOT NULL,
	revoked_at    timestamptz
);

CREATE INDEX delegations_delegate ON delegations (delegate_id, created_at);
