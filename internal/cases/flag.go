package cases

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// FlagInput is a staff member's flag of a call they took: when (RFC 3339) and on which
// extension, with a note of what happened.
type FlagInput struct {
	CallTime  string `json:"call_time"`
	Extension string `json:"extension"`
	Note      string `json:"note"`
}

// Flagged is all a flagger learns of the case their flag opened.
type Flagged struct {
	Reference string    `json:"reference"`
	FlaggedAt time.Time `json:"flagged_at"`
}

// FlagWindow is how far either side of the given call time the flag's search looks for the
// call on the extension (people remember the time of a call roughly).
const FlagWindow = 30 * time.Minute

// Flag opens an abusive_call case for the DPO from a staff member's flag of one of their own
// calls. The extension is taken as given (users have no extension on their record) and kept
// with who gave it. The case holds a search of the extension's recordings within FlagWindow of
// the call time, so the DPO can include the call at once; the flagger gets the reference only,
// never the case, the recordings it matched or their audio. The DPO is told as for any case.
func (s *Service) Flag(ctx context.Context, p *callvault.Principal, in FlagInput) (*Flagged, error) {
	if err := s.check(p, callvault.ActCaseFlag, callvault.CaseAbusiveCall); err != nil {
		return nil, err
	}
	now := s.now()
	var fe callvault.FieldErrors
	callTime, err := time.Parse(time.RFC3339, strings.TrimSpace(in.CallTime))
	switch {
	case strings.TrimSpace(in.CallTime) == "":
		fe.Add("call_time", "is required: when the call was (RFC 3339, e.g. 2026-10-01T09:30:00Z)")
	case err != nil:
		fe.Add("call_time", "is not an RFC 3339 time (e.g. 2026-10-01T09:30:00Z)")
	case callTime.After(now.Add(maxFuture)):
		fe.Add("call_time", "is in the future")
	}
	ext := strings.TrimSpace(in.Extension)
	switch {
	case ext == "":
		fe.Add("extension", "is required: the extension that took the call")
	case len(ext) > 32:
		fe.Add("extension", "is longer than 32 characters")
	case !validExtension(ext):
		fe.Add("extension", "may hold only digits, letters, '+', '*', '#', '-', '.' and '_'")
	}
	note := strings.TrimSpace(in.Note)
	if len(note) > 4000 {
		fe.Add("note", "is longer than 4000 bytes")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if !s.flags.allow(p.ID, now) {
		return nil, callvault.Errorf(callvault.KindRateLimited,
			"you have flagged %d calls in the last 24 hours; tell the DPO directly about any more", MaxFlagsPerDay)
	}
	crit, subjects := s.criteria(&fe, SearchInput{Extensions: []string{ext},
		From: callTime.Add(-FlagWindow).Format(time.RFC3339), To: callTime.Add(FlagWindow).Format(time.RFC3339)})
	if err := fe.Err(); err != nil {
		return nil, err
	}
	found, err := s.Recordings.FindRecordings(ctx, callvault.RecordingFilter{Subjects: subjects, From: crit.From, To: crit.To, Limit: callvault.MaxSearchLimit})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(found))
	for i, r := range found {
		ids[i] = r.ID
	}
	c := &callvault.Case{
		ID: callvault.NewID(), Type: callvault.CaseAbusiveCall, Status: callvault.CaseOpen,
		ReceivedAt: now, OpenedAt: now, OpenedBy: string(p.Actor),
		Subjects: callvault.CaseSubjects{Numbers: []string{}, Names: []string{}, Extensions: []string{ext}},
		Flag:     &callvault.CaseFlag{CallTime: callTime.UTC(), Extension: ext, Note: note, By: string(p.Actor), ByID: p.ID, At: now},
		Searches: []callvault.CaseSearch{{At: now, Actor: string(p.Actor), Criteria: crit, Found: ids}},
	}
	s.step(c, p, "opened", "flagged by "+string(p.Actor)+" as abusive or nuisance")
	s.step(c, p, "searched", fmt.Sprintf("the flag's search found %d recordings", len(ids)))
	if note != "" {
		c.Notes = append(c.Notes, callvault.CaseNote{At: now, Actor: string(p.Actor), Text: note})
	}
	// The flag's audit event counts what was found; the note and extension stay in the case.
	ev := s.event(ctx, p, callvault.ActionCaseFlag, c, map[string]any{"call_time": c.Flag.CallTime, "found": len(ids)})
	if err := s.Store.CreateCase(ctx, c, ev); err != nil {
		return nil, err
	}
	s.flags.record(p.ID, now)
	s.after(ctx)
	s.notifyOpened(ctx, c)
	return &Flagged{Reference: c.Reference, FlaggedAt: now}, nil
}

func validExtension(s string) bool {
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', strings.ContainsRune("+*#-._", r):
		default:
			return false
		}
	}
	return true
}

// MaxFlagsPerDay is how many calls one person may flag in 24 hours. Each flag opens a case and
// e-mails the DPO, so without a limit one account could bury the desk; a person with more to
// report is told to go to the DPO directly. The count is kept per node (a restart or a second
// node gives a fresh allowance): it limits a flood, not a determined user, whose every flag is
// audited anyway.
const MaxFlagsPerDay = 10

// flagLimiter remembers when each person's recent flags were made.
type flagLimiter struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

// allow reports whether person may flag at now: fewer than MaxFlagsPerDay flags in the 24 hours
// before now.
func (l *flagLimiter) allow(person string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(person, now)) < MaxFlagsPerDay
}

// record counts a flag person made at now.
func (l *flagLimiter) record(person string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string][]time.Time{}
	}
	l.seen[person] = append(l.recent(person, now), now)
}

// recent drops person's flags older than 24 hours and returns the rest. l.mu is held.
func (l *flagLimiter) recent(person string, now time.Time) []time.Time {
	kept := l.seen[person][:0]
	for _, t := range l.seen[person] {
		if now.Sub(t) < 24*time.Hour {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(l.seen, person)
		return nil
	}
	l.seen[person] = kept
	return kept
}
