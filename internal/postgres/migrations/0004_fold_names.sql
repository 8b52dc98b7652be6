-- Names in the subject index are now folded with format characters removed and NFKC applied
-- (callvault.NormalizeName), so that invisible characters cannot hide a recording from a
-- subject search. SQL cannot apply NFKC: migrate re-folds the indexed names in Go, in this
-- migration's transaction (refoldNames). Nothing to do here.
SELECT 1;
