package ukcal

import (
	"slices"
	"time"
)

// Holiday is one bank holiday: its date and its name as GOV.UK writes it.
type Holiday struct {
	Date Date
	Name string
}

// fixed is a holiday on the same date every year; when it falls on a weekend the next weekday
// that is not already a holiday is the substitute day (the 1971 Act's Schedule 1 and the
// proclamations: Christmas Day on a Saturday gives Monday 27th, and Boxing Day then Tuesday
// 28th; New Year's Day on a Sunday in Scotland gives Tuesday 3rd, because Monday 2nd is already
// the 2 January holiday).
type fixed struct {
	month   time.Month
	day     int
	name    string
	regions []Region // nil: every region
	from    int      // first year observed; 0: always (within the modelled range)
}

var fixedHolidays = []fixed{
	{time.January, 1, "New Year’s Day", nil, 0},
	{time.January, 2, "2nd January", []Region{Scotland}, 0},
	{time.March, 17, "St Patrick’s Day", []Region{NorthernIreland}, 0},
	{time.July, 12, "Battle of the Boyne (Orangemen’s Day)", []Region{NorthernIreland}, 0},
	// St Andrew's Day Bank Holiday (Scotland) Act 2007.
	{time.November, 30, "St Andrew’s Day", []Region{Scotland}, 2007},
	{time.December, 25, "Christmas Day", nil, 0},
	{time.December, 26, "Boxing Day", nil, 0},
}

func (f fixed) applies(r Region, y int) bool {
	return y >= f.from && (f.regions == nil || slices.Contains(f.regions, r))
}

// Holidays returns the bank holidays of region r in year y, in date order. It returns nil for
// a region it does not know.
func Holidays(r Region, y int) []Holiday {
	if !slices.Contains(Regions, r) {
		return nil
	}
	easter := Easter(y)
	hs := []Holiday{
		{easter.AddDays(-2), "Good Friday"},
		{firstMonday(y, time.May), "Early May bank holiday"},
		{lastMonday(y, time.May), "Spring bank holiday"},
	}
	if r != Scotland {
		hs = append(hs, Holiday{easter.AddDays(1), "Easter Monday"})
		hs = append(hs, Holiday{lastMonday(y, time.August), "Summer bank holiday"})
	} else {
		hs = append(hs, Holiday{firstMonday(y, time.August), "Summer bank holiday"})
	}
	// Fixed dates on weekdays first, so that a substitute never lands on one of them.
	var weekend []fixed
	for _, f := range fixedHolidays {
		if !f.applies(r, y) {
			continue
		}
		d := Date{y, f.month, f.day}
		if d.IsWeekend() {
			weekend = append(weekend, f)
			continue
		}
		hs = append(hs, Holiday{d, f.name})
	}
	for _, f := range weekend {
		d := Date{y, f.month, f.day}
		for d.IsWeekend() || taken(hs, d) {
			d = d.AddDays(1)
		}
		hs = append(hs, Holiday{d, f.name + " (substitute day)"})
	}
	hs = applyOneOffs(hs, r, y)
	slices.SortFunc(hs, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return hs
}

func taken(hs []Holiday, d Date) bool {
	return slices.ContainsFunc(hs, func(h Holiday) bool { return h.Date == d })
}

func firstMonday(y int, m time.Month) Date {
	d := Date{y, m, 1}
	for d.Weekday() != time.Monday {
		d = d.AddDays(1)
	}
	return d
}

func lastMonday(y int, m time.Month) Date {
	d := Date{y, m, DaysIn(y, m)}
	for d.Weekday() != time.Monday {
		d = d.AddDays(-1)
	}
	return d
}

// BankHoliday reports whether d is a bank holiday in region r, and its name.
func BankHoliday(r Region, d Date) (name string, ok bool) {
	for _, h := range Holidays(r, d.Year) {
		if h.Date == d {
			return h.Name, true
		}
	}
	return "", false
}

// IsWorkingDay reports whether d is a working day in region r: Monday to Friday and not a bank
// holiday.
func IsWorkingDay(r Region, d Date) bool {
	if d.IsWeekend() {
		return false
	}
	_, hol := BankHoliday(r, d)
	return !hol
}

// OnOrAfterWorkingDay returns d if it is a working day in region r, else the next one.
func OnOrAfterWorkingDay(r Region, d Date) Date {
	for !IsWorkingDay(r, d) {
		d = d.AddDays(1)
	}
	return d
}
