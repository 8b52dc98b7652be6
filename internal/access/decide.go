package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callvault/callvault"
)

// ApproveInput is an approval: the written statement, and optionally a narrower set of the
// matched recordings, the grant's expiry (default 7 days, at most MaxExpiry) and whether
// download is allowed (default: listen only).
type ApproveInput struct {
	Statement    string     `json:"statement"`
	RecordingIDs []string   `json:"recording_ids"`
	ExpiresAt    *time.Time `json:"expires_at"`
	Download     bool       `json:"download"`
}

const minStatement = 3

func checkStatement(fe *callvault.FieldErrors, statement string) string {
	statement = strings.TrimSpace(statement)
	switch n := utf8.RuneCountInString(statement); {
	case n == 0:
		fe.Add("statement", "is required: the written agreement, with its reason")
	case n < minStatement:
		fe.Add("statement", fmt.Sprintf("is too short (at least %d characters)", minStatement))
	case len(statement) > maxText:
		fe.Add("statement", fmt.Sprintf("is longer than %d bytes", maxText))
	}
	return statement
}

// decidable loads request id and asks the rules whether p may take action a on it.
func (s *Service) decidable(ctx context.Context, p *callvault.Principal, a callvault.Action, id string) (*callvault.AccessRequest, Decision, error) {
	r, err := s.Store.AccessRequest(ctx, id)
	if callvault.IsKind(err, callvault.KindNotFound) {
		r, err = nil, nil
	}
	if err != nil {
		return nil, Decision{}, err
	}
	dels, err := s.delegationsOf(ctx, p)
	if err != nil {
		return nil, Decision{}, err
	}
	// A request the caller may not even read is not found; one they may read but not decide is
	// forbidden, with the reason.
	if r != nil && !s.Rules.Decide(p, callvault.ActRequestRead, Object{Request: r, Delegations: dels, Now: s.now()}).Allow &&
		!p.HasAny(deciders...) && !p.Has(callvault.RoleDPO) {
		r = nil
	}
	d, err := s.Check(ctx, p, a, Object{Request: r, Delegations: dels}, "request:"+id)
	return r, d, err
}

// Approve approves request id with a written statement, making a grant over the chosen
// recordings (all matched ones by default). Errors: the rules' refusals (*Denied); KindInvalid
// listing bad fields; KindConflict if it was decided meanwhile.
func (s *Service) Approve(ctx context.Context, p *callvault.Principal, id string, in ApproveInput) (*RequestView, error) {
	r, d, err := s.decidable(ctx, p, callvault.ActRequestApprove, id)
	if err != nil {
		return nil, err
	}
	var fe callvault.FieldErrors
	statement := checkStatement(&fe, in.Statement)
	ids := r.Matched
	if in.RecordingIDs != nil {
		ids = nil
		for i, rid := range in.RecordingIDs {
			switch {
			case !slices.Contains(r.Matched, rid):
				fe.Add(fmt.Sprintf("recording_ids[%d]", i), "is not one of the recordings the request matched; an approval may only narrow the set")
			case !slices.Contains(ids, rid):
				ids = append(ids, rid)
			}
		}
	}
	if len(ids) == 0 && len(fe) == 0 {
		fe.Add("recording_ids", "an approval must grant at least one recording; reject the request instead")
	}
	now := s.now()
	expires := now.Add(DefaultGrantExpiry)
	maxExp := s.MaxExpiry
	if maxExp <= 0 {
		maxExp = DefaultMaxExpiry
	}
	if in.ExpiresAt != nil {
		expires = in.ExpiresAt.UTC()
		switch {
		case !expires.After(now):
			fe.Add("expires_at", "is in the past")
		case expires.Sub(now) > maxExp:
			fe.Add("expires_at", fmt.Sprintf("is further than the maximum of %s away", maxExp))
		}
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	slices.Sort(ids)
	g := &callvault.Grant{ID: callvault.NewID(), RequestID: r.ID, UserID: r.RequesterID, RecordingIDs: ids,
		Download: in.Download, CreatedAt: now, ExpiresAt: expires}
	decided := *r
	decided.Status, decided.DeciderID, decided.DeciderName, decided.DecidedAt = callvault.RequestApproved, p.ID, p.Name, &now
	decided.Statement, decided.GrantID = statement, g.ID
	decided.SelfApproved = slices.Contains(d.Flags, FlagSelfApproval)
	detail := map[string]any{"statement": statement, "recording_ids": ids, "expires_at": expires.Format(time.RFC3339),
		"download": in.Download, "grant": g.ID, "purpose": r.Purpose, "requester": r.RequesterName}
	if len(ids) < len(r.Matched) {
		detail["narrowed_from"] = len(r.Matched)
	}
	if len(d.Flags) > 0 {
		detail["flags"] = d.Flags
	}
	ev := s.event(ctx, p, callvault.ActionRequestApprove, "request:"+r.ID, detail)
	ev.Purpose = "request:" + r.ID
	if err := s.Store.DecideAccessRequest(ctx, &decided, g, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	s.notifyDecided(ctx, &decided)
	dels, _ := s.delegationsOf(ctx, p)
	return s.view(ctx, p, &decided, dels)
}

// Reject rejects request id with a written statement.
func (s *Service) Reject(ctx context.Context, p *callvault.Principal, id, statement string) (*RequestView, error) {
	r, _, err := s.decidable(ctx, p, callvault.ActRequestReject, id)
	if err != nil {
		return nil, err
	}
	var fe callvault.FieldErrors
	statement = checkStatement(&fe, statement)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	decided := *r
	decided.Status, decided.DeciderID, decided.DeciderName, decided.DecidedAt = callvault.RequestRejected, p.ID, p.Name, &now
	decided.Statement = statement
	ev := s.event(ctx, p, callvault.ActionRequestReject, "request:"+r.ID, map[string]any{"statement": statement, "purpose": r.Purpose})
	ev.Purpose = "request:" + r.ID
	if err := s.Store.DecideAccessRequest(ctx, &decided, nil, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	s.notifyDecided(ctx, &decided)
	return &RequestView{AccessRequest: &decided}, nil
}

// RevokeGrant ends grant id at once: the next byte asked for under it is refused.
func (s *Service) RevokeGrant(ctx context.Context, p *callvault.Principal, id, reason string) (*callvault.Grant, error) {
	g, err := s.Store.Grant(ctx, id)
	if callvault.IsKind(err, callvault.KindNotFound) {
		g, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := s.Check(ctx, p, callvault.ActGrantRevoke, Object{Grant: g}, "grant:"+id); err != nil {
		return nil, err
	}
	if len(reason) > maxText {
		return nil, callvault.Errorf(callvault.KindInvalid, "the reason is longer than %d bytes", maxText)
	}
	now := s.now()
	ev := s.event(ctx, p, callvault.ActionGrantRevoke, "grant:"+id, map[string]any{"reason": strings.TrimSpace(reason), "request": g.RequestID})
	ev.Purpose = "request:" + g.RequestID
	if err := s.Store.RevokeGrant(ctx, id, now, string(p.Actor), ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	s.listening.forgetGrant(id)
	if err := s.flushEnded(ctx); err != nil {
		return nil, err
	}
	g.RevokedAt, g.RevokedBy = &now, string(p.Actor)
	return g, nil
}
