-- Recordings. Times are timestamptz (microseconds); zero Go times are stored as NULL.
-- A deleted recording keeps a tombstone (deleted_at set, header and sidecar destroyed).
CREATE TABLE recordings (
	id                  text PRIMARY KEY,
	started_at          timestamptz NOT NULL,
	ended_at            timestamptz,
	duration_ns         bigint NOT NULL,
	direction           text NOT NULL,
	extensions          jsonb,
	external_numbers    jsonb,
	parties             jsonb,
	line                text NOT NULL,
	source              text NOT NULL,
	source_id           text NOT NULL,
	announcement_played text NOT NULL,
	codec               text NOT NULL,
	sample_rate         integer NOT NULL,
	channels            integer NOT NULL,
	plain_size          bigint NOT NULL,
	stored_size         bigint NOT NULL,
	plain_sha256        text NOT NULL,
	stored_sha256       text NOT NULL,
	blob_key            text NOT NULL,
	key_epoch           text NOT NULL,
	header              bytea,
	sidecar             bytea,
	retain_until        timestamptz,
	created_at          timestamptz,
	attributes          jsonb,
	deleted_at          timestamptz,
	UNIQUE (source, source_id)
);

CREATE INDEX recordings_retain_until ON recordings (retain_until, id) WHERE deleted_at IS NULL;
CREATE INDEX recordings_started_at ON recordings (started_at, id) WHERE deleted_at IS NULL;

-- The subject index for subject access searches: one row per (recording, kind, value).
-- Rows of a deleted recording are removed with it.
CREATE TABLE recording_subjects (
	kind         text NOT NULL,
	value        text NOT NULL,
	started_at   timestamptz NOT NULL,
	recording_id text NOT NULL REFERENCES recordings (id),
	PRIMARY KEY (recording_id, kind, value)
);

CREATE INDEX recording_subjects_search ON recording_subjects (kind, value, started_at, recording_id);

-- The hash-chained audit log. seq is assigned under an advisory lock, never by a sequence,
-- so that it has no gaps.
CREATE TABLE audit_events (
	seq        bigint PRIMARY KEY,
	time       timestamptz NOT NULL,
	actor      text NOT NULL,
	action     text NOT NULL,
	object     text NOT NULL,
	purpose    text NOT NULL,
	request_id text NOT NULL,
	detail     text NOT NULL,
	prev_hash  text NOT NULL,
	hash       text NOT NULL
);

-- Checkpoints are kept as added; several may name one seq (for example after a restart).
CREATE TABLE audit_checkpoints (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	seq       bigint NOT NULL,
	hash      text NOT NULL,
	time      timestamptz NOT NULL,
	key_id    text NOT NULL,
	signature text NOT NULL
);

CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq, id);

CREATE TABLE tokens (
	id         text PRIMARY KEY,
	name       text NOT NULL UNIQUE,
	role       text NOT NULL,
	hash       text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL,
	revoked_at timestamptz
);

CREATE TABLE leases (
	name       text PRIMARY KEY,
	holder     text NOT NULL,
	expires_at timestamptz NOT NULL
);
