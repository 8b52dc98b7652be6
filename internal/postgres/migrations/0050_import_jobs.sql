-- Import jobs (callvault.ImportJob): recordings a provider announced by webhook, fetched by a
-- job that claims them under a lease (claimed_by until claimed_until) and retries with backoff.
-- One job per (kind, key): a callback delivered twice queues one fetch.
CREATE TABLE import_jobs (
	id              text        PRIMARY KEY,
	kind            text        NOT NULL,
	key             text        NOT NULL,
	payload         text        NOT NULL,
	created_at      timestamptz NOT NULL,
	attempts        integer     NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	done_at         timestamptz,
	outcome         text        NOT NULL DEFAULT '',
	recording_id    text        NOT NULL DEFAULT '',
	last_error      text        NOT NULL DEFAULT '',
	claimed_by      text,
	claimed_until   timestamptz,
	UNIQUE (kind, key)
);
CREATE INDEX import_jobs_due ON import_jobs (next_attempt_at, id) WHERE done_at IS NULL;
