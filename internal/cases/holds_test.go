package cases

import (
	"testing"
	"time"
)

// A review date is a date in the organisation's zone (its start) or an RFC 3339 time; today is
// allowed, anything before now is not, nor anything more than ten years ahead.
func TestParseReview(t *testing.T) {
	now := time.Date(2026, 12, 3, 23, 30, 0, 0, time.UTC) // 23:30 in London too (GMT)
	s := &Service{Now: func() time.Time { return now }}
	for _, tc := range []struct {
		in      string
		want    time.Time
		problem string
	}{
		{"2026-12-03", time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), ""},
		{" 2027-06-01 ", time.Date(2027, 5, 31, 23, 0, 0, 0, time.UTC), ""}, // BST: the day starts at 23:00 UTC before
		{"2026-12-03T23:45:00Z", time.Date(2026, 12, 3, 23, 45, 0, 0, time.UTC), ""},
		{"2026-12-04T00:10:00+01:00", time.Time{}, "is in the past"},
		{"2026-12-02", time.Time{}, "is in the past"},
		{"2027-02-30", time.Time{}, "is not a date: use YYYY-MM-DD or an RFC 3339 time"},
		{"03/12/2027", time.Time{}, "is not a date: use YYYY-MM-DD or an RFC 3339 time"},
		{"2036-11-30", time.Date(2036, 11, 30, 0, 0, 0, 0, time.UTC), ""},
		{"9999-12-31", time.Time{}, "is more than ten years ahead: a hold is reviewed at least that often"},
		{"2040-01-01T00:00:00Z", time.Time{}, "is more than ten years ahead: a hold is reviewed at least that often"},
		{"", time.Time{}, "is required: a date (YYYY-MM-DD) or an RFC 3339 time by which the hold is reviewed"},
	} {
		got, problem := s.parseReview(tc.in)
		if !got.Equal(tc.want) || problem != tc.problem {
			t.Errorf("parseReview(%q) = %s, %q; want %s, %q", tc.in, got, problem, tc.want, tc.problem)
		}
	}
}
