package sarclock

import (
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/ukcal"
)

const (
	ew = ukcal.EnglandAndWales
	sc = ukcal.Scotland
	ni = ukcal.NorthernIreland
)

func d(s string) ukcal.Date {
	v, err := ukcal.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func clar(asked, answered string) Stop {
	s := Stop{Reason: WaitingForClarification, Asked: d(asked)}
	if answered != "" {
		s.Answered = d(answered)
	}
	return s
}

func ident(asked, answered string) Stop {
	s := clar(asked, answered)
	s.Reason = WaitingForIdentity
	return s
}

func ext(months int, notified string) *Extension {
	return &Extension{Months: months, Reason: "1,400 recordings to review", Notified: d(notified)}
}

// TestDueDates is the acceptance table of issue 9: each row is one request and the due date the
// rules give (or the error they give), with why in its name.
func TestDueDates(t *testing.T) {
	cases := []struct {
		name     string
		region   ukcal.Region
		received string
		stops    []Stop
		ext      *Extension
		want     string         // due date; "" with stopped
		errKind  callvault.Kind // when the request is refused
		stopped  bool
	}{
		// The ICO's own examples.
		{name: "ICO: 3 September -> 3 October, day of receipt is day one", region: ew, received: "2025-09-03", want: "2025-10-03"},
		{name: "ICO: received on 1 January, a bank holiday -> 1 February", region: ew, received: "2024-01-01", want: "2024-02-01"},
		{name: "ICO: Monday 25 November -> Friday 27 December", region: ew, received: "2024-11-25", want: "2024-12-27"},
		{name: "ICO: 31 January -> 29 February in a leap year", region: ew, received: "2024-01-31", want: "2024-02-29"},
		{name: "ICO: 31 January -> 28 February, a Saturday -> Monday", region: ew, received: "2026-01-31", want: "2026-03-02"},
		{name: "ICO: 31 March -> 30 April", region: ew, received: "2026-03-31", want: "2026-04-30"},
		// Month ends and leap years.
		{name: "31 January 2025 -> Friday 28 February", region: ew, received: "2025-01-31", want: "2025-02-28"},
		{name: "29 January, no 29 February 2027 (a Sunday) -> Monday 1 March", region: ew, received: "2027-01-29", want: "2027-03-01"},
		{name: "29 January 2024 -> 29 February (leap year)", region: ew, received: "2024-01-29", want: "2024-02-29"},
		{name: "29 January 2023 -> 28 February", region: ew, received: "2023-01-29", want: "2023-02-28"},
		{name: "29 March -> 29 April", region: ew, received: "2026-03-29", want: "2026-04-29"},
		{name: "30 March -> 30 April", region: ew, received: "2026-03-30", want: "2026-04-30"},
		{name: "31 August (a bank holiday, still day one) -> 30 September", region: ew, received: "2026-08-31", want: "2026-09-30"},
		{name: "29 February 2024 -> Good Friday 29 March -> Tuesday after Easter Monday", region: ew, received: "2024-02-29", want: "2024-04-02"},
		{name: "29 February 2024 in Scotland -> Easter Monday is a working day", region: sc, received: "2024-02-29", want: "2024-04-01"},
		{name: "received on a Saturday, due on a Saturday -> Monday", region: ew, received: "2026-02-07", want: "2026-03-09"},
		// Christmas and New Year in each region.
		{name: "Christmas Day Friday, Boxing Day substitute Monday (E&W)", region: ew, received: "2026-11-25", want: "2026-12-29"},
		{name: "Christmas Day Friday, Boxing Day substitute Monday (Scotland)", region: sc, received: "2026-11-25", want: "2026-12-29"},
		{name: "Christmas Day Friday, Boxing Day substitute Monday (NI)", region: ni, received: "2026-11-25", want: "2026-12-29"},
		{name: "Boxing Day Saturday -> substitute Monday -> Tuesday", region: ew, received: "2026-11-26", want: "2026-12-29"},
		{name: "New Year's Day Friday -> Monday 4 January (E&W)", region: ew, received: "2026-12-01", want: "2027-01-04"},
		{name: "New Year's Day Friday, 2 January substitute Monday -> Tuesday (Scotland)", region: sc, received: "2026-12-01", want: "2027-01-05"},
		{name: "New Year's Day Friday -> Monday 4 January (NI)", region: ni, received: "2026-12-01", want: "2027-01-04"},
		{name: "2 January, a Friday: working day in E&W", region: ew, received: "2025-12-02", want: "2026-01-02"},
		{name: "2 January, a Friday: bank holiday in Scotland -> Monday", region: sc, received: "2025-12-02", want: "2026-01-05"},
		{name: "2 January, a Friday: working day in NI", region: ni, received: "2025-12-02", want: "2026-01-02"},
		// Easter, Scotland's summer and St Andrew's Day, Northern Ireland's days.
		{name: "Good Friday -> Tuesday after Easter Monday (E&W)", region: ew, received: "2026-03-03", want: "2026-04-07"},
		{name: "Good Friday -> Monday, no Easter Monday in Scotland", region: sc, received: "2026-03-03", want: "2026-04-06"},
		{name: "Easter Monday (NI) -> Tuesday", region: ni, received: "2026-03-06", want: "2026-04-07"},
		{name: "St Patrick's Day (NI) -> 18 March", region: ni, received: "2026-02-17", want: "2026-03-18"},
		{name: "St Patrick's Day is a working day in E&W", region: ew, received: "2026-02-17", want: "2026-03-17"},
		{name: "12 July a Sunday, substitute Monday (NI) -> Tuesday 14 July", region: ni, received: "2026-06-12", want: "2026-07-14"},
		{name: "12 July a Sunday (E&W) -> Monday 13 July", region: ew, received: "2026-06-12", want: "2026-07-13"},
		{name: "first Monday of August (Scotland's summer holiday)", region: sc, received: "2026-07-03", want: "2026-08-04"},
		{name: "St Andrew's Day on a Monday (Scotland)", region: sc, received: "2026-10-31", want: "2026-12-01"},
		{name: "30 November is a working day in E&W", region: ew, received: "2026-10-31", want: "2026-11-30"},
		{name: "St Andrew's Day a Sunday, substitute Monday -> Tuesday", region: sc, received: "2025-10-30", want: "2025-12-02"},
		// One-off and moved days.
		{name: "state funeral 19 September 2022", region: sc, received: "2022-08-19", want: "2022-09-20"},
		{name: "coronation 8 May 2023", region: ni, received: "2023-04-08", want: "2023-05-09"},
		{name: "platinum jubilee 2 and 3 June 2022", region: ew, received: "2022-05-02", want: "2022-06-06"},
		{name: "30 May 2022, its spring holiday moved to June, is a working day", region: ew, received: "2022-04-30", want: "2022-05-30"},
		{name: "VE Day 8 May 2020", region: ew, received: "2020-04-08", want: "2020-05-11"},
		{name: "4 May 2020, its early May holiday moved to VE Day, is a working day", region: ew, received: "2020-04-04", want: "2020-05-04"},
		{name: "millennium 31 December 1999 and New Year substitute (E&W)", region: ew, received: "1999-12-01", want: "2000-01-04"},
		{name: "millennium 31 December 1999 and two January substitutes (Scotland)", region: sc, received: "1999-12-01", want: "2000-01-05"},
		{name: "royal wedding 29 April 2011", region: ew, received: "2011-03-29", want: "2011-05-03"},
		// Extensions: three months from the start, notified by the original due date.
		{name: "extension of 2 months", region: ew, received: "2026-01-15", ext: ext(2, "2026-02-10"), want: "2026-04-15"},
		{name: "extension notified on the original due date (Monday after a Sunday)", region: ew, received: "2026-01-15", ext: ext(2, "2026-02-16"), want: "2026-04-15"},
		{name: "extension notified the day after the original due date is refused", region: ew, received: "2026-01-15", ext: ext(2, "2026-02-17"), errKind: callvault.KindConflict},
		{name: "extension of 1 month from 30 November", region: ew, received: "2025-11-30", ext: ext(1, "2025-12-01"), want: "2026-01-30"},
		{name: "extension to a month end on a Saturday", region: ew, received: "2025-11-30", ext: ext(2, "2025-12-01"), want: "2026-03-02"},
		{name: "extension of 3 months is refused", region: ew, received: "2026-01-15", ext: ext(3, "2026-01-20"), errKind: callvault.KindInvalid},
		{name: "extension without a reason is refused", region: ew, received: "2026-01-15", ext: &Extension{Months: 2, Reason: "  ", Notified: d("2026-01-20")}, errKind: callvault.KindInvalid},
		{name: "extension notified before the request arrived is refused", region: ew, received: "2026-01-15", ext: ext(2, "2026-01-14"), errKind: callvault.KindInvalid},
		// Clock stops.
		{name: "clarification asked and answered the same day: one day", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-10", "2026-06-10")}, want: "2026-07-02"},
		{name: "clarification 8 to 12 June: five days, both ends counted", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-08", "2026-06-12")}, want: "2026-07-06"},
		{name: "paused days added to the month end before the working-day rule", region: ew, received: "2026-01-31", stops: []Stop{clar("2026-02-02", "2026-02-04")}, want: "2026-03-03"},
		{name: "two pauses sharing a day count it once", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-10", "2026-06-12"), clar("2026-06-12", "2026-06-15")}, want: "2026-07-07"},
		{name: "identity restarts the month on the day it arrives", region: ew, received: "2026-06-01", stops: []Stop{ident("2026-06-02", "2026-06-20")}, want: "2026-07-20"},
		{name: "identity, then a clarification pause", region: ew, received: "2026-06-01", stops: []Stop{ident("2026-06-02", "2026-06-20"), clar("2026-06-25", "2026-06-26")}, want: "2026-07-22"},
		{name: "a clarification pause before identity is moot", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-03", "2026-06-05"), ident("2026-06-08", "2026-06-10")}, want: "2026-07-10"},
		{name: "waiting for identity: stopped, no due date", region: ew, received: "2026-06-01", stops: []Stop{ident("2026-06-02", "")}, stopped: true},
		{name: "waiting for clarification: stopped, no due date", region: ni, received: "2026-06-01", stops: []Stop{clar("2026-06-02", "2026-06-04"), clar("2026-06-20", "")}, stopped: true},
		{name: "a stop asked on the due date is allowed", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-07-01", "2026-07-02")}, want: "2026-07-03"},
		{name: "a clock that has run out cannot be stopped", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-07-02", "2026-07-03")}, errKind: callvault.KindConflict},
		{name: "a stop within an extension already notified", region: ew, received: "2026-06-01", ext: ext(2, "2026-06-20"), stops: []Stop{clar("2026-08-10", "2026-08-12")}, want: "2026-09-04"},
		{name: "extension after the unpaused due date but within the paused one", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-10", "2026-06-14")}, ext: ext(2, "2026-07-03"), want: "2026-09-07"},
		{name: "extension after the paused due date is refused", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-10", "2026-06-14")}, ext: ext(2, "2026-07-07"), errKind: callvault.KindConflict},
		{name: "extension notified while the clock is stopped", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-25", "2026-07-20")}, ext: ext(2, "2026-07-10"), want: "2026-09-28"},
		// Malformed requests.
		{name: "stops overlap", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-10", "2026-06-12"), clar("2026-06-11", "2026-06-13")}, errKind: callvault.KindInvalid},
		{name: "answered before asked", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-10", "2026-06-09")}, errKind: callvault.KindInvalid},
		{name: "asked before the request arrived", region: ew, received: "2026-06-01", stops: []Stop{ident("2026-05-31", "2026-06-02")}, errKind: callvault.KindInvalid},
		{name: "an open stop that is not the last", region: ew, received: "2026-06-01", stops: []Stop{clar("2026-06-10", ""), clar("2026-06-20", "2026-06-21")}, errKind: callvault.KindInvalid},
		{name: "unknown stop reason", region: ew, received: "2026-06-01", stops: []Stop{{Reason: "fee", Asked: d("2026-06-02")}}, errKind: callvault.KindInvalid},
		{name: "unknown region", region: "wales", received: "2026-06-01", errKind: callvault.KindInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Compute(Request{Region: c.region, Received: d(c.received), Stops: c.stops, Extension: c.ext})
			if c.errKind != "" {
				if !callvault.IsKind(err, c.errKind) {
					t.Fatalf("got %+v, %v; want a %s error", got, err, c.errKind)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Stopped != c.stopped || (c.want == "") != got.Due.IsZero() || (c.want != "" && got.Due.String() != c.want) {
				t.Fatalf("due %s (stopped %v), want %q (stopped %v); clock %+v", got.Due, got.Stopped, c.want, c.stopped, got)
			}
			if !c.stopped && !ukcal.IsWorkingDay(c.region, got.Due) {
				t.Errorf("due %s is not a working day", got.Due)
			}
		})
	}
	if len(cases) < 30 {
		t.Fatalf("%d cases; the acceptance asks for at least 30", len(cases))
	}
}

func TestStatusAndDetails(t *testing.T) {
	c, err := Compute(Request{Region: ew, Received: d("2026-06-01"), Stops: []Stop{clar("2026-06-08", "2026-06-12")}, Extension: ext(1, "2026-06-15")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Start != d("2026-06-01") || c.PausedDays != 5 || c.OriginalDue != d("2026-07-06") || c.Due != d("2026-08-06") {
		t.Errorf("%+v", c)
	}
	for today, want := range map[string]Status{"2026-07-10": StatusRunning, "2026-08-06": StatusRunning, "2026-08-07": StatusOverdue} {
		if got := c.StatusOn(d(today)); got != want {
			t.Errorf("%s: %s, want %s", today, got, want)
		}
	}
	s, err := Compute(Request{Region: ew, Received: d("2026-06-01"), Stops: []Stop{ident("2026-06-02", "")}})
	if err != nil || s.StatusOn(d("2027-01-01")) != StatusStopped || s.StoppedSince != d("2026-06-02") || s.StoppedFor != WaitingForIdentity {
		t.Errorf("%+v %v", s, err)
	}
	if _, err := Compute(Request{Region: ew}); !callvault.IsKind(err, callvault.KindInvalid) || !strings.Contains(err.Error(), "received") {
		t.Errorf("no received date: %v", err)
	}
	if got, err := DueDate(sc, d("2025-12-02")); err != nil || got != d("2026-01-05") {
		t.Errorf("DueDate: %s %v", got, err)
	}
}

// Over many years and every region, the due date is a working day, on or after the
// corresponding date (or month end), and at most a week after it.
func TestDueDateInvariants(t *testing.T) {
	for _, r := range ukcal.Regions {
		for day := d("2019-12-01"); day.Before(d("2028-01-01")); day = day.AddDays(1) {
			got, err := DueDate(r, day)
			nominal := day.AddMonths(1)
			if err != nil || !ukcal.IsWorkingDay(r, got) || got.Before(nominal) || got.DaysSince(nominal) > 6 {
				t.Fatalf("%s %s: due %s (%v)", r, day, got, err)
			}
			if got != nominal && ukcal.IsWorkingDay(r, nominal) {
				t.Fatalf("%s %s: due %s, but %s is a working day", r, day, got, nominal)
			}
		}
	}
}
