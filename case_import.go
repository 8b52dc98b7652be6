package callvault

import (
	"context"
	"strconv"
	"strings"
)

// CaseImporter is an optional capability of a catalogue: it stores a case exactly as given
// (its reference, version, history and closing record), without an audit event, for migration
// between backends (whose audit log is copied verbatim). New cases are numbered after the
// imported ones. KindInvalid if c is invalid or its reference is not of its type, KindConflict
// (writing nothing) if its ID or reference exists.
type CaseImporter interface {
	ImportCase(ctx context.Context, c *Case) error
}

// ParseCaseReference splits a reference ("SAR-2026-0007") of a case of type t into its prefix,
// year and number; KindInvalid if it is not one, or not of t.
func ParseCaseReference(t CaseType, ref string) (prefix string, year, seq int, err error) {
	bad := Errorf(KindInvalid, "case: reference %q is not a %s reference (%s-YYYY-NNNN)", ref, t, t.ReferencePrefix())
	if !ValidCaseReference(ref) {
		return "", 0, 0, bad
	}
	parts := strings.SplitN(ref, "-", 3)
	if parts[0] != t.ReferencePrefix() {
		return "", 0, 0, bad
	}
	year, err1 := strconv.Atoi(parts[1])
	seq, err2 := strconv.Atoi(parts[2])
	// Only the canonical form: "SAR-2026-00007" would be a second name of case 7.
	if err1 != nil || err2 != nil || seq < 1 || CaseReference(parts[0], year, seq) != ref {
		return "", 0, 0, bad
	}
	return parts[0], year, seq, nil
}
