-- The outbox of outgoing mail (callvault.MailMessage). A message is written in the transaction
-- of the change that caused it and delivered by a sender that claims it under a lease
-- (claimed_by until claimed_until). Bodies hold a reference and a link, never call details.
CREATE TABLE mail_outbox (
	id              text        PRIMARY KEY,
	recipients      text[]      NOT NULL,
	subject         text        NOT NULL,
	body            text        NOT NULL,
	kind            text        NOT NULL,
	reference       text        NOT NULL,
	link            text        NOT NULL,
	created_at      timestamptz NOT NULL,
	attempts        integer     NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL,
	sent_at         timestamptz,
	last_error      text        NOT NULL DEFAULT '',
	claimed_by      text,
	claimed_until   timestamptz
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE sent_at IS NULL;
