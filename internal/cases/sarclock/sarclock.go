package sarclock

import (
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/ukcal"
)

// StopReason says what the organisation is waiting for while the clock is stopped.
type StopReason string

// The reasons the clock may stop (see the package documentation for what each does).
const (
	WaitingForIdentity      StopReason = "identity"
	WaitingForClarification StopReason = "clarification"
)

// Stop is one stop of the clock: the organisation asked the requester on Asked, and the answer
// arrived on Answered (the zero Date while it is still awaited).
type Stop struct {
	Reason   StopReason `json:"reason"`
	Asked    ukcal.Date `json:"asked"`
	Answered ukcal.Date `json:"answered,omitzero"`
}

// Extension is the organisation's decision to take one or two further months, with its reason,
// notified to the requester on Notified.
type Extension struct {
	Months   int        `json:"months"`
	Reason   string     `json:"reason"`
	Notified ukcal.Date `json:"notified"`
}

// MaxExtensionMonths is the longest extension the law allows.
const MaxExtensionMonths = 2

// Request is what the clock depends on: where and when the request was received, the stops in
// the order they happened, and the extension if there is one.
type Request struct {
	Region    ukcal.Region
	Received  ukcal.Date
	Stops     []Stop
	Extension *Extension
}

// Clock is the state of the clock.
type Clock struct {
	Start        ukcal.Date // day one of the period: the day of receipt, or of the identity information
	PausedDays   int        // days of clarification pauses that do not count
	OriginalDue  ukcal.Date // the due date without any extension (zero while stopped)
	Due          ukcal.Date // the last day to respond, extension included (zero while stopped)
	Stopped      bool       // the organisation is waiting for the requester
	StoppedSince ukcal.Date // the day the current stop began
	StoppedFor   StopReason // what it is waiting for
}

// DueDate returns the due date of a request received on received in region r with no stop and
// no extension.
func DueDate(r ukcal.Region, received ukcal.Date) (ukcal.Date, error) {
	c, err := Compute(Request{Region: r, Received: received})
	return c.Due, err
}

// Compute returns the state of the clock for req. Errors have kind callvault.KindInvalid for a
// malformed request (unknown region or reason, dates out of order, an extension of the wrong
// length or without a reason) and callvault.KindConflict for a step the law does not allow at
// that time (stopping a clock that has run out, extending after the original due date).
func Compute(req Request) (Clock, error) {
	if _, err := ukcal.ParseRegion(string(req.Region)); err != nil || req.Region == "" {
		return Clock{}, callvault.Errorf(callvault.KindInvalid, "unknown region %q", req.Region)
	}
	if req.Received.IsZero() {
		return Clock{}, callvault.Errorf(callvault.KindInvalid, "the date the request was received is missing")
	}
	if err := checkStops(req); err != nil {
		return Clock{}, err
	}
	c, err := run(req, req.Stops)
	if err != nil {
		return Clock{}, err
	}
	if ext := req.Extension; ext != nil {
		if err := checkExtension(req, *ext); err != nil {
			return Clock{}, err
		}
		if !c.Stopped {
			c.Due = due(req.Region, c.Start, 1+ext.Months, c.PausedDays)
		}
	}
	return c, nil
}

// checkStops checks what can be checked of the stops without running the clock.
func checkStops(req Request) error {
	for i, s := range req.Stops {
		if s.Reason != WaitingForIdentity && s.Reason != WaitingForClarification {
			return callvault.Errorf(callvault.KindInvalid, "stop %d: unknown reason %q: use %q or %q", i+1, s.Reason, WaitingForIdentity, WaitingForClarification)
		}
		if s.Asked.IsZero() || s.Asked.Before(req.Received) {
			return callvault.Errorf(callvault.KindInvalid, "stop %d: the day the requester was asked (%s) is missing or before the request was received (%s)", i+1, s.Asked, req.Received)
		}
		if !s.Answered.IsZero() && s.Answered.Before(s.Asked) {
			return callvault.Errorf(callvault.KindInvalid, "stop %d: answered on %s, before the requester was asked on %s", i+1, s.Answered, s.Asked)
		}
		if i > 0 {
			prev := req.Stops[i-1]
			if prev.Answered.IsZero() {
				return callvault.Errorf(callvault.KindInvalid, "stop %d: stop %d is still waiting for an answer; only the last stop may be open", i+1, i)
			}
			if s.Asked.Before(prev.Answered) {
				return callvault.Errorf(callvault.KindInvalid, "stop %d: asked on %s, before stop %d was answered on %s; stops must not overlap", i+1, s.Asked, i, prev.Answered)
			}
		}
	}
	return nil
}

// run runs the clock through stops (already checked) and returns its state.
func run(req Request, stops []Stop) (Clock, error) {
	c := Clock{Start: req.Received}
	var lastPaused ukcal.Date
	for i, s := range stops {
		limit := due(req.Region, c.Start, 1, c.PausedDays)
		if ext := req.Extension; ext != nil && !ext.Notified.After(s.Asked) {
			limit = due(req.Region, c.Start, 1+ext.Months, c.PausedDays)
		}
		if s.Asked.After(limit) {
			return Clock{}, callvault.Errorf(callvault.KindConflict, "stop %d: the period had already ended on %s when the requester was asked on %s", i+1, limit, s.Asked)
		}
		if s.Answered.IsZero() {
			c.Stopped, c.StoppedSince, c.StoppedFor = true, s.Asked, s.Reason
			return c, nil
		}
		switch s.Reason {
		case WaitingForIdentity:
			c.Start, c.PausedDays, lastPaused = s.Answered, 0, ukcal.Date{}
		case WaitingForClarification:
			from := s.Asked
			if !lastPaused.IsZero() && !from.After(lastPaused) {
				from = lastPaused.AddDays(1)
			}
			if !from.After(s.Answered) {
				c.PausedDays += s.Answered.DaysSince(from) + 1
				lastPaused = s.Answered
			}
		}
	}
	c.OriginalDue = due(req.Region, c.Start, 1, c.PausedDays)
	c.Due = c.OriginalDue
	return c, nil
}

// due is the last day of a period of months calendar months beginning with start, lengthened by
// paused days, moved to a working day.
func due(r ukcal.Region, start ukcal.Date, months, paused int) ukcal.Date {
	return ukcal.OnOrAfterWorkingDay(r, start.AddMonths(months).AddDays(paused))
}

// checkExtension checks that ext is allowed for req: one or two months, a reason, notified on
// or before the original due date as it stood that day (the clock run with the stops known
// then; a stop still waiting that day means the month had not run out).
func checkExtension(req Request, ext Extension) error {
	if ext.Months < 1 || ext.Months > MaxExtensionMonths {
		return callvault.Errorf(callvault.KindInvalid, "an extension is of 1 or 2 further months, not %d", ext.Months)
	}
	if strings.TrimSpace(ext.Reason) == "" {
		return callvault.Errorf(callvault.KindInvalid, "an extension needs a reason (the requester must be told why)")
	}
	if ext.Notified.IsZero() || ext.Notified.Before(req.Received) {
		return callvault.Errorf(callvault.KindInvalid, "the day the extension was notified (%s) is missing or before the request was received (%s)", ext.Notified, req.Received)
	}
	var known []Stop
	for _, s := range req.Stops {
		if s.Asked.After(ext.Notified) {
			break
		}
		if s.Answered.After(ext.Notified) {
			s.Answered = ukcal.Date{}
		}
		known = append(known, s)
	}
	req.Extension = nil
	then, err := run(req, known)
	if err != nil || then.Stopped {
		return err
	}
	if ext.Notified.After(then.OriginalDue) {
		return callvault.Errorf(callvault.KindConflict, "too late to extend: an extension must be notified by the original due date, %s, and this one was notified on %s", then.OriginalDue, ext.Notified)
	}
	return nil
}

// Status is where a request stands on a given day, for the DPO's list of what is due.
type Status string

// The statuses.
const (
	StatusRunning Status = "running" // due today or later
	StatusOverdue Status = "overdue" // the due date has passed
	StatusStopped Status = "stopped" // waiting for the requester
)

// StatusOn returns the status of c on day today.
func (c Clock) StatusOn(today ukcal.Date) Status {
	switch {
	case c.Stopped:
		return StatusStopped
	case today.After(c.Due):
		return StatusOverdue
	}
	return StatusRunning
}
