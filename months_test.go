package callvault

import (
	"testing"
	"time"
)

func TestAddMonths(t *testing.T) {
	london := DefaultZone()
	at := func(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, loc)
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name string
		from time.Time
		n    int
		want time.Time // compared as instants
	}{
		// Month ends and leap years.
		{"31 August + 6 months is the end of February", at(london, 2025, 8, 31, 10, 0), 6, utc("2026-02-28T10:00:00Z")},
		{"31 August + 6 months in a leap year is 29 February", at(london, 2023, 8, 31, 10, 0), 6, utc("2024-02-29T10:00:00Z")},
		{"29 February + 12 months is 28 February", at(london, 2024, 2, 29, 10, 0), 12, utc("2025-02-28T10:00:00Z")},
		{"29 February + 48 months is 29 February", at(london, 2024, 2, 29, 10, 0), 48, utc("2028-02-29T10:00:00Z")},
		{"31 January + 1 month", at(london, 2026, 1, 31, 10, 0), 1, utc("2026-02-28T10:00:00Z")},
		{"31 March + 6 months is 30 September (BST)", at(london, 2026, 3, 31, 10, 0), 6, utc("2026-09-30T09:00:00Z")},
		{"31 October + 4 months", at(london, 2025, 10, 31, 12, 0), 4, utc("2026-02-28T12:00:00Z")},
		{"across a year end", at(london, 2026, 12, 15, 9, 0), 3, utc("2027-03-15T09:00:00Z")},
		{"backwards", at(london, 2026, 3, 31, 12, 0), -1, utc("2026-02-28T12:00:00Z")},
		// The clock change: the wall-clock time stays put.
		{"January (GMT) to July (BST): 10:00 stays 10:00", at(london, 2026, 1, 15, 10, 0), 6, utc("2026-07-15T09:00:00Z")},
		{"May (BST) to November (GMT): 10:00 stays 10:00", at(london, 2026, 5, 10, 10, 0), 6, utc("2026-11-10T10:00:00Z")},
		{"to the day the clocks go forward, at a time that exists", at(london, 2026, 9, 28, 10, 0), 6, utc("2027-03-28T09:00:00Z")},
		{"to 01:30 on the day the clocks go forward (skipped): the later instant", at(london, 2026, 9, 28, 1, 30), 6, utc("2027-03-28T01:30:00Z")},
		{"to 01:30 on the day the clocks go back (twice): the later instant", at(london, 2026, 4, 25, 1, 30), 6, utc("2026-10-25T01:30:00Z")},
		{"from 01:30 GMT on the day the clocks went back", utc("2026-10-25T01:30:00Z").In(london), 1, utc("2026-11-25T01:30:00Z")},
		{"from the first 01:30 (BST) on the day the clocks went back", utc("2026-10-25T00:30:00Z").In(london), 1, utc("2026-11-25T01:30:00Z")},
		// In UTC there is no clock change.
		{"UTC month end", utc("2025-08-31T23:30:00Z"), 6, utc("2026-02-28T23:30:00Z")},
		{"zero months", utc("2026-03-29T00:30:00Z").In(london), 0, utc("2026-03-29T00:30:00Z")},
	}
	for _, c := range cases {
		got := AddMonths(c.from, c.n)
		if !got.Equal(c.want) || got.Location() != c.from.Location() {
			t.Errorf("%s: %s + %d = %s, want %s", c.name, c.from, c.n, got, c.want.In(c.from.Location()))
		}
	}
	// What this replaces: time.AddDate normalises 31 February into March.
	if got := at(london, 2025, 8, 31, 10, 0).AddDate(0, 6, 0); got.Month() != time.March || got.Day() != 3 {
		t.Errorf("AddDate no longer overflows (%s): the doc comment needs a new example", got)
	}
}

func TestRetentionEnd(t *testing.T) {
	// 00:30 BST on 1 September is 23:30 UTC on 31 August: the organisation's months give
	// 1 March; UTC months would give 28 February.
	started := time.Date(2026, 8, 31, 23, 30, 0, 0, time.UTC)
	if got, want := RetentionEnd(started, 6, nil), time.Date(2027, 3, 1, 0, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("London: %s, want %s", got, want)
	}
	if got, want := RetentionEnd(started, 6, time.UTC), time.Date(2027, 2, 28, 23, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("UTC: %s, want %s", got, want)
	}
	if DefaultZone().String() != "Europe/London" {
		t.Error(DefaultZone())
	}
}

func FuzzAddMonths(f *testing.F) {
	f.Add(int64(1756683000), 6)
	f.Add(int64(1774661400), -13)
	f.Fuzz(func(t *testing.T, unix int64, n int) {
		if unix < 631152000 || unix > 4102444800 || n < -1200 || n > 1200 { // 1990 to 2100, ±100 years
			return
		}
		start := time.Unix(unix, 0).In(DefaultZone())
		got := AddMonths(start, n)
		months := (got.Year()-start.Year())*12 + int(got.Month()-start.Month())
		if months != n || got.Day() > start.Day() {
			t.Fatalf("%s + %d = %s", start, n, got)
		}
		// The wall-clock time is kept unless a clock change skipped it.
		if h, m, _ := got.Clock(); h != start.Hour() || m != start.Minute() {
			_, before := got.Add(-2 * time.Hour).Zone()
			_, after := got.Add(2 * time.Hour).Zone()
			if before == after {
				t.Fatalf("%s + %d = %s: wall-clock time changed with no clock change near", start, n, got)
			}
		}
	})
}
