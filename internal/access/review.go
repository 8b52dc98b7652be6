package access

import (
	"context"

	"github.com/callvault/callvault"
)

// MatchedRecordings returns the recordings request id matched, for a person who may decide it
// (the rules' request.review): their times, extensions, parties and durations, so that the
// decider sees what they would grant. Others get the refusal (*Denied); nobody sees audio or
// headers through it. Recordings deleted since the request was made are left out.
func (s *Service) MatchedRecordings(ctx context.Context, p *callvault.Principal, id string) ([]*callvault.Recording, error) {
	r, err := s.Store.AccessRequest(ctx, id)
	if callvault.IsKind(err, callvault.KindNotFound) {
		r, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	dels, err := s.delegationsOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if r != nil && !s.Rules.Decide(p, callvault.ActRequestRead, Object{Request: r, Delegations: dels, Now: s.now()}).Allow {
		r = nil // a request the caller may not read is not found
	}
	if _, err := s.Check(ctx, p, callvault.ActRequestReview, Object{Request: r, Delegations: dels}, "request:"+id); err != nil {
		return nil, err
	}
	out := make([]*callvault.Recording, 0, len(r.Matched))
	for _, rid := range r.Matched {
		rec, err := s.Recordings.Recording(ctx, rid)
		if callvault.IsKind(err, callvault.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c := *rec
		c.Header, c.Sidecar, c.Attributes = nil, nil, nil
		out = append(out, &c)
	}
	return out, nil
}
