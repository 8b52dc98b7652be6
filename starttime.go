package callvault

import (
	"fmt"
	"time"
)

// The clock of a phone system or a client is never the authority for when a recording started:
// real SBCs send 1970 dates, stale clocks and times without a zone, and a start time taken on
// trust sets retain_until in the past, so the next retention sweep deletes the call. Every capture
// path applies one StartTimeRule:
//
//   - Where callvault sees the call arrive (SIPREC), the arrival is the authority: the recording
//     starts when its audio starts, and a reported time (the metadata's start-time) is kept as
//     reported and used, for the call's start, only when Resolve finds it plausible.
//   - Where the start time can only come from the client (an upload, an import of an old file),
//     Check refuses a time in the future or before the floor; an old but sane time is accepted and
//     flagged as expired on arrival when it is already past retention (see AttrExpiredOnArrival).

// Recording attributes written by the start-time rule (see Recording.Attributes).
const (
	// AttrReportedStartTime is the start time exactly as the source reported it (RFC 3339, or the
	// source's text when it had no zone).
	AttrReportedStartTime = "reported_start_time"
	// AttrCallStartedAt is when the call itself began (RFC 3339, UTC), where it differs from the
	// recording's start (SIPREC: the metadata's start-time when plausible, else the INVITE's arrival).
	AttrCallStartedAt = "call_started_at"
	// AttrStartTimeNote says why a reported time was not used as reported.
	AttrStartTimeNote = "start_time_note"
	// AttrExpiredOnArrival is "true" for a recording whose retention had already ended when it
	// arrived (an old import): it is kept and reported, and the next sweep deletes it unless held.
	AttrExpiredOnArrival = "expired_on_arrival"
)

// Defaults of StartTimeRule.
const (
	DefaultStartWindow    = time.Hour
	DefaultStartMaxFuture = 5 * time.Minute
)

// DefaultStartFloor is the earliest start time any recording may have: before it, a reported time
// is a clock that was never set (1970) rather than a call.
var DefaultStartFloor = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// StartTimeRule decides which start time a recording gets. The zero value uses the defaults.
type StartTimeRule struct {
	// Window is how long before its arrival a call may have begun and a reported time still be
	// believed (recording often starts when the call is answered or transferred, a little after
	// the call began). Default DefaultStartWindow.
	Window time.Duration
	// MaxFuture is how far after the arrival (or now) a reported time may lie: the clock skew
	// tolerated between the source and this node. Default DefaultStartMaxFuture.
	MaxFuture time.Duration
	// Floor is the earliest acceptable time. Default DefaultStartFloor.
	Floor time.Time
}

func (r StartTimeRule) withDefaults() StartTimeRule {
	if r.Window <= 0 {
		r.Window = DefaultStartWindow
	}
	if r.MaxFuture <= 0 {
		r.MaxFuture = DefaultStartMaxFuture
	}
	if r.Floor.IsZero() {
		r.Floor = DefaultStartFloor
	}
	return r
}

// StartTime is the outcome of StartTimeRule.Resolve.
type StartTime struct {
	At       time.Time // the time to use (UTC)
	Reported time.Time // the reported time (zero if none was reported)
	Used     bool      // At is the reported time
	Note     string    // why the reported time was not used, or how it was read; "" if used as is
}

// Resolve returns the start time of a call that callvault saw arrive at arrival, given the time
// the source reported (zero if none) and whether that time carried no zone (it is then read as
// UTC, and that is noted). The reported time is used when it lies within [arrival-Window,
// arrival+MaxFuture] and not before Floor; otherwise arrival is used and Note says why.
func (r StartTimeRule) Resolve(arrival, reported time.Time, zoneless bool) StartTime {
	r = r.withDefaults()
	arrival = arrival.UTC()
	st := StartTime{At: arrival}
	if reported.IsZero() {
		return st
	}
	st.Reported = reported.UTC()
	var note string
	if zoneless {
		note = "reported time had no zone and was read as UTC"
	}
	switch {
	case st.Reported.Before(r.Floor):
		return st.noted(note, fmt.Sprintf("reported time %s is before %s; the arrival time is used", st.Reported.Format(time.RFC3339), r.Floor.Format("2006-01-02")))
	case st.Reported.After(arrival.Add(r.MaxFuture)):
		return st.noted(note, fmt.Sprintf("reported time %s is %s after the arrival; the arrival time is used", st.Reported.Format(time.RFC3339), roundDur(st.Reported.Sub(arrival))))
	case st.Reported.Before(arrival.Add(-r.Window)):
		return st.noted(note, fmt.Sprintf("reported time %s is %s before the arrival (more than the %s window); the arrival time is used", st.Reported.Format(time.RFC3339), roundDur(arrival.Sub(st.Reported)), r.Window))
	}
	st.At, st.Used, st.Note = st.Reported, true, note
	return st
}

func (st StartTime) noted(a, b string) StartTime {
	if a != "" {
		st.Note = a + "; " + b
	} else {
		st.Note = b
	}
	return st
}

// Check returns KindInvalid, naming the problem, when a start time that only the client can know
// (an upload, an import) cannot be a call's start at now: in the future by more than MaxFuture,
// or before Floor. An old but sane time passes; whether it is already past retention is the
// archive's to flag (AttrExpiredOnArrival).
func (r StartTimeRule) Check(now, started time.Time) error {
	r = r.withDefaults()
	switch {
	case started.IsZero():
		return Errorf(KindInvalid, "started_at is required")
	case started.Before(r.Floor):
		return Errorf(KindInvalid, "started_at %s is before %s: the source's clock is not set; send the real start time", started.UTC().Format(time.RFC3339), r.Floor.Format("2006-01-02"))
	case started.After(now.Add(r.MaxFuture)):
		return Errorf(KindInvalid, "started_at %s is %s in the future: check the source's clock (at most %s of skew is accepted)", started.UTC().Format(time.RFC3339), roundDur(started.Sub(now)), r.MaxFuture)
	}
	return nil
}

func roundDur(d time.Duration) time.Duration {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute)
	case d >= time.Minute:
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}
