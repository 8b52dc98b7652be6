package cases

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/cases/sarclock"
	"github.com/callvault/callvault/internal/ukcal"
)

// OpenInput is what opening a case takes. ReceivedAt is when the organisation received the
// request, by any channel: RFC 3339, or a day (YYYY-MM-DD, taken as the start of that day in
// London).
type OpenInput struct {
	Type       callvault.CaseType     `json:"type"`
	ReceivedAt string                 `json:"received_at"`
	Subjects   callvault.CaseSubjects `json:"subjects"`
	Note       string                 `json:"note,omitempty"`
	// External is an external_body case's request (required for that type only).
	External *ExternalInput `json:"external,omitempty"`
}

// maxFuture is how far ahead of the server's clock received_at may be (a clock a little fast).
const maxFuture = 5 * time.Minute

// Open opens a case, works out the due date of a subject access request and tells the DPO.
// Errors: the rules' refusals, KindInvalid (callvault.FieldErrors) for bad input.
func (s *Service) Open(ctx context.Context, p *callvault.Principal, in OpenInput) (*callvault.Case, error) {
	if err := s.check(p, callvault.ActCaseOpen, in.Type); err != nil {
		if !in.Type.Valid() {
			return nil, callvault.FieldErrors{{Field: "type", Problem: fmt.Sprintf("unknown case type %q; use one of %s", in.Type, typeList())}}.Err()
		}
		if access.DeniedCode(err) == access.CodeNotFound { // there is no case yet to hide
			return nil, &access.Denied{Decision: access.Decision{Code: access.CodeForbidden, Reason: "only the DPO opens " + string(in.Type) + " cases"}}
		}
		return nil, err
	}
	now := s.now()
	var fe callvault.FieldErrors
	received, err := parseWhen(in.ReceivedAt)
	switch {
	case strings.TrimSpace(in.ReceivedAt) == "":
		fe.Add("received_at", "is required: when the organisation received the request")
	case err != nil:
		fe.Add("received_at", "is not an RFC 3339 time or a YYYY-MM-DD day")
	case received.After(now.Add(maxFuture)):
		fe.Add("received_at", "is in the future")
	case received.Year() < ukcal.MinYear:
		// The bank-holiday calendar (and so the due date) starts then; an earlier day is a typo.
		fe.Add("received_at", fmt.Sprintf("is before %d, where the calendar of due dates begins", ukcal.MinYear))
	}
	subjects := cleanSubjects(&fe, in.Subjects)
	ext := external(&fe, in.Type, in.External)
	if len(in.Note) > 4000 {
		fe.Add("note", "is longer than 4000 bytes")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	c := &callvault.Case{
		ID: callvault.NewID(), Type: in.Type, Status: callvault.CaseOpen,
		ReceivedAt: received.UTC(), OpenedAt: now, OpenedBy: string(p.Actor), Subjects: subjects, External: ext,
	}
	if in.Type == callvault.CaseSubjectAccess {
		due, err := sarclock.DueDate(s.region(), ukcal.FromTime(received, callvault.DefaultZone()))
		if err != nil {
			return nil, err
		}
		c.DueDate, c.Region = due.String(), string(s.region())
	}
	s.step(c, p, "opened", "")
	if n := strings.TrimSpace(in.Note); n != "" {
		c.Notes = append(c.Notes, callvault.CaseNote{At: now, Actor: string(p.Actor), Text: n})
	}
	ev := s.event(ctx, p, callvault.ActionCaseOpen, c, map[string]any{"received_at": c.ReceivedAt, "due_date": c.DueDate})
	if err := s.Store.CreateCase(ctx, c, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	s.notifyOpened(ctx, c)
	return c, nil
}

// notifyOpened tells every enabled DPO of c. A notifier's failure is its own to report.
func (s *Service) notifyOpened(ctx context.Context, c *callvault.Case) {
	if s.Notifier == nil {
		return
	}
	users, err := s.Store.Users(ctx)
	if err != nil {
		return
	}
	var dpos []*callvault.User
	for _, u := range users {
		if u.Has(callvault.RoleDPO) && !u.Disabled() {
			dpos = append(dpos, u)
		}
	}
	_ = s.Notifier.CaseOpened(ctx, c, dpos)
}

func parseWhen(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation(time.DateOnly, s, callvault.DefaultZone())
}

// cleanSubjects trims the subjects and drops empty ones, naming any that is too long.
func cleanSubjects(fe *callvault.FieldErrors, in callvault.CaseSubjects) callvault.CaseSubjects {
	clean := func(field string, vs []string) []string {
		out := []string{}
		for i, v := range vs {
			v = strings.TrimSpace(v)
			switch {
			case v == "":
			case len(v) > 200:
				fe.Add(fmt.Sprintf("%s[%d]", field, i), "is longer than 200 bytes")
			default:
				out = append(out, v)
			}
		}
		return out
	}
	out := callvault.CaseSubjects{Numbers: clean("subjects.numbers", in.Numbers), Names: clean("subjects.names", in.Names)}
	if len(in.Extensions) > 0 {
		out.Extensions = clean("subjects.extensions", in.Extensions)
	}
	if len(out.Numbers)+len(out.Names)+len(out.Extensions) > 100 {
		fe.Add("subjects", "more than 100 numbers, names and extensions")
	}
	return out
}

func typeList() string {
	out := make([]string, len(callvault.CaseTypes))
	for i, t := range callvault.CaseTypes {
		out[i] = string(t)
	}
	return strings.Join(out, ", ")
}
