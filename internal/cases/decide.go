package cases

import (
	"context"
	"strings"

	"github.com/callvault/callvault"
)

// IncludeInput is the DPO's decision on one recording a search of the case found.
type IncludeInput struct {
	RecordingID string `json:"recording_id"`
	Include     *bool  `json:"include"`
	Reason      string `json:"reason"`
}

// Include records that a recording is included in the case's answer, or excluded, with the
// reason; a later decision on the same recording replaces the earlier one (the history keeps
// both). Only recordings a search of this case found can be decided, so that every decision
// rests on a recorded search. Included recordings are held while the case is open.
func (s *Service) Include(ctx context.Context, p *callvault.Principal, id string, in IncludeInput) (*callvault.Case, error) {
	c, err := s.load(ctx, p, callvault.ActCaseInclude, id)
	if err != nil {
		return nil, err
	}
	var fe callvault.FieldErrors
	reason := strings.TrimSpace(in.Reason)
	switch {
	case !callvault.ValidID(in.RecordingID):
		fe.Add("recording_id", "is not a recording ID")
	case !foundBy(c, in.RecordingID):
		fe.Add("recording_id", "no search of this case found it; search for it first")
	}
	if in.Include == nil {
		fe.Add("include", "is required: true to include the recording, false to exclude it")
	}
	switch {
	case reason == "":
		fe.Add("reason", "is required: say why the recording is included or excluded")
	case len(reason) > 4000:
		fe.Add("reason", "is longer than 4000 bytes")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if c.Status == callvault.CaseClosed {
		return nil, callvault.Errorf(callvault.KindConflict, "case %s is closed", c.Reference)
	}
	if _, err := s.Recordings.Recording(ctx, in.RecordingID); err != nil {
		return nil, err // a recording deleted since the search is not found
	}
	was := c.Decision(in.RecordingID)
	wasIncluded := was != nil && was.Include
	d := callvault.CaseRecording{RecordingID: in.RecordingID, Include: *in.Include, Reason: reason, At: s.now(), Actor: string(p.Actor)}
	if was != nil {
		*was = d
	} else {
		c.Recordings = append(c.Recordings, d)
	}
	step, action := "included", callvault.ActionCaseInclude
	if !d.Include {
		step, action = "excluded", callvault.ActionCaseExclude
	}
	s.step(c, p, step, in.RecordingID+": "+reason)
	ev := s.event(ctx, p, action, c, map[string]any{"recording_id": in.RecordingID, "reason": reason})
	// The hold comes before the case records the inclusion (they are two transactions): a
	// recording is never included unheld, even if the process stops between them. Including
	// again holds again (the holder keeps one hold per case and recording), which repairs a lost
	// hold. If the case's update then fails, the hold stays (too much kept, never too little)
	// and shows in the case's holds until the include is retried, or is released by hand once the
	// case closes.
	if d.Include {
		if err := s.holder().Hold(ctx, string(p.Actor), c.ID, in.RecordingID, c.Reference+": included"); err != nil {
			return nil, err
		}
	}
	if err := s.update(ctx, c, ev); err != nil {
		return nil, err
	}
	if !d.Include && wasIncluded {
		err = s.holder().Release(ctx, string(p.Actor), c.ID, in.RecordingID, c.Reference+": excluded")
	}
	return c, err
}

func foundBy(c *callvault.Case, recordingID string) bool {
	for _, s := range c.Searches {
		for _, id := range s.Found {
			if id == recordingID {
				return true
			}
		}
	}
	return false
}

// CloseInput is the closing record's content.
type CloseInput struct {
	Outcome string `json:"outcome"`
	// Decision (disclose, partial, refuse) and Reasoning are the DPO's answer to an
	// external body (required for external_body cases, refused for others).
	Decision  string `json:"decision,omitempty"`
	Reasoning string `json:"reasoning,omitempty"`
}

// Close closes the case with its outcome and releases the holds of its included recordings.
func (s *Service) Close(ctx context.Context, p *callvault.Principal, id string, in CloseInput) (*callvault.Case, error) {
	c, err := s.load(ctx, p, callvault.ActCaseClose, id)
	if err != nil {
		return nil, err
	}
	outcome := strings.TrimSpace(in.Outcome)
	switch {
	case outcome == "":
		return nil, callvault.FieldErrors{{Field: "outcome", Problem: "is required: how the case was answered or why it closes"}}.Err()
	case len(outcome) > 4000:
		return nil, callvault.FieldErrors{{Field: "outcome", Problem: "is longer than 4000 bytes"}}.Err()
	case c.Status == callvault.CaseClosed:
		return nil, callvault.Errorf(callvault.KindConflict, "case %s is closed already", c.Reference)
	}
	if err := s.decideExternal(c, p, in); err != nil {
		return nil, err
	}
	c.Status = callvault.CaseClosed
	c.Closing = &callvault.CaseClosing{At: s.now(), Actor: string(p.Actor), Outcome: outcome}
	s.step(c, p, "closed", "")
	detail := map[string]any{"included": len(c.Included())}
	if c.External != nil && c.External.Decision != "" {
		detail["decision"] = c.External.Decision
	}
	ev := s.event(ctx, p, callvault.ActionCaseClose, c, detail)
	if err := s.update(ctx, c, ev); err != nil {
		return nil, err
	}
	for _, rid := range c.Included() {
		if err := s.holder().Release(ctx, string(p.Actor), c.ID, rid, c.Reference+": closed"); err != nil {
			return c, err
		}
	}
	return c, nil
}
