-- The recording notice's versions, edited in the browser by Directors and the DPO. A version is
-- never changed or removed; the highest is the notice everyone acknowledges. author is the
-- actor who saved it ("config" for the configuration file's text). created_at is INTEGER
-- microseconds since the Unix epoch (UTC).
CREATE TABLE notice_versions (
	version    INTEGER PRIMARY KEY,
	text       TEXT    NOT NULL,
	note       TEXT    NOT NULL,
	author     TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);
