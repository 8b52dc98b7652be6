package access

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/phone"
)

// RequestInput is what a person writes to ask for access (section 5.2 of the policy). Times
// are RFC 3339.
type RequestInput struct {
	Purpose          string   `json:"purpose"`
	Reason           string   `json:"reason"`
	CallTime         string   `json:"call_time"`
	CallFrom         string   `json:"call_from"`
	CallTo           string   `json:"call_to"`
	Extension        string   `json:"extension"`
	ExternalNumber   string   `json:"external_number"`
	Parties          []string `json:"parties"`
	OtherInformation string   `json:"other_information"`
}

// Limits of a request's fields.
const (
	minReason       = 3
	maxText         = 4000
	maxParties      = 20
	maxName         = 200
	maxExtension    = 32
	maxRange        = 31 * 24 * time.Hour
	callTimeSlack   = 30 * time.Minute // a call_time finds calls that started within this of it
	futureTolerance = 5 * time.Minute
)

// validate checks every field and returns the request (without IDs) or every problem found.
func (s *Service) validate(in RequestInput) (*callvault.AccessRequest, error) {
	var fe callvault.FieldErrors
	now := s.now()
	r := &callvault.AccessRequest{Purpose: callvault.Purpose(strings.TrimSpace(in.Purpose)),
		Reason: strings.TrimSpace(in.Reason), Extension: strings.TrimSpace(in.Extension),
		OtherInformation: strings.TrimSpace(in.OtherInformation)}
	switch {
	case r.Purpose == "":
		fe.Add("purpose", "is required: one of "+purposeList())
	case !r.Purpose.Valid():
		fe.Add("purpose", fmt.Sprintf("%q is not a purpose; use one of %s", truncate(in.Purpose), purposeList()))
	}
	switch n := utf8.RuneCountInString(r.Reason); {
	case n == 0:
		fe.Add("reason", "is required: the business need, in a sentence or more")
	case n < minReason:
		fe.Add("reason", fmt.Sprintf("is too short to state a business need (at least %d characters)", minReason))
	case len(r.Reason) > maxText:
		fe.Add("reason", fmt.Sprintf("is longer than %d bytes", maxText))
	}
	parseTime := func(field, v string) *time.Time {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			fe.Add(field, fmt.Sprintf("%q is not an RFC 3339 time like 2026-11-20T10:05:00Z", truncate(v)))
			return nil
		}
		t = t.UTC()
		if t.After(now.Add(futureTolerance)) {
			fe.Add(field, "is in the future")
			return nil
		}
		return &t
	}
	r.CallTime = parseTime("call_time", in.CallTime)
	r.CallFrom = parseTime("call_from", in.CallFrom)
	r.CallTo = parseTime("call_to", in.CallTo)
	hasRange := strings.TrimSpace(in.CallFrom) != "" || strings.TrimSpace(in.CallTo) != ""
	switch {
	case strings.TrimSpace(in.CallTime) != "" && hasRange:
		fe.Add("call_time", "give call_time or call_from and call_to, not both")
	case hasRange && (strings.TrimSpace(in.CallFrom) == "" || strings.TrimSpace(in.CallTo) == ""):
		fe.Add("call_to", "call_from and call_to go together")
	case r.CallFrom != nil && r.CallTo != nil && !r.CallFrom.Before(*r.CallTo):
		fe.Add("call_to", "ends before call_from")
	case r.CallFrom != nil && r.CallTo != nil && r.CallTo.Sub(*r.CallFrom) > maxRange:
		fe.Add("call_to", "the range is longer than 31 days; narrow it")
	}
	if len(r.Extension) > maxExtension {
		fe.Add("extension", fmt.Sprintf("is longer than %d characters", maxExtension))
	}
	if raw := strings.TrimSpace(in.ExternalNumber); raw != "" {
		n := phone.Normalize(raw, s.Region)
		if n.E164 == "" {
			fe.Add("external_number", fmt.Sprintf("%q is not a telephone number", truncate(raw)))
		}
		r.ExternalNumber = n.E164
	}
	if len(in.Parties) > maxParties {
		fe.Add("parties", fmt.Sprintf("more than %d names", maxParties))
	}
	for i, p := range in.Parties {
		p = strings.TrimSpace(p)
		switch {
		case p == "":
			fe.Add(fmt.Sprintf("parties[%d]", i), "is empty")
		case len(p) > maxName:
			fe.Add(fmt.Sprintf("parties[%d]", i), fmt.Sprintf("is longer than %d bytes", maxName))
		default:
			r.Parties = append(r.Parties, p)
		}
	}
	if len(r.OtherInformation) > maxText {
		fe.Add("other_information", fmt.Sprintf("is longer than %d bytes", maxText))
	}
	if strings.TrimSpace(in.CallTime) == "" && !hasRange && r.Extension == "" && strings.TrimSpace(in.ExternalNumber) == "" && len(in.Parties) == 0 {
		fe.Add("call_time", "say which call: give at least one of call_time (or call_from and call_to), extension, external_number or parties")
	}
	return r, fe.Err()
}

func purposeList() string {
	out := make([]string, len(callvault.Purposes))
	for i, p := range callvault.Purposes {
		out[i] = string(p)
	}
	return strings.Join(out, ", ")
}

func truncate(s string) string {
	if len(s) <= 64 {
		return s
	}
	for i := 64; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return ""
}

// match finds the recordings a request describes: each fact given narrows the set (the
// extension AND the number AND any of the parties), within the time given. Every search goes
// through the subject index.
func (s *Service) match(ctx context.Context, r *callvault.AccessRequest) ([]string, error) {
	var from, to time.Time
	switch {
	case r.CallTime != nil:
		from, to = r.CallTime.Add(-callTimeSlack), r.CallTime.Add(callTimeSlack)
	case r.CallFrom != nil && r.CallTo != nil:
		from, to = *r.CallFrom, *r.CallTo
	}
	var groups [][]callvault.Subject
	if r.Extension != "" {
		groups = append(groups, []callvault.Subject{{Kind: callvault.SubjectExtension, Value: r.Extension}})
	}
	if r.ExternalNumber != "" {
		groups = append(groups, []callvault.Subject{{Kind: callvault.SubjectNumber, Value: r.ExternalNumber}})
	}
	if len(r.Parties) > 0 {
		var g []callvault.Subject
		for _, p := range r.Parties {
			g = append(g, callvault.Subject{Kind: callvault.SubjectName, Value: p})
		}
		groups = append(groups, g)
	}
	if len(groups) == 0 {
		groups = append(groups, nil) // time alone: listed by time
	}
	var set []string
	for i, g := range groups {
		recs, err := s.Recordings.FindRecordings(ctx, callvault.RecordingFilter{Subjects: g, From: from, To: to, Limit: callvault.MaxSearchLimit})
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(recs))
		for _, rec := range recs {
			ids = append(ids, rec.ID)
		}
		if i == 0 {
			set = ids
			continue
		}
		set = slices.DeleteFunc(set, func(id string) bool { return !slices.Contains(ids, id) })
	}
	if len(set) > MaxMatches {
		var fe callvault.FieldErrors
		fe.Add("call_time", fmt.Sprintf("the request matches more than %d calls; narrow it (a shorter time range, the extension or number)", MaxMatches))
		return nil, fe.Err()
	}
	slices.Sort(set)
	return set, nil
}

// CreateRequest validates in, matches it against the catalogue and stores it, pending. The
// search and its criteria are in the request.create event; the requester is not told what it
// matched. The people who may decide it are notified.
func (s *Service) CreateRequest(ctx context.Context, p *callvault.Principal, in RequestInput) (*callvault.AccessRequest, error) {
	if _, err := s.Check(ctx, p, callvault.ActRequestCreate, Object{}, "access-requests"); err != nil {
		return nil, err
	}
	r, err := s.validate(in)
	if err != nil {
		return nil, err
	}
	criteria := map[string]any{"extension": r.Extension, "external_number": r.ExternalNumber, "parties": r.Parties}
	for k, t := range map[string]*time.Time{"call_time": r.CallTime, "call_from": r.CallFrom, "call_to": r.CallTo} {
		if t != nil {
			criteria[k] = t.Format(time.RFC3339)
		}
	}
	matched, err := s.match(ctx, r)
	if callvault.IsKind(err, callvault.KindInvalid) {
		// A search refused as too wide ran all the same and told the caller something (that
		// more than MaxMatches calls fit): it is audited like one that was kept.
		ev := s.event(ctx, p, callvault.ActionAccessDenied, "access-requests", map[string]any{
			"action": string(callvault.ActRequestCreate), "reason": callvault.ErrorMessage(err), "purpose": r.Purpose, "criteria": criteria})
		if aerr := s.Store.AppendAudit(ctx, ev); aerr != nil {
			return nil, aerr
		}
		s.after(ctx)
	}
	if err != nil {
		return nil, err
	}
	r.ID, r.RequesterID, r.RequesterName, r.Matched = callvault.NewID(), p.ID, p.Name, matched
	r.Status, r.CreatedAt = callvault.RequestPending, s.now()
	ev := s.event(ctx, p, callvault.ActionRequestCreate, "request:"+r.ID, map[string]any{
		"purpose": r.Purpose, "reason": r.Reason, "criteria": criteria, "matched": len(matched)})
	ev.Purpose = "request:" + r.ID
	if err := s.Store.CreateAccessRequest(ctx, r, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	if deciders, err := s.Deciders(ctx, r); err == nil {
		_ = s.notifier().RequestCreated(ctx, r, deciders) // a notifier queues; its failures are its own to report
	}
	return r, nil
}

// Deciders returns the enabled users who may decide r (never its requester, unless self
// approval is allowed).
func (s *Service) Deciders(ctx context.Context, r *callvault.AccessRequest) ([]*callvault.User, error) {
	users, err := s.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []*callvault.User
	now := s.now()
	for _, u := range users {
		if u.Disabled() {
			continue
		}
		p := &callvault.Principal{Kind: callvault.PrincipalUser, ID: u.ID, Roles: u.Roles, SecondFactor: true, NoticeAcknowledged: true}
		var dels []*callvault.Delegation
		if r.Purpose == callvault.PurposeDisciplinary && !u.Has(callvault.RoleDPO) {
			if dels, err = s.Store.Delegations(ctx, u.ID); err != nil {
				return nil, err
			}
		}
		if s.Rules.Decide(p, callvault.ActRequestApprove, Object{Request: r, Delegations: dels, Now: now}).Allow {
			out = append(out, u)
		}
	}
	return out, nil
}

// RequestView is a request as one person may see it: Matched only for those who may decide
// it; RecordingIDs, ExpiresAt and Download once approved.
type RequestView struct {
	*callvault.AccessRequest
	MatchedIDs   []string   `json:"matched_recording_ids,omitempty"`
	RecordingIDs []string   `json:"recording_ids,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	Download     *bool      `json:"download,omitempty"`
	Revoked      bool       `json:"revoked,omitempty"`
}

// Request returns request id as p may see it.
func (s *Service) Request(ctx context.Context, p *callvault.Principal, id string) (*RequestView, error) {
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
	o := Object{Request: r, Delegations: dels, Now: s.now()}
	if _, err := s.Check(ctx, p, callvault.ActRequestRead, o, "request:"+id); err != nil {
		return nil, err
	}
	return s.view(ctx, p, r, dels)
}

func (s *Service) view(ctx context.Context, p *callvault.Principal, r *callvault.AccessRequest, dels []*callvault.Delegation) (*RequestView, error) {
	v := &RequestView{AccessRequest: r}
	review := s.Rules.Decide(p, callvault.ActRequestReview, Object{Request: r, Delegations: dels, Now: s.now()})
	if review.Allow {
		v.MatchedIDs = r.Matched
		if v.MatchedIDs == nil {
			v.MatchedIDs = []string{}
		}
	}
	if r.GrantID != "" {
		g, err := s.Store.Grant(ctx, r.GrantID)
		if err != nil {
			return nil, err
		}
		v.RecordingIDs, v.ExpiresAt, v.Download, v.Revoked = g.RecordingIDs, &g.ExpiresAt, &g.Download, g.RevokedAt != nil
	}
	return v, nil
}

// MyRequests returns p's own requests, newest first.
func (s *Service) MyRequests(ctx context.Context, p *callvault.Principal) ([]*RequestView, error) {
	if _, err := s.Check(ctx, p, callvault.ActRequestList, Object{}, "access-requests"); err != nil {
		return nil, err
	}
	rs, err := s.Store.AccessRequests(ctx, callvault.AccessRequestFilter{RequesterID: p.ID})
	if err != nil {
		return nil, err
	}
	return s.views(ctx, p, rs)
}

// Queue returns the pending requests p may decide, newest first.
func (s *Service) Queue(ctx context.Context, p *callvault.Principal) ([]*RequestView, error) {
	dels, err := s.delegationsOf(ctx, p)
	if err != nil {
		return nil, err
	}
	if _, err := s.Check(ctx, p, callvault.ActRequestQueue, Object{Delegations: dels}, "access-requests"); err != nil {
		return nil, err
	}
	rs, err := s.Store.AccessRequests(ctx, callvault.AccessRequestFilter{Status: callvault.RequestPending})
	if err != nil {
		return nil, err
	}
	now := s.now()
	rs = slices.DeleteFunc(rs, func(r *callvault.AccessRequest) bool {
		return !s.Rules.Decide(p, callvault.ActRequestApprove, Object{Request: r, Delegations: dels, Now: now}).Allow
	})
	return s.views(ctx, p, rs)
}

func (s *Service) views(ctx context.Context, p *callvault.Principal, rs []*callvault.AccessRequest) ([]*RequestView, error) {
	dels, err := s.delegationsOf(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]*RequestView, 0, len(rs))
	for _, r := range rs {
		v, err := s.view(ctx, p, r, dels)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
