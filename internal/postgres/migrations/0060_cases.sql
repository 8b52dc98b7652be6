-- Cases of the DPO's desk (callvault.Case). The case is kept whole as a JSON document (doc);
-- the columns beside it are what lists and references need. References are numbered per
-- prefix and year (SAR-2026-0007).
CREATE TABLE cases (
	id         text    PRIMARY KEY,
	reference  text    NOT NULL UNIQUE,
	type       text    NOT NULL,
	status     text    NOT NULL,
	ref_prefix text    NOT NULL,
	ref_year   integer NOT NULL,
	ref_seq    integer NOT NULL,
	version    integer NOT NULL,
	doc        text    NOT NULL,
	UNIQUE (ref_prefix, ref_year, ref_seq)
);
CREATE INDEX cases_status ON cases (status, id);
