package callvault

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Legal holds. A recording on hold cannot be deleted, by the retention sweep or by anyone: a
// hold exists because the recording may be needed in a case, a complaint or a dispute, and
// destroying data so that it cannot be disclosed is an offence (Data Protection Act 2018 s.173).
// A recording may carry several holds (one per case, say); it is held while any is active.

// Actions of holds (the rules decide them; see internal/access).
const (
	ActHoldPlace   Action = "hold.place"   // place a legal hold on a recording by hand, with a reason and a review date
	ActHoldRelease Action = "hold.release" // release a hold placed by hand
	ActHoldList    Action = "hold.list"    // list holds (their reasons and review dates; never audio)
)

// Audit actions of holds.
const (
	ActionHoldPlace   = "hold.place"
	ActionHoldRelease = "hold.release"
)

// Limits of a Hold.
const (
	MaxHoldReason = 1000 // bytes of a reason (placing or releasing)
	maxHoldCaseID = 200
)

// Hold keeps one recording from being deleted until it is released.
type Hold struct {
	ID          string    `json:"id"`
	RecordingID string    `json:"recording_id"`
	Reason      string    `json:"reason"`            // why the recording is held
	CaseID      string    `json:"case_id,omitempty"` // the case the hold serves, if any
	ReviewAt    time.Time `json:"review_at"`         // when the DPO should review whether the hold is still needed
	PlacedBy    string    `json:"placed_by"`
	PlacedAt    time.Time `json:"placed_at"`

	ReleasedBy    string    `json:"released_by,omitempty"`
	ReleasedAt    time.Time `json:"released_at,omitzero"`
	ReleaseReason string    `json:"release_reason,omitempty"`

	// RetainUntil is the held recording's own retention end, filled by stores when they read a
	// hold (zero if the recording is gone); it is not part of the hold.
	RetainUntil time.Time `json:"retain_until,omitzero"`
}

// Active reports whether the hold still keeps its recording.
func (h *Hold) Active() bool { return h.ReleasedAt.IsZero() }

// Validate returns KindInvalid, naming the field, for a hold no store may keep: one without an
// ID, a recording ID, a reason, a review date, who placed it and when, or with a reason or case
// ID over the limits or holding control characters.
func (h *Hold) Validate() error {
	switch {
	case h == nil:
		return Errorf(KindInvalid, "no hold given")
	case !ValidID(h.ID):
		return Errorf(KindInvalid, "hold id %q is not an id", h.ID)
	case !ValidID(h.RecordingID):
		return Errorf(KindInvalid, "hold: recording id %q is not an id", h.RecordingID)
	case h.ReviewAt.IsZero():
		return Errorf(KindInvalid, "hold: a review date is required")
	case h.PlacedBy == "" || h.PlacedAt.IsZero():
		return Errorf(KindInvalid, "hold: who placed it and when are required")
	case len(h.CaseID) > maxHoldCaseID || !printable(h.CaseID):
		return Errorf(KindInvalid, "hold: the case id is over %d bytes or holds control characters", maxHoldCaseID)
	}
	return ValidateHoldReason(h.Reason)
}

// ValidateHoldReason returns KindInvalid unless reason is non-blank, valid UTF-8 text of at
// most MaxHoldReason bytes without control characters other than newlines and tabs.
func ValidateHoldReason(reason string) error {
	switch {
	case strings.TrimSpace(reason) == "":
		return Errorf(KindInvalid, "hold: a reason is required")
	case len(reason) > MaxHoldReason:
		return Errorf(KindInvalid, "hold: the reason is %d bytes, over the limit of %d", len(reason), MaxHoldReason)
	case !printable(strings.NewReplacer("\n", "", "\t", "").Replace(reason)):
		return Errorf(KindInvalid, "hold: the reason holds control characters or is not UTF-8")
	}
	return nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// HoldFilter selects holds for HoldStore.Holds.
type HoldFilter struct {
	RecordingID string // only this recording's holds; "" for all
	ActiveOnly  bool   // only holds not released
	// ExpiredBefore, if set, keeps only active holds on live recordings whose RetainUntil is
	// before it: the recordings that only their hold keeps (the retention report).
	ExpiredBefore time.Time
	After         string // cursor: ID of the last hold of the previous page
	Limit         int    // see PageLimit
}

// HoldStore keeps legal holds. Every catalogue backend implements it; it is apart from Catalogue
// because only the workflows that place, release and report holds use it. The rule that a held
// recording is never deleted is enforced by the store itself, in RecordingStore.DeleteRecording,
// so that no caller can forget it and no race can slip between a check and a delete.
type HoldStore interface {
	// PlaceHold inserts h and appends ev atomically. It returns KindInvalid if h fails
	// Validate, KindNotFound (writing nothing) if h.RecordingID names no live recording, and
	// KindConflict if a hold with h.ID exists. A hold and a concurrent DeleteRecording of its
	// recording are ordered: either the hold is placed and the delete refused, or the delete
	// happens and the hold is refused with KindNotFound.
	PlaceHold(ctx context.Context, h *Hold, ev *AuditEvent) error

	// ReleaseHold marks the active hold id released by by at at, with reason, and appends ev,
	// atomically. KindInvalid for a bad reason; KindNotFound if no active hold has that ID (so
	// of two concurrent releases exactly one succeeds).
	ReleaseHold(ctx context.Context, id, by string, at time.Time, reason string, ev *AuditEvent) error

	// Hold returns the hold with the given ID, released or not, or KindNotFound.
	Hold(ctx context.Context, id string) (*Hold, error)

	// Holds returns up to limit holds matching f, ordered by ID.
	Holds(ctx context.Context, f HoldFilter) ([]*Hold, error)
}

// HeldError is the message of the KindConflict error DeleteRecording returns for a held
// recording: it names the hold, so the person refused knows whom to ask.
func HeldError(recordingID, holdID string) error {
	return Errorf(KindConflict, "recording %s is on legal hold %s and cannot be deleted until the hold is released "+
		"(destroying data to prevent its disclosure is an offence under the Data Protection Act 2018 s.173)", recordingID, holdID)
}
