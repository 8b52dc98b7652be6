package callvault

import (
	"testing"
	"time"
)

func TestEpochFor(t *testing.T) {
	lon := DefaultZone()
	now := time.Date(2027, 1, 10, 12, 0, 0, 0, lon)
	for _, tc := range []struct {
		retain time.Time
		want   string
	}{
		{time.Date(2027, 6, 20, 10, 0, 0, 0, lon), "2027-06"},
		// 00:30 BST on 1 June is 23:30 UTC on 31 May: London's month counts.
		{time.Date(2027, 5, 31, 23, 30, 0, 0, time.UTC), "2027-06"},
		{time.Date(2027, 2, 28, 23, 59, 0, 0, lon), "2027-02"},
		{time.Date(2028, 2, 29, 9, 0, 0, 0, lon), "2028-02"},
		// Already past: the current month, never a past one.
		{time.Date(2026, 7, 1, 9, 0, 0, 0, lon), "2027-01"},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, lon), "2027-01"},
	} {
		if got := EpochFor(tc.retain, now); got != tc.want {
			t.Errorf("EpochFor(%s) = %s, want %s", tc.retain, got, tc.want)
		}
	}
	// The end of March is midnight London time (BST has begun by then: 23:00 UTC).
	end, ok := EpochEnd("2027-03")
	if !ok || !end.Equal(time.Date(2027, 3, 31, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("EpochEnd(2027-03) = %s %v", end.UTC(), ok)
	}
	for _, bad := range []string{"", HoldEpoch, "2027-13", "2027-1", "27-01-01"} {
		if _, ok := EpochEnd(bad); ok {
			t.Errorf("EpochEnd(%q) is a month", bad)
		}
	}
	if !ValidEpoch("") || !ValidEpoch(HoldEpoch) || !ValidEpoch("2027-01") || ValidEpoch("2027-00") || ValidEpoch("x") {
		t.Error("ValidEpoch")
	}
}
