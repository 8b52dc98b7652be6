package retention

import (
	"context"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// Holds places and releases legal holds. It is the one service behind every way of doing so:
// the CLI (`callvault hold`), and the HTTP API (POST /api/v1/holds, DELETE /api/v1/holds/{id}),
// whose handlers only decode the request, ask the access rules whether the principal may, and
// call Place or Release with the principal's name as actor. Every placement and release is
// audited in the store's transaction.
//
// With a Rewrapper and Recordings, a recording placed on hold is re-wrapped to the hold key
// (callvault.HoldEpoch) once the hold commits, so that its month epoch can be destroyed on time,
// and back to its month epoch when its last active hold is released. A re-wrap that fails (a
// node without the key directory, a crash) does not undo the hold, which alone keeps the
// recording from deletion; the epoch it is still sealed to cannot be destroyed meanwhile, and
// ReconcileHoldKey (the key-epochs job) moves it later. Place and Release report the failure
// through OnRewrapError.
type Holds struct {
	Store      callvault.HoldStore
	Recordings HoldKeyStore // optional, with Rewrapper
	Rewrapper  Rewrapper    // optional: nil leaves headers where they are
	// OnRewrapError, if set, is told of a re-wrap that failed after a hold was placed or
	// released (the hold stands; ReconcileHoldKey retries).
	OnRewrapError func(recordingID string, err error)
	Now           func() time.Time
}

// PlaceRequest asks for a hold on one recording.
type PlaceRequest struct {
	RecordingID string
	Reason      string
	CaseID      string    // optional
	ReviewAt    time.Time // required, not in the past
	Actor       string    // who places it (a user or token name)
}

// Place puts a recording on hold and returns the hold. KindInvalid for a missing reason or
// actor or a review date in the past; KindNotFound if the recording is not live.
func (s *Holds) Place(ctx context.Context, req PlaceRequest) (*callvault.Hold, error) {
	now := s.now()
	if req.Actor == "" {
		return nil, callvault.Errorf(callvault.KindInvalid, "hold: who places the hold is required")
	}
	if !req.ReviewAt.IsZero() && req.ReviewAt.Before(now.Add(-24*time.Hour)) {
		return nil, callvault.Errorf(callvault.KindInvalid, "hold: the review date %s is in the past", req.ReviewAt.Format(time.DateOnly))
	}
	h := &callvault.Hold{
		ID: callvault.NewID(), RecordingID: req.RecordingID, Reason: strings.TrimSpace(req.Reason), CaseID: req.CaseID,
		ReviewAt: req.ReviewAt, PlacedBy: req.Actor, PlacedAt: now,
	}
	if err := h.Validate(); err != nil {
		return nil, err
	}
	ev := &callvault.AuditEvent{
		Time: now, Actor: req.Actor, Action: callvault.ActionHoldPlace, Object: "recording:" + h.RecordingID,
		RequestID: callvault.RequestIDFrom(ctx),
		Detail: callvault.AuditDetail(map[string]any{
			"hold_id": h.ID, "reason": h.Reason, "case_id": h.CaseID, "review_at": h.ReviewAt.UTC().Format(time.RFC3339),
		}),
	}
	if err := s.Store.PlaceHold(ctx, h, ev); err != nil {
		return nil, err
	}
	s.rewrapped(h.RecordingID, s.toHoldKey(ctx, h.RecordingID, req.Actor, "hold "+h.ID+" placed"))
	return h, nil
}

// Release ends the hold id and returns it as released. KindInvalid for a missing reason or
// actor; KindNotFound if no active hold has that ID.
func (s *Holds) Release(ctx context.Context, id, actor, reason string) (*callvault.Hold, error) {
	now := s.now()
	reason = strings.TrimSpace(reason)
	if actor == "" {
		return nil, callvault.Errorf(callvault.KindInvalid, "hold: who releases the hold is required")
	}
	if err := callvault.ValidateHoldReason(reason); err != nil {
		return nil, err
	}
	h, err := s.Store.Hold(ctx, id)
	if err != nil {
		return nil, err
	}
	ev := &callvault.AuditEvent{
		Time: now, Actor: actor, Action: callvault.ActionHoldRelease, Object: "recording:" + h.RecordingID,
		RequestID: callvault.RequestIDFrom(ctx),
		Detail:    callvault.AuditDetail(map[string]any{"hold_id": h.ID, "reason": reason, "case_id": h.CaseID}),
	}
	if err := s.Store.ReleaseHold(ctx, id, actor, now, reason, ev); err != nil {
		return nil, err
	}
	h.ReleasedBy, h.ReleasedAt, h.ReleaseReason = actor, now, reason
	s.rewrapped(h.RecordingID, s.toMonthKey(ctx, h.RecordingID, actor, "hold "+h.ID+" released"))
	return h, nil
}

// List returns every hold matching f (all pages).
func (s *Holds) List(ctx context.Context, f callvault.HoldFilter) ([]*callvault.Hold, error) {
	return AllHolds(ctx, s.Store, f)
}

// AllHolds reads every page of holds matching f.
func AllHolds(ctx context.Context, store callvault.HoldStore, f callvault.HoldFilter) ([]*callvault.Hold, error) {
	f.Limit = callvault.MaxSearchLimit
	var out []*callvault.Hold
	for {
		page, err := store.Holds(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, nil
		}
		f.After = page[len(page)-1].ID
	}
}

// ParseReviewDate reads a review date given as YYYY-MM-DD: the start of that day in zone (nil
// means callvault.DefaultZone()). KindInvalid otherwise.
func ParseReviewDate(s string, zone *time.Location) (time.Time, error) {
	if zone == nil {
		zone = callvault.DefaultZone()
	}
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), zone)
	if err != nil {
		return time.Time{}, callvault.Errorf(callvault.KindInvalid, "review date %q is not a date; use YYYY-MM-DD", s)
	}
	return t, nil
}

func (s *Holds) rewrapped(recordingID string, err error) {
	if err != nil && s.OnRewrapError != nil {
		s.OnRewrapError(recordingID, err)
	}
}

func (s *Holds) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
