package access

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// DelegationInput is the DPO's written authorisation of another user to decide disciplinary
// requests. From defaults to now; Until is required and at most a year after From.
type DelegationInput struct {
	Delegate   string     `json:"delegate"`    // user name or ID
	DelegateID string     `json:"delegate_id"` // user ID, if Delegate is not given
	From       *time.Time `json:"from"`
	Until      *time.Time `json:"until"`
	Statement  string     `json:"statement"` // optional: the terms of the authorisation
}

const maxDelegation = 366 * 24 * time.Hour

// CreateDelegation records a delegation by the DPO p.
func (s *Service) CreateDelegation(ctx context.Context, p *callvault.Principal, in DelegationInput) (*callvault.Delegation, error) {
	if _, err := s.Check(ctx, p, callvault.ActDelegationCreate, Object{}, "delegations"); err != nil {
		return nil, err
	}
	var fe callvault.FieldErrors
	now := s.now()
	from := now
	if in.From != nil {
		from = in.From.UTC()
	}
	var delegate *callvault.User
	name := strings.TrimSpace(in.Delegate)
	if name == "" {
		name = strings.TrimSpace(in.DelegateID)
	}
	if name == "" {
		fe.Add("delegate", "is required: the user name of the person authorised")
	} else if u, err := s.userByNameOrID(ctx, name); callvault.IsKind(err, callvault.KindNotFound) {
		fe.Add("delegate", "no such user")
	} else if err != nil {
		return nil, err
	} else if u.Disabled() {
		fe.Add("delegate", "the user is disabled")
	} else if u.ID == p.ID {
		fe.Add("delegate", "the DPO needs no delegation from themselves")
	} else {
		delegate = u
	}
	switch {
	case in.Until == nil:
		fe.Add("until", "is required: when the authorisation ends")
	case !in.Until.After(from) || !in.Until.After(now):
		fe.Add("until", "must be after from and in the future")
	case in.Until.Sub(from) > maxDelegation:
		fe.Add("until", "a delegation lasts at most a year")
	}
	statement := strings.TrimSpace(in.Statement)
	if len(statement) > maxText {
		fe.Add("statement", fmt.Sprintf("is longer than %d bytes", maxText))
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	d := &callvault.Delegation{ID: callvault.NewID(), DelegateID: delegate.ID, DelegateName: delegate.Name, GrantorID: p.ID,
		GrantorName: p.Name, Statement: statement, From: from, Until: in.Until.UTC(), CreatedAt: now}
	ev := s.event(ctx, p, callvault.ActionDelegationCreate, "delegation:"+d.ID, map[string]any{
		"delegate": d.DelegateName, "from": d.From.Format(time.RFC3339), "until": d.Until.Format(time.RFC3339), "statement": statement})
	if err := s.Store.CreateDelegation(ctx, d, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	return d, nil
}

// RevokeDelegation ends delegation id at once.
func (s *Service) RevokeDelegation(ctx context.Context, p *callvault.Principal, id string) (*callvault.Delegation, error) {
	if _, err := s.Check(ctx, p, callvault.ActDelegationRevoke, Object{}, "delegation:"+id); err != nil {
		return nil, err
	}
	now := s.now()
	if err := s.Store.RevokeDelegation(ctx, id, now, s.event(ctx, p, callvault.ActionDelegationRevoke, "delegation:"+id, nil)); err != nil {
		return nil, err
	}
	s.after(ctx)
	return s.Store.Delegation(ctx, id)
}

// Delegations lists every delegation, newest first.
func (s *Service) Delegations(ctx context.Context, p *callvault.Principal) ([]*callvault.Delegation, error) {
	if _, err := s.Check(ctx, p, callvault.ActDelegationList, Object{}, "delegations"); err != nil {
		return nil, err
	}
	return s.Store.Delegations(ctx, "")
}

// userByNameOrID finds a user by name, or by ID when s is one.
func (s *Service) userByNameOrID(ctx context.Context, v string) (*callvault.User, error) {
	if callvault.ValidID(v) {
		if u, err := s.Store.User(ctx, v); !callvault.IsKind(err, callvault.KindNotFound) {
			return u, err
		}
	}
	return s.Store.UserByName(ctx, v)
}
