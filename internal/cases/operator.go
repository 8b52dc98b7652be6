package cases

import (
	"context"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/ukcal"
)

// The command line is break-glass (docs/ARCHITECTURE.md): an operator on a vault node holds the
// catalogue's credentials and could read the cases anyway, so it is no principal the rules
// decide for; every read is audited with the operator's actor (cli:<os user>).

// Audit actions of the operator's reads.
const (
	ActionOperatorList = "case.list"
	ActionOperatorShow = "case.read"
)

// OperatorList returns the open cases, filtered by due as List does, and audits the read.
func (s *Service) OperatorList(ctx context.Context, actor callvault.Actor, due string) ([]*CaseView, error) {
	if err := checkDue(due); err != nil {
		return nil, err
	}
	out, err := s.desk(ctx, due, func(*callvault.Case) bool { return true })
	if err != nil {
		return nil, err
	}
	ev := &callvault.AuditEvent{Time: s.now(), Actor: string(actor), Action: ActionOperatorList, Object: "cases",
		Detail: callvault.AuditDetail(map[string]any{"due": due, "cases": len(out), "break_glass": true})}
	if err := s.Store.AppendAudit(ctx, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	return out, nil
}

// OperatorShow returns the case with the reference (or ID) ref, open or closed, and audits the
// read. KindNotFound if there is none.
func (s *Service) OperatorShow(ctx context.Context, actor callvault.Actor, ref string) (*CaseView, error) {
	ref = strings.TrimSpace(ref)
	var found *callvault.Case
	if callvault.ValidID(ref) {
		c, err := s.Store.Case(ctx, ref)
		if err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
			return nil, err
		}
		found = c
	}
	if found == nil && callvault.ValidCaseReference(strings.ToUpper(ref)) {
		ref = strings.ToUpper(ref)
		f := callvault.CaseFilter{Limit: 1000}
		for found == nil {
			page, err := s.Store.Cases(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, c := range page {
				if c.Reference == ref {
					found = c
				}
			}
			if len(page) < f.Limit {
				break
			}
			f.After = page[len(page)-1].ID
		}
	}
	if found == nil {
		return nil, callvault.Errorf(callvault.KindNotFound, "no case %q; give a reference (SAR-2026-0007) or an ID (see callvault case list)", ref)
	}
	ev := s.event(ctx, &callvault.Principal{Actor: actor}, ActionOperatorShow, found, map[string]any{"break_glass": true})
	if err := s.Store.AppendAudit(ctx, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	return &CaseView{Case: found, Clock: clockOf(found, ukcal.FromTime(s.now(), callvault.DefaultZone()))}, nil
}
