package retention_test

import (
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

// FuzzParseReviewDate: any input is either a date that formats back to itself or KindInvalid.
func FuzzParseReviewDate(f *testing.F) {
	for _, s := range []string{"2027-03-01", "2026-02-29", "2024-02-29", " 2027-01-01 ", "", "2027-13-01", "01/02/2027", "2027-03-01T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := retention.ParseReviewDate(s, nil)
		if err != nil {
			if !callvault.IsKind(err, callvault.KindInvalid) {
				t.Fatalf("ParseReviewDate(%q): %v is not KindInvalid", s, err)
			}
			return
		}
		if d.Hour() != 0 || d.Minute() != 0 || d.Location() != callvault.DefaultZone() {
			t.Fatalf("ParseReviewDate(%q) = %v, not the start of a day in %s", s, d, callvault.DefaultZoneName)
		}
		if _, err := retention.ParseReviewDate(d.Format(time.DateOnly), nil); err != nil {
			t.Fatalf("ParseReviewDate(%q) = %v does not read back: %v", s, d, err)
		}
	})
}
