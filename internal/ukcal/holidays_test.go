package ukcal

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The published lists (GOV.UK "UK bank holidays", one row per region and year), written out by
// hand: each year below exercises a rule (substitute days, moved and one-off days).
func TestHolidaysMatchPublishedLists(t *testing.T) {
	cases := []struct {
		region Region
		year   int
		dates  string
	}{
		// 2020: VE Day moved early May to Friday 8 May; Boxing Day on a Saturday; 12 July a Sunday.
		{EnglandAndWales, 2020, "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28"},
		{Scotland, 2020, "01-01 01-02 04-10 05-08 05-25 08-03 11-30 12-25 12-28"},
		{NorthernIreland, 2020, "01-01 03-17 04-10 04-13 05-08 05-25 07-13 08-31 12-25 12-28"},
		// 2021: 2 January a Saturday (Scotland: Monday 4th); Christmas Saturday, Boxing Day Sunday.
		{EnglandAndWales, 2021, "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28"},
		{Scotland, 2021, "01-01 01-04 04-02 05-03 05-31 08-02 11-30 12-27 12-28"},
		{NorthernIreland, 2021, "01-01 03-17 04-02 04-05 05-03 05-31 07-12 08-30 12-27 12-28"},
		// 2022: New Year Saturday; spring moved to 2 June, jubilee 3 June; state funeral;
		// Christmas Sunday (substitute Tuesday 27th, Boxing Day Monday 26th).
		{EnglandAndWales, 2022, "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27"},
		{Scotland, 2022, "01-03 01-04 04-15 05-02 06-02 06-03 08-01 09-19 11-30 12-26 12-27"},
		{NorthernIreland, 2022, "01-03 03-17 04-15 04-18 05-02 06-02 06-03 07-12 08-29 09-19 12-26 12-27"},
		// 2023: New Year Sunday (Scotland: 2nd and 3rd); coronation Monday 8 May.
		{EnglandAndWales, 2023, "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26"},
		{Scotland, 2023, "01-02 01-03 04-07 05-01 05-08 05-29 08-07 11-30 12-25 12-26"},
		{NorthernIreland, 2023, "01-02 03-17 04-07 04-10 05-01 05-08 05-29 07-12 08-28 12-25 12-26"},
		// 2024: St Patrick's Day Sunday; St Andrew's Day Saturday.
		{Scotland, 2024, "01-01 01-02 03-29 05-06 05-27 08-05 12-02 12-25 12-26"},
		{NorthernIreland, 2024, "01-01 03-18 03-29 04-01 05-06 05-27 07-12 08-26 12-25 12-26"},
		// 2025: 12 July a Saturday; St Andrew's Day a Sunday.
		{Scotland, 2025, "01-01 01-02 04-18 05-05 05-26 08-04 12-01 12-25 12-26"},
		{NorthernIreland, 2025, "01-01 03-17 04-18 04-21 05-05 05-26 07-14 08-25 12-25 12-26"},
		// 2026: Boxing Day a Saturday; 12 July a Sunday.
		{EnglandAndWales, 2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28"},
		{Scotland, 2026, "01-01 01-02 04-03 05-04 05-25 08-03 11-30 12-25 12-28"},
		{NorthernIreland, 2026, "01-01 03-17 04-03 04-06 05-04 05-25 07-13 08-31 12-25 12-28"},
		// Older proclamations: 2012 diamond jubilee, 2011 royal wedding, 2002 golden jubilee,
		// 1999 millennium (and 2000's New Year Saturday), 1995 VE Day.
		{EnglandAndWales, 2012, "01-02 04-06 04-09 05-07 06-04 06-05 08-27 12-25 12-26"},
		{EnglandAndWales, 2011, "01-03 04-22 04-25 04-29 05-02 05-30 08-29 12-26 12-27"},
		{EnglandAndWales, 2002, "01-01 03-29 04-01 05-06 06-03 06-04 08-26 12-25 12-26"},
		{EnglandAndWales, 1999, "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28 12-31"},
		{Scotland, 2000, "01-03 01-04 04-21 05-01 05-29 08-07 12-25 12-26"},
		{EnglandAndWales, 1995, "01-02 04-14 04-17 05-08 05-29 08-28 12-25 12-26"},
		// Before the St Andrew's Day Act.
		{Scotland, 2006, "01-02 01-03 04-14 05-01 05-29 08-07 12-25 12-26"},
	}
	for _, c := range cases {
		var got []string
		for _, h := range Holidays(c.region, c.year) {
			got = append(got, h.Date.String()[5:])
		}
		if strings.Join(got, " ") != c.dates {
			t.Errorf("%s %d:\n got  %s\n want %s", c.region, c.year, strings.Join(got, " "), c.dates)
		}
	}
}

// Every holiday of every year is a weekday, no date appears twice, and each region has its
// statutory count plus the year's proclaimed extra days.
func TestHolidaysInvariants(t *testing.T) {
	extra := map[int]int{1999: 1, 2002: 1, 2011: 1, 2012: 1, 2022: 2, 2023: 1}
	for y := MinYear; y <= 2200; y++ {
		for _, r := range Regions {
			hs := Holidays(r, y)
			want := map[Region]int{EnglandAndWales: 8, Scotland: 9, NorthernIreland: 10}[r] + extra[y]
			if r == Scotland && y < 2007 {
				want--
			}
			if len(hs) != want {
				t.Errorf("%s %d: %d holidays, want %d: %v", r, y, len(hs), want, hs)
			}
			for i, h := range hs {
				if h.Date.IsWeekend() || h.Date.Year != y {
					t.Errorf("%s %d: %s %q is a weekend or another year", r, y, h.Date, h.Name)
				}
				if i > 0 && !hs[i-1].Date.Before(h.Date) {
					t.Errorf("%s %d: not in order or repeated: %s %s", r, y, hs[i-1].Date, h.Date)
				}
			}
		}
	}
	if Holidays("wales", 2026) != nil {
		t.Error("unknown region has holidays")
	}
}

func TestEaster(t *testing.T) {
	for _, s := range []string{"1990-04-15", "2000-04-23", "2008-03-23", "2011-04-24", "2019-04-21",
		"2024-03-31", "2025-04-20", "2026-04-05", "2027-03-28", "2038-04-25", "2285-03-22"} {
		want, _ := ParseDate(s)
		if got := Easter(want.Year); got != want || got.Weekday() != time.Sunday {
			t.Errorf("Easter(%d) = %s, want %s", want.Year, got, want)
		}
	}
}

func TestWorkingDays(t *testing.T) {
	cases := []struct {
		region Region
		day    string
		next   string // OnOrAfterWorkingDay
		name   string // bank holiday name, "" when none
	}{
		{EnglandAndWales, "2026-03-17", "2026-03-17", ""},
		{NorthernIreland, "2026-03-17", "2026-03-18", "St Patrick’s Day"},
		{Scotland, "2026-04-06", "2026-04-06", ""}, // no Easter Monday in Scotland
		{EnglandAndWales, "2026-04-03", "2026-04-07", "Good Friday"},
		{NorthernIreland, "2026-07-12", "2026-07-14", ""},
		{NorthernIreland, "2026-07-13", "2026-07-14", "Battle of the Boyne (Orangemen’s Day) (substitute day)"},
		{Scotland, "2026-08-03", "2026-08-04", "Summer bank holiday"},
		{EnglandAndWales, "2026-08-03", "2026-08-03", ""},
		{Scotland, "2027-01-02", "2027-01-05", ""},
		{EnglandAndWales, "2027-01-02", "2027-01-04", ""},
		{EnglandAndWales, "2027-12-25", "2027-12-29", ""},
	}
	for _, c := range cases {
		d, _ := ParseDate(c.day)
		if got := OnOrAfterWorkingDay(c.region, d).String(); got != c.next {
			t.Errorf("%s %s: next working day %s, want %s", c.region, c.day, got, c.next)
		}
		name, ok := BankHoliday(c.region, d)
		if name != c.name || ok != (c.name != "") {
			t.Errorf("%s %s: bank holiday %q %v, want %q", c.region, c.day, name, ok, c.name)
		}
	}
	if !slices.Equal(Regions, []Region{EnglandAndWales, Scotland, NorthernIreland}) {
		t.Error(Regions)
	}
}
