package cases

import (
	"context"
	"fmt"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/cases/sarclock"
	"github.com/callvault/callvault/internal/ukcal"
)

// CaseView is a case on the desk with where its clock stands today.
type CaseView struct {
	*callvault.Case
	// Clock is running, overdue or stopped for a subject access case, "" for others.
	Clock sarclock.Status `json:"clock,omitempty"`
}

// The desk's filters (GET /api/v1/cases?due=...).
const (
	DueAll     = ""        // every open case
	DueRunning = "due"     // open subject access cases whose clock runs and is not overdue
	DueOverdue = "overdue" // past their due date
	DueStopped = "stopped" // waiting for the requester
	// DueHoldReview selects no case: the desk's answer lists only the holds whose review is
	// overdue (HoldReviews).
	DueHoldReview = "hold_review"
)

// filterStatus is the clock status each filter selects.
var filterStatus = map[string]sarclock.Status{DueRunning: sarclock.StatusRunning, DueOverdue: sarclock.StatusOverdue, DueStopped: sarclock.StatusStopped}

// maxDesk bounds the open cases the desk reads.
const maxDesk = 10000

// List returns the open cases p may run, filtered by due, ordered by due date then ID.
func (s *Service) List(ctx context.Context, p *callvault.Principal, due string) ([]*CaseView, error) {
	if d := s.Rules.Decide(p, callvault.ActCaseList, access.Object{Now: s.now()}); !d.Allow {
		return nil, &access.Denied{Decision: d}
	}
	if err := checkDue(due); err != nil {
		return nil, err
	}
	return s.desk(ctx, due, func(c *callvault.Case) bool { return access.MayRunCase(p, c.Type) })
}

// desk returns the open cases keep accepts, filtered by due, ordered by due date then ID.
func (s *Service) desk(ctx context.Context, due string, keep func(*callvault.Case) bool) ([]*CaseView, error) {
	today := ukcal.FromTime(s.now(), callvault.DefaultZone())
	out := []*CaseView{}
	if due == DueHoldReview {
		return out, nil
	}
	f := callvault.CaseFilter{Status: callvault.CaseOpen, Limit: 1000}
	for read := 0; read < maxDesk; {
		page, err := s.Store.Cases(ctx, f)
		if err != nil {
			return nil, err
		}
		read += len(page)
		for _, c := range page {
			if !keep(c) {
				continue
			}
			v := &CaseView{Case: c, Clock: clockOf(c, today)}
			if due == DueAll || v.Clock == filterStatus[due] {
				out = append(out, v)
			}
		}
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	sortByDue(out)
	return out, nil
}

func checkDue(due string) error {
	switch due {
	case DueAll, DueRunning, DueOverdue, DueStopped, DueHoldReview:
		return nil
	}
	return callvault.FieldErrors{{Field: "due", Problem: fmt.Sprintf("unknown filter %q; use due, overdue, stopped or hold_review", due)}}.Err()
}

func clockOf(c *callvault.Case, today ukcal.Date) sarclock.Status {
	if c.Type != callvault.CaseSubjectAccess {
		return ""
	}
	if c.Stopped {
		return sarclock.StatusStopped
	}
	due, err := ukcal.ParseDate(c.DueDate)
	if err != nil {
		return ""
	}
	return sarclock.Clock{Due: due}.StatusOn(today)
}
