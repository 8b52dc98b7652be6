-- The retention period's versions, set in the browser by Directors. A version is never changed
-- or removed; the highest is the period every node uses (while none is stored, the
-- configuration's retention_months is). author is the actor who set it. created_at is INTEGER
-- microseconds since the Unix epoch (UTC).
CREATE TABLE retention_settings (
	version    INTEGER PRIMARY KEY,
	months     INTEGER NOT NULL CHECK (months BETWEEN 1 AND 120),
	reason     TEXT    NOT NULL,
	author     TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
