package callvault

import (
	"strings"
	"testing"
)

// FuzzValidateHoldReason: a reason is accepted only if it is non-blank UTF-8 text within the
// limit without control characters other than newlines and tabs; anything else is KindInvalid.
func FuzzValidateHoldReason(f *testing.F) {
	for _, s := range []string{"complaint 17", "", "  ", "a\x00b", "line\nline\ttab", "\xff", strings.Repeat("x", MaxHoldReason+1), "é \u200b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateHoldReason(s)
		if err != nil {
			if !IsKind(err, KindInvalid) {
				t.Fatalf("ValidateHoldReason(%q): %v", s, err)
			}
			return
		}
		if strings.TrimSpace(s) == "" || len(s) > MaxHoldReason || !printable(strings.NewReplacer("\n", "", "\t", "").Replace(s)) {
			t.Fatalf("ValidateHoldReason accepted %q", s)
		}
	})
}
