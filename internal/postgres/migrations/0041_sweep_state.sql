-- The retention sweep's state for the compliance status (callvault.SweepState): one row per
-- outcome ('ok', 'failed'), replaced by each run, and since when runs have failed.
CREATE TABLE sweep_runs (
	outcome       text        PRIMARY KEY CHECK (outcome IN ('ok', 'failed')),
	node          text        NOT NULL,
	started_at    timestamptz NOT NULL,
	finished_at   timestamptz NOT NULL,
	deleted       integer     NOT NULL,
	held          integer     NOT NULL,
	error         text        NOT NULL DEFAULT '',
	failing_since timestamptz
);

-- The retention months the live recordings' retain_until follow, and the progress of a
-- recompute to a new setting (target, after: the last recording ID done).
CREATE TABLE retention_setting (
	id      integer PRIMARY KEY CHECK (id = 1),
	applied integer NOT NULL,
	target  integer NOT NULL,
	after   text    NOT NULL
);
