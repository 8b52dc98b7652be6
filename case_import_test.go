package callvault_test

import (
	"testing"

	"github.com/callvault/callvault"
)

func TestParseCaseReference(t *testing.T) {
	for _, c := range []struct {
		t    callvault.CaseType
		ref  string
		ok   bool
		year int
		seq  int
	}{
		{callvault.CaseSubjectAccess, "SAR-2026-0007", true, 2026, 7},
		{callvault.CaseAbusiveCall, "ABU-2027-12345", true, 2027, 12345},
		{callvault.CaseSubjectAccess, "CMP-2026-0007", false, 0, 0},
		{callvault.CaseSubjectAccess, "SAR-2026-0000", false, 0, 0},
		{callvault.CaseSubjectAccess, "SAR-2026-007", false, 0, 0},
		{callvault.CaseSubjectAccess, "SAR-2026-00007", false, 0, 0},
		{callvault.CaseSubjectAccess, "sar-2026-0007", false, 0, 0},
		{"parking", "PRK-2026-0001", false, 0, 0},
	} {
		_, year, seq, err := callvault.ParseCaseReference(c.t, c.ref)
		if (err == nil) != c.ok || year != c.year || seq != c.seq {
			t.Errorf("ParseCaseReference(%s, %q) = %d, %d, %v", c.t, c.ref, year, seq, err)
		}
		if err != nil && !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("ParseCaseReference(%q): %v is not KindInvalid", c.ref, err)
		}
	}
}

// FuzzParseCaseReference: any text is a reference that formats back to itself, or invalid.
func FuzzParseCaseReference(f *testing.F) {
	f.Add("SAR-2026-0007")
	f.Add("EXT-0000-99999999999999999999")
	f.Add("SAR-2026-0000")
	f.Fuzz(func(t *testing.T, ref string) {
		for _, typ := range callvault.CaseTypes {
			prefix, year, seq, err := callvault.ParseCaseReference(typ, ref)
			if err != nil {
				if !callvault.IsKind(err, callvault.KindInvalid) {
					t.Fatalf("%q: %v", ref, err)
				}
				continue
			}
			if prefix != typ.ReferencePrefix() || seq < 1 || callvault.CaseReference(prefix, year, seq) != ref {
				t.Fatalf("%q parsed as %s %d %d", ref, prefix, year, seq)
			}
		}
	})
}
