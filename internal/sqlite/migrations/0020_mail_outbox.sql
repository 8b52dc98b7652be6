-- The outbox of outgoing mail (callvault.MailMessage). A message is written in the transaction
-- of the change that caused it and delivered by a sender that claims it under a lease
-- (claimed_by until claimed_until). Bodies hold a reference and a link, never call details.
CREATE TABLE mail_outbox (
	id              TEXT    PRIMARY KEY,
	recipients      TEXT    NOT NULL, -- JSON array of addresses
	subject         TEXT    NOT NULL,
	body            TEXT    NOT NULL,
	kind            TEXT    NOT NULL,
	reference       TEXT    NOT NULL,
	link            TEXT    NOT NULL,
	created_at      INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	sent_at         INTEGER,
	last_error      TEXT    NOT NULL DEFAULT '',
	claimed_by      TEXT,
	claimed_until   INTEGER
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE sent_at IS NULL;
