-- Names in the subject index are now folded accent-insensitively as well (callvault.NormalizeName:
-- NFKD, the nonspacing marks of Latin, Greek and Cyrillic letters dropped, ß as ss, ø as o, ...),
-- so that "Jose Garcia" finds a recording of "José García". SQL cannot apply the fold: migrate
-- re-folds the indexed names in Go, in this migration's transaction (refoldNames). Every name
-- the new fold changes has a character outside printable ASCII, which is what refoldNames reads.
SELECT 1;
