-- Legal holds (callvault.Hold). A recording with an active hold (released_at IS NULL) cannot be
-- deleted: DeleteRecording checks this in its own transaction, after locking the recording's
-- row, which PlaceHold locks too. Released holds stay as a record.
CREATE TABLE holds (
	id             text        PRIMARY KEY,
	recording_id   text        NOT NULL REFERENCES recordings (id),
	reason         text        NOT NULL,
	case_id        text        NOT NULL DEFAULT '',
	review_at      timestamptz NOT NULL,
	placed_by      text        NOT NULL,
	placed_at      timestamptz NOT NULL,
	released_by    text        NOT NULL DEFAULT '',
	released_at    timestamptz,
	release_reason text        NOT NULL DEFAULT ''
);
CREATE INDEX holds_active ON holds (recording_id) WHERE released_at IS NULL;
CREATE INDEX holds_recording ON holds (recording_id, id);
