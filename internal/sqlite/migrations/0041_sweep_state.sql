-- The retention sweep's state for the compliance status (callvault.SweepState): one row per
-- outcome ('ok', 'failed'), replaced by each run, and since when runs have failed.
CREATE TABLE sweep_runs (
	outcome     TEXT    PRIMARY KEY CHECK (outcome IN ('ok', 'failed')),
	node        TEXT    NOT NULL,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	deleted     INTEGER NOT NULL,
	held        INTEGER NOT NULL,
	error       TEXT    NOT NULL DEFAULT '',
	failing_since INTEGER
);

-- The retention months the live recordings' retain_until follow, and the progress of a
-- recompute to a new setting (target, after: the last recording ID done).
CREATE TABLE retention_setting (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	applied INTEGER NOT NULL,
	target  INTEGER NOT NULL,
	after   TEXT    NOT NULL
);
