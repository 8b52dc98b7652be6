package cases

import (
	"context"
	"strings"

	"github.com/callvault/callvault"
)

// CaseRecordings returns case id with the metadata (never audio) of the recordings its
// decisions name and its last search found, by ID, for the desk's pages: the DPO decides on
// what a search found and sees what was decided. A recording deleted since is missing from the
// map. The rules are case.read's, like Get.
func (s *Service) CaseRecordings(ctx context.Context, p *callvault.Principal, id string) (*callvault.Case, map[string]*callvault.Recording, error) {
	c, err := s.load(ctx, p, callvault.ActCaseRead, id)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, d := range c.Recordings {
		ids = append(ids, d.RecordingID)
	}
	if n := len(c.Searches); n > 0 {
		ids = append(ids, c.Searches[n-1].Found...)
	}
	out := make(map[string]*callvault.Recording, len(ids))
	for _, rid := range ids {
		if _, seen := out[rid]; seen {
			continue
		}
		r, err := s.Recordings.Recording(ctx, rid)
		switch {
		case err == nil:
			out[rid] = r
		case !callvault.IsKind(err, callvault.KindNotFound):
			return nil, nil, err
		}
	}
	return c, out, nil
}

// Note keeps a note on case id: who and when with the text, a line of the history, and an
// audit event that counts the note's length (its text, which may name people, stays in the
// case). KindInvalid for an empty or over-long note, KindConflict once the case is closed.
func (s *Service) Note(ctx context.Context, p *callvault.Principal, id, text string) (*callvault.Case, error) {
	c, err := s.load(ctx, p, callvault.ActCaseNote, id)
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, callvault.FieldErrors{{Field: "note", Problem: "is required: what to keep on the case"}}.Err()
	case len(text) > 4000:
		return nil, callvault.FieldErrors{{Field: "note", Problem: "is longer than 4000 bytes"}}.Err()
	case c.Status == callvault.CaseClosed:
		return nil, callvault.Errorf(callvault.KindConflict, "case %s is closed", c.Reference)
	}
	c.Notes = append(c.Notes, callvault.CaseNote{At: s.now(), Actor: string(p.Actor), Text: text})
	s.step(c, p, "noted", "")
	if err := s.update(ctx, c, s.event(ctx, p, callvault.ActionCaseNote, c, map[string]any{"length": len(text)})); err != nil {
		return nil, err
	}
	return c, nil
}
