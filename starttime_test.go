package callvault

import (
	"strings"
	"testing"
	"time"
)

func TestStartTimeRuleResolve(t *testing.T) {
	arrival := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var rule StartTimeRule
	cases := []struct {
		name     string
		reported time.Time
		zoneless bool
		want     time.Time
		used     bool
		note     string
	}{
		{"none", time.Time{}, false, arrival, false, ""},
		{"close before", arrival.Add(-20 * time.Second), false, arrival.Add(-20 * time.Second), true, ""},
		{"skew after", arrival.Add(2 * time.Minute), false, arrival.Add(2 * time.Minute), true, ""},
		{"1970", time.Unix(0, 0), false, arrival, false, "before 2000-01-01"},
		{"2021", time.Date(2021, 5, 1, 9, 0, 0, 0, time.UTC), false, arrival, false, "before the arrival"},
		{"future", arrival.Add(48 * time.Hour), false, arrival, false, "after the arrival"},
		{"zoneless plausible", arrival.Add(-time.Minute), true, arrival.Add(-time.Minute), true, "no zone"},
		{"zoneless an hour off", arrival.Add(90 * time.Minute), true, arrival, false, "no zone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := rule.Resolve(arrival, c.reported, c.zoneless)
			if !st.At.Equal(c.want) || st.Used != c.used {
				t.Fatalf("Resolve = %v used=%v, want %v used=%v (note %q)", st.At, st.Used, c.want, c.used, st.Note)
			}
			if !st.Reported.Equal(c.reported) {
				t.Errorf("Reported = %v, want %v kept as reported", st.Reported, c.reported)
			}
			if !strings.Contains(st.Note, c.note) || (c.note == "" && st.Note != "") {
				t.Errorf("Note = %q, want it to say %q", st.Note, c.note)
			}
		})
	}
}

func TestStartTimeRuleCheck(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var rule StartTimeRule
	for _, ok := range []time.Time{now, now.Add(-24 * time.Hour), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), now.Add(4 * time.Minute)} {
		if err := rule.Check(now, ok); err != nil {
			t.Errorf("Check(%v) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []time.Time{{}, time.Unix(0, 0), now.Add(time.Hour), time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC)} {
		if err := rule.Check(now, bad); !IsKind(err, KindInvalid) {
			t.Errorf("Check(%v) = %v, want KindInvalid", bad, err)
		}
	}
}
