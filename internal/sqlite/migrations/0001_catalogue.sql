-- The catalogue: recordings and their subject index, the audit log, tokens and leases.
-- Times are INTEGER microseconds since the Unix epoch (UTC), so they round-trip exactly.

CREATE TABLE recordings (
	id                  TEXT    PRIMARY KEY,
	started_at          INTEGER NOT NULL,
	ended_at            INTEGER,
	duration_ns         INTEGER NOT NULL,
	direction           TEXT    NOT NULL,
	extensions          TEXT    NOT NULL, -- JSON array of strings
	external_numbers    TEXT    NOT NULL, -- JSON array of callvault.Number
	parties             TEXT    NOT NULL, -- JSON array of callvault.Party
	line                TEXT    NOT NULL,
	source              TEXT    NOT NULL,
	source_id           TEXT    NOT NULL,
	announcement_played TEXT    NOT NULL,
	codec               TEXT    NOT NULL,
	sample_rate         INTEGER NOT NULL,
	channels            INTEGER NOT NULL,
	plain_size          INTEGER NOT NULL,
	stored_size         INTEGER NOT NULL,
	plain_sha256        TEXT    NOT NULL,
	stored_sha256       TEXT    NOT NULL,
	blob_key            TEXT    NOT NULL,
	key_epoch           TEXT    NOT NULL,
	header              BLOB,             -- NULL once shredded
	retain_until        INTEGER NOT NULL,
	created_at          INTEGER NOT NULL,
	attributes          TEXT    NOT NULL, -- JSON object of strings
	deleted_at          INTEGER,          -- set on the tombstone of a deleted recording
	UNIQUE (source, source_id)
);

CREATE INDEX recordings_started ON recordings (started_at, id) WHERE deleted_at IS NULL;
CREATE INDEX recordings_retain ON recordings (retain_until, id) WHERE deleted_at IS NULL;

CREATE TABLE recording_subjects (
	recording_id TEXT    NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
	kind         TEXT    NOT NULL,
	value        TEXT    NOT NULL,
	started_at   INTEGER NOT NULL, -- copied from the recording so a search never reads recordings to filter
	PRIMARY KEY (recording_id, kind, value)
);

CREATE INDEX recording_subjects_search ON recording_subjects (kind, value, started_at, recording_id);

CREATE TABLE audit_events (
	seq        INTEGER PRIMARY KEY,
	time_us    INTEGER NOT NULL,
	actor      TEXT    NOT NULL,
	action     TEXT    NOT NULL,
	object     TEXT    NOT NULL,
	purpose    TEXT    NOT NULL,
	request_id TEXT    NOT NULL,
	detail     TEXT    NOT NULL,
	prev_hash  TEXT    NOT NULL,
	hash       TEXT    NOT NULL
);

CREATE TABLE audit_checkpoints (
	id        INTEGER PRIMARY KEY,
	seq       INTEGER NOT NULL,
	hash      TEXT    NOT NULL,
	time_us   INTEGER NOT NULL,
	key_id    TEXT    NOT NULL,
	signature TEXT    NOT NULL
);

CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq, id);

CREATE TABLE tokens (
	id         TEXT    PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE,
	role       TEXT    NOT NULL,
	hash       TEXT    NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);

CREATE TABLE leases (
	name       TEXT    PRIMARY KEY,
	holder     TEXT    NOT NULL,
	expires_at INTEGER NOT NULL
);
