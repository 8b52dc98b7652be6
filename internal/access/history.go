package access

import (
	"context"
	"slices"

	"github.com/callvault/callvault"
)

// MaxHistory bounds the decisions History returns.
const MaxHistory = 500

// History returns the decided requests (approved and rejected) p may review, that is those p
// had the authority to decide, and those p decided, newest decision first, at most MaxHistory:
// the approvals queue's history, with each decision's statement, decider, time and, once
// approved, the grant's recordings (against what the request matched), expiry and download
// choice. It asks the rules as the queue does; it reads no recording.
func (s *Service) History(ctx context.Context, p *callvault.Principal) ([]*RequestView, error) {
	dels, err := s.delegationsOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if _, err := s.Check(ctx, p, callvault.ActRequestQueue, Object{Delegations: dels}, "access-requests"); err != nil {
		return nil, err
	}
	var rs []*callvault.AccessRequest
	for _, st := range []callvault.RequestStatus{callvault.RequestApproved, callvault.RequestRejected} {
		got, err := s.Store.AccessRequests(ctx, callvault.AccessRequestFilter{Status: st})
		if err != nil {
			return nil, err
		}
		rs = append(rs, got...)
	}
	now := s.now()
	rs = slices.DeleteFunc(rs, func(r *callvault.AccessRequest) bool {
		return r.DeciderID != p.ID && !s.Rules.Decide(p, callvault.ActRequestReview, Object{Request: r, Delegations: dels, Now: now}).Allow
	})
	slices.SortStableFunc(rs, func(a, b *callvault.AccessRequest) int {
		if a.DecidedAt == nil || b.DecidedAt == nil {
			return 0
		}
		return b.DecidedAt.Compare(*a.DecidedAt)
	})
	if len(rs) > MaxHistory {
		rs = rs[:MaxHistory]
	}
	return s.views(ctx, p, rs)
}
