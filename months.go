package callvault

import (
	"sync"
	"time"

	// The organisation's zone must be known on every machine, including containers with no
	// /usr/share/zoneinfo: counting retention months in UTC there, and in Europe/London elsewhere,
	// would make two nodes disagree about when a recording expires. The embedded database is
	// used only when the system has none (about 450 KB in the binary).
	_ "time/tzdata"
)

// DefaultZoneName is the time zone in which callvault counts calendar days and months unless
// configured otherwise: the organisation's, for a UK organisation.
const DefaultZoneName = "Europe/London"

var defaultZone = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(DefaultZoneName)
	if err != nil {
		// Unreachable: time/tzdata is linked in. A build without it is broken, not degraded.
		panic("callvault: cannot load " + DefaultZoneName + ": " + err.Error())
	}
	return loc
})

// DefaultZone returns the Europe/London time zone.
func DefaultZone() *time.Location { return defaultZone() }

// AddMonths returns t plus n calendar months (n may be negative), counted on the calendar of
// t's location and keeping t's wall-clock time. When the month reached is too short for t's
// day, the result is on its last day: 31 August + 6 months is 28 (or 29) February, never 3 March
// as time.AddDate gives.
//
// Keeping the wall-clock time across a clock change means a call at 10:00 in January is kept
// until 10:00 in July, although that is 09:00 UTC. On the two days a year when the wall-clock
// time is skipped (01:30 on the last Sunday of March in London) or occurs twice (01:30 on the
// last Sunday of October), the result is the later of the candidate instants, so that a
// retention period is never cut short by the clock change.
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	ty, tm := first.Year(), first.Month()
	if last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	return wallClock(ty, tm, d, hh, mm, ss, t.Nanosecond(), t.Location())
}

// wallClock returns the instant whose wall-clock time in loc is the one given; when there are
// two, the later; when there is none (skipped by a clock change), the one the offset in force
// before the change gives, which is again the later candidate.
func wallClock(y int, m time.Month, d, hh, mm, ss, ns int, loc *time.Location) time.Time {
	wall := time.Date(y, m, d, hh, mm, ss, ns, time.UTC)
	var valid, latest time.Time
	for _, probe := range []time.Duration{-48 * time.Hour, 0, 48 * time.Hour} {
		_, offset := wall.Add(probe).In(loc).Zone()
		inst := wall.Add(-time.Duration(offset) * time.Second).In(loc)
		if inst.After(latest) {
			latest = inst
		}
		if sameWall(inst, wall) && inst.After(valid) {
			valid = inst
		}
	}
	if !valid.IsZero() {
		return valid
	}
	return latest
}

func sameWall(a, wall time.Time) bool {
	ay, am, ad := a.Date()
	wy, wm, wd := wall.Date()
	return ay == wy && am == wm && ad == wd && a.Hour() == wall.Hour() && a.Minute() == wall.Minute() &&
		a.Second() == wall.Second() && a.Nanosecond() == wall.Nanosecond()
}

// RetentionEnd returns the end of a retention period of months calendar months for a recording
// that started at started: AddMonths counted in zone (nil means DefaultZone()), so that the
// months are the organisation's months. A call that started at 00:30 BST on 1 September (23:30
// UTC on 31 August) with 6 months is kept until 00:30 on 1 March, not 23:30 UTC on 28 February.
// The result is in zone; callers store it in UTC as they store every time.
func RetentionEnd(started time.Time, months int, zone *time.Location) time.Time {
	if zone == nil {
		zone = DefaultZone()
	}
	return AddMonths(started.In(zone), months)
}
