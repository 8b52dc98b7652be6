package cases

import (
	"context"
	"slices"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// AgreeInput is the written agreement to a disciplinary release.
type AgreeInput struct {
	Statement string `json:"statement"`
}

// Agree records the written agreement of the DPO, or of someone the DPO has authorised by a
// live delegation, to release the disciplinary case id's included recordings (the rule is
// access's, the same as for disciplinary access requests). The agreement names the included
// recordings; a later change to them needs a new agreement. Anyone else is told there is no
// such case. Errors: the rules' refusals, KindInvalid without a statement or recordings,
// KindConflict once closed.
func (s *Service) Agree(ctx context.Context, p *callvault.Principal, id string, in AgreeInput) (*callvault.Case, error) {
	notFound := callvault.Errorf(callvault.KindNotFound, "no such case")
	if !callvault.ValidID(id) {
		return nil, notFound
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	dels, err := s.Store.Delegations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	d := s.Rules.Decide(p, callvault.ActCaseAgree, access.Object{CaseType: c.Type, Case: c, Delegations: dels, Now: s.now()})
	if !d.Allow {
		return nil, &access.Denied{Decision: d}
	}
	statement := strings.TrimSpace(in.Statement)
	switch {
	case statement == "":
		return nil, callvault.FieldErrors{{Field: "statement", Problem: "is required: the written agreement to the release"}}.Err()
	case len(statement) > 4000:
		return nil, callvault.FieldErrors{{Field: "statement", Problem: "is longer than 4000 bytes"}}.Err()
	case c.Status == callvault.CaseClosed:
		return nil, callvault.Errorf(callvault.KindConflict, "case %s is closed", c.Reference)
	case len(c.Included()) == 0:
		return nil, callvault.Errorf(callvault.KindConflict, "case %s includes no recording yet: there is nothing to release", c.Reference)
	}
	delegated := slices.Contains(d.Flags, access.FlagDelegatedAuthority)
	c.Agreements = append(c.Agreements, callvault.CaseAgreement{At: s.now(), Actor: string(p.Actor), Statement: statement,
		Recordings: c.Included(), Delegated: delegated})
	s.step(c, p, "agreed", "release of the included recordings agreed in writing")
	detail := map[string]any{"recordings": len(c.Included())}
	if len(d.Flags) > 0 {
		detail["flags"] = d.Flags
	}
	if err := s.update(ctx, c, s.event(ctx, p, callvault.ActionCaseAgree, c, detail)); err != nil {
		return nil, err
	}
	return c, nil
}
