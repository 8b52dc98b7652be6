-- Cases of the DPO's desk (callvault.Case). The case is kept whole as a JSON document (doc);
-- the columns beside it are what lists and references need. References are numbered per
-- prefix and year (SAR-2026-0007).
CREATE TABLE cases (
	id         TEXT    PRIMARY KEY,
	reference  TEXT    NOT NULL UNIQUE,
	type       TEXT    NOT NULL,
	status     TEXT    NOT NULL,
	ref_prefix TEXT    NOT NULL,
	ref_year   INTEGER NOT NULL,
	ref_seq    INTEGER NOT NULL,
	version    INTEGER NOT NULL,
	doc        TEXT    NOT NULL,
	UNIQUE (ref_prefix, ref_year, ref_seq)
);
CREATE INDEX cases_status ON cases (status, id);
