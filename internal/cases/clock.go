package cases

import (
	"context"
	"fmt"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases/sarclock"
	"github.com/callvault/callvault/internal/ukcal"
)

// ClockInput is a step of a subject access clock: stop (waiting for identity or
// clarification), restart (the answer arrived) or extend (by 1 or 2 months, with a reason,
// before the original due date). Date is the day of the step (YYYY-MM-DD; default today).
type ClockInput struct {
	Action string `json:"action"`
	Reason string `json:"reason,omitempty"` // stop: identity or clarification; extend: why
	Date   string `json:"date,omitempty"`
	Months int    `json:"months,omitempty"`
}

// Clock records a step of the case's clock and recomputes its due date. KindInvalid for bad
// input, KindConflict for a step the law or the case does not allow now (stopping a stopped
// clock, extending twice or after the original due date, a case that is not a subject access
// request or is closed).
func (s *Service) Clock(ctx context.Context, p *callvault.Principal, id string, in ClockInput) (*callvault.Case, error) {
	c, err := s.load(ctx, p, callvault.ActCaseClock, id)
	if err != nil {
		return nil, err
	}
	if c.Type != callvault.CaseSubjectAccess || c.Status == callvault.CaseClosed {
		return nil, callvault.Errorf(callvault.KindConflict, "case %s has no running clock (only open subject access cases do)", c.Reference)
	}
	today := ukcal.FromTime(s.now(), callvault.DefaultZone())
	day := today
	if strings.TrimSpace(in.Date) != "" {
		if day, err = ukcal.ParseDate(strings.TrimSpace(in.Date)); err != nil {
			return nil, callvault.FieldErrors{{Field: "date", Problem: "is not a YYYY-MM-DD day: " + err.Error()}}.Err()
		}
		// A step is recorded when it happened: a day to come would move the due date on a guess.
		if day.After(today) {
			return nil, callvault.FieldErrors{{Field: "date", Problem: fmt.Sprintf("is after today (%s): record a step once it has happened", today)}}.Err()
		}
	}
	open := len(c.Stops) > 0 && c.Stops[len(c.Stops)-1].Answered == ""
	detail := map[string]any{"action": in.Action, "date": day.String()}
	switch in.Action {
	case "stop":
		if in.Reason != string(sarclock.WaitingForIdentity) && in.Reason != string(sarclock.WaitingForClarification) {
			return nil, callvault.FieldErrors{{Field: "reason", Problem: "a stop waits for identity or clarification"}}.Err()
		}
		if open {
			return nil, callvault.Errorf(callvault.KindConflict, "the clock is stopped already; restart it first")
		}
		c.Stops = append(c.Stops, callvault.CaseClockStop{Reason: in.Reason, Asked: day.String()})
		detail["reason"] = in.Reason
	case "restart":
		if !open {
			return nil, callvault.Errorf(callvault.KindConflict, "the clock is not stopped")
		}
		c.Stops[len(c.Stops)-1].Answered = day.String()
	case "extend":
		if c.Extension != nil {
			return nil, callvault.Errorf(callvault.KindConflict, "the case was extended already")
		}
		c.Extension = &callvault.CaseExtension{Months: in.Months, Reason: strings.TrimSpace(in.Reason), Notified: day.String()}
		detail["months"] = in.Months
	default:
		return nil, callvault.FieldErrors{{Field: "action", Problem: fmt.Sprintf("unknown action %q; use stop, restart or extend", in.Action)}}.Err()
	}
	clock, err := s.compute(c)
	if err != nil {
		return nil, err
	}
	c.DueDate, c.Stopped = "", clock.Stopped
	if !clock.Stopped {
		c.DueDate = clock.Due.String()
	}
	s.step(c, p, "clock "+in.Action, day.String())
	if err := s.update(ctx, c, s.event(ctx, p, callvault.ActionCaseClock, c, detail)); err != nil {
		return nil, err
	}
	return c, nil
}

// compute runs the statutory clock over the case's record.
func (s *Service) compute(c *callvault.Case) (sarclock.Clock, error) {
	req := sarclock.Request{Region: ukcal.Region(c.Region), Received: ukcal.FromTime(c.ReceivedAt, callvault.DefaultZone())}
	for _, st := range c.Stops {
		asked, _ := ukcal.ParseDate(st.Asked)
		var answered ukcal.Date
		if st.Answered != "" {
			answered, _ = ukcal.ParseDate(st.Answered)
		}
		req.Stops = append(req.Stops, sarclock.Stop{Reason: sarclock.StopReason(st.Reason), Asked: asked, Answered: answered})
	}
	if e := c.Extension; e != nil {
		notified, _ := ukcal.ParseDate(e.Notified)
		req.Extension = &sarclock.Extension{Months: e.Months, Reason: e.Reason, Notified: notified}
	}
	return sarclock.Compute(req)
}
