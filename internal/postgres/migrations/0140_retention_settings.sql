-- The retention period's versions, set in the browser by Directors. A version is never changed
-- or removed; the highest is the period every node uses (while none is stored, the
-- configuration's retention_months is). author is the actor who set it.
CREATE TABLE retention_settings (
	version    integer     PRIMARY KEY,
	months     integer     NOT NULL CHECK (months BETWEEN 1 AND 120),
	reason     text        NOT NULL,
	author     text        NOT NULL,
	created_at timestamptz NOT NULL
);
