package ukcal

import (
	"fmt"
	"time"

	"github.com/callvault/callvault"
)

// Date is a civil (calendar) date with no time of day and no time zone. The zero Date is not a
// valid date; IsZero reports it.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// The range of years a Date parsed from text may have. The bank-holiday rules are modelled from
// 1990; the upper bound only keeps four-digit years.
const (
	MinYear = 1990
	MaxYear = 9998
)

// D returns the date y-m-d, normalised as time.Date normalises (D(2026, 2, 31) is 3 March).
func D(y int, m time.Month, d int) Date {
	return FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC), time.UTC)
}

// FromTime returns the calendar date of t in loc (the date a person in loc would write).
func FromTime(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate parses an ISO 8601 calendar date, YYYY-MM-DD, and nothing else. The error, of kind
// callvault.KindInvalid, says what is wrong in words a person can act on.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		if wellFormed(s) {
			return Date{}, callvault.Errorf(callvault.KindInvalid, "%q is not a day of the calendar (check the month and the day)", s)
		}
		return Date{}, callvault.Errorf(callvault.KindInvalid, "%q is not a date in the form YYYY-MM-DD (for example 2026-09-03)", s)
	}
	d := FromTime(t, time.UTC)
	if d.Year < MinYear || d.Year > MaxYear {
		return Date{}, callvault.Errorf(callvault.KindInvalid, "%s is out of range: the calendar covers the years %d to %d", s, MinYear, MaxYear)
	}
	return d, nil
}

// wellFormed reports whether s has the shape NNNN-NN-NN.
func wellFormed(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 4 || i == 7 {
			if s[i] != '-' {
				return false
			}
		} else if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String returns the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight at the start of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.Time(time.UTC).Weekday() }

// IsWeekend reports whether d is a Saturday or a Sunday.
func (d Date) IsWeekend() bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// AddDays returns d moved by n days (n may be negative).
func (d Date) AddDays(n int) Date { return D(d.Year, d.Month, d.Day+n) }

// AddMonths returns the date n calendar months after d (n may be negative). When the month
// reached has no such day, the result is that month's last day: 31 January + 1 month is 28 (or
// 29) February, never 3 March as time.AddDate gives.
func (d Date) AddMonths(n int) Date {
	first := D(d.Year, d.Month+time.Month(n), 1)
	last := DaysIn(first.Year, first.Month)
	return Date{first.Year, first.Month, min(d.Day, last)}
}

// DaysIn returns the number of days in month m of year y.
func DaysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.Time(time.UTC).Compare(e.Time(time.UTC)) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// DaysSince returns the number of days from e to d (negative when d is before e).
func (d Date) DaysSince(e Date) int {
	return int(d.Time(time.UTC).Sub(e.Time(time.UTC)) / (24 * time.Hour))
}

// MarshalText encodes d as YYYY-MM-DD (the zero Date as empty text).
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText decodes YYYY-MM-DD as ParseDate does; empty text gives the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
