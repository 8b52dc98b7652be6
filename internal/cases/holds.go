package cases

import (
	"context"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// HoldKeeper places, releases and lists legal holds (retention.Holds in production, which
// audits each change in the store's transaction and moves held recordings to the hold key).
type HoldKeeper interface {
	// Place holds recordingID with reason until released; KindNotFound if the recording is
	// not live, KindInvalid for a bad reason or review date.
	Place(ctx context.Context, actor, recordingID, reason string, reviewAt time.Time) (*callvault.Hold, error)
	// Release ends hold id; KindNotFound if no active hold has that ID.
	Release(ctx context.Context, actor, id, reason string) (*callvault.Hold, error)
	// Hold returns hold id, released or not, or KindNotFound.
	Hold(ctx context.Context, id string) (*callvault.Hold, error)
	// List returns every hold matching f.
	List(ctx context.Context, f callvault.HoldFilter) ([]*callvault.Hold, error)
}

// HoldInput is a hold the DPO places by hand (POST /api/v1/holds).
type HoldInput struct {
	RecordingID string `json:"recording_id"`
	Reason      string `json:"reason"`
	// ReviewAt is when the DPO should review whether the hold is still needed: a date
	// (YYYY-MM-DD, the start of that day in the organisation's zone) or an RFC 3339 time.
	ReviewAt string `json:"review_at"`
}

// DefaultReleaseReason is the reason of a hold released by hand without one.
const DefaultReleaseReason = "released by hand"

// HoldQuery selects holds (GET /api/v1/holds).
type HoldQuery struct {
	RecordingID string // only this recording's holds
	CaseID      string // only the holds of this case
	// Overdue keeps only active holds whose review date has passed.
	Overdue bool
	// All includes released holds.
	All bool
}

func (s *Service) holds() (HoldKeeper, error) {
	if s.Holds == nil {
		return nil, callvault.Errorf(callvault.KindNotFound, "this vault keeps no holds")
	}
	return s.Holds, nil
}

func (s *Service) allow(p *callvault.Principal, a callvault.Action) error {
	if d := s.Rules.Decide(p, a, access.Object{Now: s.now()}); !d.Allow {
		return &access.Denied{Decision: d}
	}
	return nil
}

// PlaceHold places a hold by hand. Several holds on one recording are allowed: it is held
// while any is active. Field errors (KindInvalid) name recording_id, reason or review_at (a
// date that is not one, or one in the past); KindNotFound if the recording is not live.
func (s *Service) PlaceHold(ctx context.Context, p *callvault.Principal, in HoldInput) (*callvault.Hold, error) {
	if err := s.allow(p, callvault.ActHoldPlace); err != nil {
		return nil, err
	}
	hk, err := s.holds()
	if err != nil {
		return nil, err
	}
	var fe callvault.FieldErrors
	if !callvault.ValidID(in.RecordingID) {
		fe.Add("recording_id", "is required and must be a recording ID")
	}
	if err := callvault.ValidateHoldReason(in.Reason); err != nil {
		fe.Add("reason", strings.TrimPrefix(callvault.ErrorMessage(err), "hold: "))
	}
	reviewAt, problem := s.parseReview(in.ReviewAt)
	if problem != "" {
		fe.Add("review_at", problem)
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if _, err := s.Recordings.Recording(ctx, in.RecordingID); err != nil {
		return nil, err
	}
	h, err := hk.Place(ctx, string(p.Actor), in.RecordingID, strings.TrimSpace(in.Reason), reviewAt)
	if err != nil {
		return nil, err
	}
	s.after(ctx)
	return h, nil
}

// MaxHoldReview is how far ahead a hold's review date may be: a hold is reviewed, not forgotten,
// and a date like 9999-12-31 would keep it off the desk for ever.
const MaxHoldReview = 10 * 366 * 24 * time.Hour

// parseReview reads a review date, a YYYY-MM-DD date in the organisation's zone or an RFC 3339
// time, which must not be in the past (today's date is allowed) nor more than MaxHoldReview
// ahead. It returns the problem, if any.
func (s *Service) parseReview(v string) (time.Time, string) {
	t, problem := s.readReview(v)
	if problem == "" && t.After(s.now().Add(MaxHoldReview)) {
		return time.Time{}, "is more than ten years ahead: a hold is reviewed at least that often"
	}
	return t, problem
}

func (s *Service) readReview(v string) (time.Time, string) {
	v = strings.TrimSpace(v)
	zone := callvault.DefaultZone()
	now := s.now().In(zone)
	if v == "" {
		return time.Time{}, "is required: a date (YYYY-MM-DD) or an RFC 3339 time by which the hold is reviewed"
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, zone); err == nil {
		if d.Before(time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)) {
			return time.Time{}, "is in the past"
		}
		return d, ""
	}
	t, err := time.Parse(time.RFC3339, v)
	switch {
	case err != nil:
		return time.Time{}, "is not a date: use YYYY-MM-DD or an RFC 3339 time"
	case t.Before(now):
		return time.Time{}, "is in the past"
	}
	return t.UTC(), ""
}

// ReleaseHold releases a hold placed by hand; reason may be empty (DefaultReleaseReason). A
// hold that serves a case is not released by hand: it ends when the recording is excluded
// from the case or the case closes (KindConflict). KindNotFound if no active hold has that ID.
func (s *Service) ReleaseHold(ctx context.Context, p *callvault.Principal, id, reason string) (*callvault.Hold, error) {
	if err := s.allow(p, callvault.ActHoldRelease); err != nil {
		return nil, err
	}
	hk, err := s.holds()
	if err != nil {
		return nil, err
	}
	if !callvault.ValidID(id) {
		return nil, callvault.Errorf(callvault.KindNotFound, "no such hold")
	}
	if strings.TrimSpace(reason) == "" {
		reason = DefaultReleaseReason
	}
	if err := callvault.ValidateHoldReason(reason); err != nil {
		return nil, callvault.FieldErrors{{Field: "reason", Problem: strings.TrimPrefix(callvault.ErrorMessage(err), "hold: ")}}.Err()
	}
	h, err := hk.Hold(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case !h.Active():
		return nil, callvault.Errorf(callvault.KindNotFound, "hold %s was released already", id)
	case h.CaseID != "" && s.caseOpen(ctx, h.CaseID):
		return nil, callvault.Errorf(callvault.KindConflict, "hold %s keeps a recording of an open case; it ends when the recording is excluded from the case or the case closes", id)
	}
	h, err = hk.Release(ctx, string(p.Actor), id, reason)
	if err != nil {
		return nil, err
	}
	s.after(ctx)
	return h, nil
}

// caseOpen reports whether id names an open case of the desk (a hold placed with the CLI may
// name a case kept elsewhere, which the desk does not guard).
func (s *Service) caseOpen(ctx context.Context, id string) bool {
	if !callvault.ValidID(id) {
		return false
	}
	c, err := s.Store.Case(ctx, id)
	return err == nil && c.Status != callvault.CaseClosed
}

// ListHolds returns the holds q selects, ordered by ID.
func (s *Service) ListHolds(ctx context.Context, p *callvault.Principal, q HoldQuery) ([]*callvault.Hold, error) {
	if err := s.allow(p, callvault.ActHoldList); err != nil {
		return nil, err
	}
	hk, err := s.holds()
	if err != nil {
		return nil, err
	}
	if q.RecordingID != "" && !callvault.ValidID(q.RecordingID) {
		return nil, callvault.FieldErrors{{Field: "recording_id", Problem: "is not a recording ID"}}.Err()
	}
	all, err := hk.List(ctx, callvault.HoldFilter{RecordingID: q.RecordingID, ActiveOnly: !q.All || q.Overdue})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []*callvault.Hold{}
	for _, h := range all {
		if (q.CaseID == "" || h.CaseID == q.CaseID) && (!q.Overdue || reviewOverdue(h, now)) {
			out = append(out, h)
		}
	}
	return out, nil
}

func reviewOverdue(h *callvault.Hold, now time.Time) bool {
	return h.Active() && !h.ReviewAt.After(now)
}

// HoldReviews returns the active holds whose review date has passed, for the DPO's desk (GET
// /api/v1/cases): the DPO should decide whether each is still needed. Holds of an open case are
// left out: they are reviewed with their case. Nil for a principal who may not list holds or a
// vault without holds.
func (s *Service) HoldReviews(ctx context.Context, p *callvault.Principal) ([]*callvault.Hold, error) {
	if s.Holds == nil || s.allow(p, callvault.ActHoldList) != nil {
		return nil, nil
	}
	all, err := s.Holds.List(ctx, callvault.HoldFilter{ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := []*callvault.Hold{}
	for _, h := range all {
		if reviewOverdue(h, now) && !s.caseOpen(ctx, h.CaseID) {
			out = append(out, h)
		}
	}
	return out, nil
}
