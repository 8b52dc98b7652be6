package cases

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// AgreementView is what the person agreeing to a disciplinary release sees, and nothing more:
// the case's reference and state, the recordings the release would disclose (when, which line,
// how long, and the DPO's reason for including each), and the agreements given so far. The
// case's subjects, notes, searches, links and history stay with case.read, which a delegate of
// the DPO does not have (access: checkCaseAgree).
type AgreementView struct {
	ID, Reference string
	Open          bool
	Included      []AgreementRecording
	Agreements    []callvault.CaseAgreement
	// Current is whether the last agreement covers exactly the recordings included now.
	Current bool
	// MayRead is whether the viewer may also open the whole case (the DPO).
	MayRead bool
}

// AgreementRecording is an included recording as the agreement page shows it; Rec is nil once
// the recording is deleted.
type AgreementRecording struct {
	ID     string
	Reason string
	Rec    *AgreementCall
}

// AgreementCall is the part of a recording's metadata that says which call it is, without the
// parties' names and numbers.
type AgreementCall struct {
	StartedAt  time.Time
	Duration   time.Duration
	Direction  callvault.Direction
	Extensions []string
}

// AgreementView returns disciplinary case id as the person who may agree to its release sees
// it: the DPO, or a live delegate (the rules of case.agree). Anyone else, and any other type of
// case, is KindNotFound, so that nobody learns the case exists.
func (s *Service) AgreementView(ctx context.Context, p *callvault.Principal, id string) (*AgreementView, error) {
	if !callvault.ValidID(id) {
		return nil, callvault.Errorf(callvault.KindNotFound, "no such case")
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	dels, err := s.Store.Delegations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	o := access.Object{CaseType: c.Type, Case: c, Delegations: dels, Now: s.now()}
	if d := s.Rules.Decide(p, callvault.ActCaseAgree, o); !d.Allow {
		return nil, &access.Denied{Decision: d}
	}
	v := &AgreementView{ID: c.ID, Reference: c.Reference, Open: c.Status != callvault.CaseClosed, Agreements: c.Agreements,
		MayRead: s.Rules.Decide(p, callvault.ActCaseRead, o).Allow}
	for _, d := range c.Recordings {
		if !d.Include {
			continue
		}
		row := AgreementRecording{ID: d.RecordingID, Reason: d.Reason}
		r, err := s.Recordings.Recording(ctx, d.RecordingID)
		switch {
		case err == nil:
			row.Rec = &AgreementCall{StartedAt: r.StartedAt, Duration: r.Duration, Direction: r.Direction, Extensions: r.Extensions}
		case !callvault.IsKind(err, callvault.KindNotFound):
			return nil, err
		}
		v.Included = append(v.Included, row)
	}
	if a := c.Agreement(); a != nil {
		v.Current = sameIDs(a.Recordings, c.Included())
	}
	return v, nil
}

func sameIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[string]bool{}
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}

// AwaitingAgreement returns the open disciplinary cases a live delegate of the DPO may agree to
// release and that await an agreement (recordings included, none agreed or the recordings
// changed since), for the delegate's home page. Nil for the DPO, who works from the desk, and
// for anyone without a live delegation (no case is read for them).
func (s *Service) AwaitingAgreement(ctx context.Context, p *callvault.Principal) ([]*CaseView, error) {
	if p == nil || p.Has(callvault.RoleDPO) {
		return nil, nil
	}
	dels, err := s.Store.Delegations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	live := false
	for _, d := range dels {
		live = live || (d.DelegateID == p.ID && d.Live(now))
	}
	if !live {
		return nil, nil
	}
	return s.desk(ctx, DueAll, func(c *callvault.Case) bool {
		if c.Type != callvault.CaseDisciplinary || len(c.Included()) == 0 {
			return false
		}
		if a := c.Agreement(); a != nil && sameIDs(a.Recordings, c.Included()) {
			return false
		}
		return s.Rules.Decide(p, callvault.ActCaseAgree, access.Object{CaseType: c.Type, Case: c, Delegations: dels, Now: now}).Allow
	})
}
