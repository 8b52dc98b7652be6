-- The recording notice's versions, edited in the browser by Directors and the DPO. A version is
-- never changed or removed; the highest is the notice everyone acknowledges. author is the
-- actor who saved it ("config" for the configuration file's text).
CREATE TABLE notice_versions (
	version    integer     PRIMARY KEY,
	text       text        NOT NULL,
	note       text        NOT NULL,
	author     text        NOT NULL,
	created_at timestamptz NOT NULL
);
