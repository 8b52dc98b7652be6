-- Import jobs (callvault.ImportJob): recordings a provider announced by webhook, fetched by a
-- job that claims them under a lease (claimed_by until claimed_until) and retries with backoff.
-- One job per (kind, key): a callback delivered twice queues one fetch.
CREATE TABLE import_jobs (
	id              TEXT    PRIMARY KEY,
	kind            TEXT    NOT NULL,
	key             TEXT    NOT NULL,
	payload         TEXT    NOT NULL,
	created_at      INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	done_at         INTEGER,
	outcome         TEXT    NOT NULL DEFAULT '',
	recording_id    TEXT    NOT NULL DEFAULT '',
	last_error      TEXT    NOT NULL DEFAULT '',
	claimed_by      TEXT,
	claimed_until   INTEGER,
	UNIQUE (kind, key)
);
CREATE INDEX import_jobs_due ON import_jobs (next_attempt_at, id) WHERE done_at IS NULL;
