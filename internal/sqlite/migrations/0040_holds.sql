-- Legal holds (callvault.Hold). A recording with an active hold (released_at IS NULL) cannot be
-- deleted: DeleteRecording checks this in its own transaction. Released holds stay as a record.
CREATE TABLE holds (
	id             TEXT    PRIMARY KEY,
	recording_id   TEXT    NOT NULL REFERENCES recordings (id),
	reason         TEXT    NOT NULL,
	case_id        TEXT    NOT NULL DEFAULT '',
	review_at      INTEGER NOT NULL,
	placed_by      TEXT    NOT NULL,
	placed_at      INTEGER NOT NULL,
	released_by    TEXT    NOT NULL DEFAULT '',
	released_at    INTEGER,
	release_reason TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX holds_active ON holds (recording_id) WHERE released_at IS NULL;
CREATE INDEX holds_recording ON holds (recording_id, id);
