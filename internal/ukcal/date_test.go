package ukcal

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

func TestParseDate(t *testing.T) {
	good := map[string]Date{"2026-09-03": {2026, 9, 3}, "2024-02-29": {2024, 2, 29}, "1990-01-01": {1990, 1, 1}}
	for s, want := range good {
		if got, err := ParseDate(s); err != nil || got != want || got.String() != s {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2026-9-3", "03/09/2026", "2026-02-30", "2025-02-29", "2026-13-01",
		"2026-09-03T00:00:00Z", " 2026-09-03", "1989-12-31", "+2026-09-03", "２０２６-09-03"} {
		if _, err := ParseDate(s); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("ParseDate(%q): %v, want an invalid-input error", s, err)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	cases := []struct {
		from   string
		months int
		want   string
	}{
		{"2026-01-31", 1, "2026-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2026-03-31", 1, "2026-04-30"},
		{"2025-08-31", 6, "2026-02-28"},
		{"2023-08-31", 6, "2024-02-29"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2026-12-15", 1, "2027-01-15"},
		{"2026-03-31", -1, "2026-02-28"},
		{"2026-11-30", 3, "2027-02-28"},
	}
	for _, c := range cases {
		d, _ := ParseDate(c.from)
		if got := d.AddMonths(c.months).String(); got != c.want {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.months, got, c.want)
		}
	}
	a, b := D(2026, 2, 27), D(2026, 3, 2)
	if b.DaysSince(a) != 3 || a.DaysSince(b) != -3 || a.AddDays(3) != b || !a.Before(b) || !b.After(a) || a.Compare(a) != 0 {
		t.Error("day arithmetic across the end of February")
	}
	if D(2026, 2, 31) != D(2026, 3, 3) || DaysIn(2100, 2) != 28 || DaysIn(2000, 2) != 29 {
		t.Error("normalisation or leap years")
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip(err)
	}
	// 23:30 UTC on 31 August is already 1 September in London (BST).
	if got := FromTime(time.Date(2026, 8, 31, 23, 30, 0, 0, time.UTC), london); got != D(2026, 9, 1) {
		t.Errorf("FromTime in London = %s", got)
	}
}

func TestDateJSON(t *testing.T) {
	var v struct{ D, Z Date }
	if err := json.Unmarshal([]byte(`{"D":"2026-09-03","Z":""}`), &v); err != nil || v.D != D(2026, 9, 3) || !v.Z.IsZero() {
		t.Fatalf("%+v %v", v, err)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"D":"2026-09-03","Z":""}` {
		t.Errorf("%s", out)
	}
	if err := json.Unmarshal([]byte(`{"D":"3 Sept"}`), &v); err == nil {
		t.Error("bad date accepted")
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-09-03", "2024-02-29", "0000-00-00", "9999-12-31", "2026-02-30", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q) = %s: not a round trip", s, d)
		}
		if d.Year < MinYear || d.Year > MaxYear || d.Day < 1 || d.Day > DaysIn(d.Year, d.Month) {
			t.Fatalf("ParseDate(%q) = %+v: out of range", s, d)
		}
		if n := OnOrAfterWorkingDay(EnglandAndWales, d); n.Before(d) || n.DaysSince(d) > 7 {
			t.Fatalf("next working day after %s is %s", d, n)
		}
	})
}
