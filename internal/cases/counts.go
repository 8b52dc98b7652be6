package cases

import (
	"context"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases/sarclock"
)

// Counts are the figures of the subject access desk, for the compliance report: how many open
// cases' clocks run, are overdue or are stopped. They name no case and no person, so the
// auditor and the Directors may see them (the report's rule, compliance.read) although they
// may not open the desk.
type Counts struct {
	Open    int `json:"open"` // open cases of every type
	Due     int `json:"due"`  // subject access cases whose clock runs, not yet overdue
	Overdue int `json:"overdue"`
	Stopped int `json:"stopped"` // waiting for the requester
}

// Counts counts the open cases by where their clocks stand today.
func (s *Service) Counts(ctx context.Context) (*Counts, error) {
	all, err := s.desk(ctx, DueAll, func(*callvault.Case) bool { return true })
	if err != nil {
		return nil, err
	}
	out := &Counts{Open: len(all)}
	for _, c := range all {
		switch c.Clock {
		case sarclock.StatusRunning:
			out.Due++
		case sarclock.StatusOverdue:
			out.Overdue++
		case sarclock.StatusStopped:
			out.Stopped++
		}
	}
	return out, nil
}
