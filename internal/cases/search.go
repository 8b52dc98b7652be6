package cases

import (
	"context"
	"fmt"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/phone"
)

// SearchInput is a subject search: numbers in any common form (07700 900123, +44 7700 900123,
// 00447700900123, tel: and sip: URIs), names, extensions and an optional range [from, to)
// (RFC 3339 or YYYY-MM-DD). Empty Numbers, Names and Extensions mean the case's own subjects.
type SearchInput struct {
	Numbers    []string `json:"numbers"`
	Names      []string `json:"names"`
	Extensions []string `json:"extensions"`
	From       string   `json:"from,omitempty"`
	To         string   `json:"to,omitempty"`
	// Subjects is accepted as well, in the shape of the case's subjects.
	Subjects *callvault.CaseSubjects `json:"subjects,omitempty"`
}

// SearchResult is what a search found, with the criteria kept with the case.
type SearchResult struct {
	Criteria   callvault.CaseCriteria `json:"criteria"`
	Recordings []*callvault.Recording `json:"recordings"`
}

// MaxFound bounds what one search may find; a search that finds more must be narrowed.
const MaxFound = 5000

// Search runs a subject search for the case id, keeps its criteria and what it found with the
// case (as evidence that the search was reasonable) and returns the recordings.
func (s *Service) Search(ctx context.Context, p *callvault.Principal, id string, in SearchInput) (*SearchResult, error) {
	c, err := s.load(ctx, p, callvault.ActCaseSearch, id)
	if err != nil {
		return nil, err
	}
	if c.Status == callvault.CaseClosed {
		return nil, callvault.Errorf(callvault.KindConflict, "case %s is closed", c.Reference)
	}
	if in.Subjects != nil {
		in.Numbers = append(in.Numbers, in.Subjects.Numbers...)
		in.Names = append(in.Names, in.Subjects.Names...)
		in.Extensions = append(in.Extensions, in.Subjects.Extensions...)
	}
	var fe callvault.FieldErrors
	if len(in.Numbers)+len(in.Names)+len(in.Extensions) == 0 {
		in.Numbers, in.Names, in.Extensions = c.Subjects.Numbers, c.Subjects.Names, c.Subjects.Extensions
	}
	crit, subjects := s.criteria(&fe, in)
	if len(subjects) == 0 && fe == nil {
		fe.Add("numbers", "give at least one number, name or extension (or open the case with subjects)")
	}
	if err := fe.Err(); err != nil {
		return nil, err
	}
	var found []*callvault.Recording
	f := callvault.RecordingFilter{Subjects: subjects, From: crit.From, To: crit.To, Limit: callvault.MaxSearchLimit}
	for {
		page, err := s.Recordings.FindRecordings(ctx, f)
		if err != nil {
			return nil, err
		}
		found = append(found, page...)
		if len(found) > MaxFound {
			return nil, callvault.Errorf(callvault.KindInvalid, "the search finds more than %d recordings; narrow it with a date range", MaxFound)
		}
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	ids := make([]string, len(found))
	for i, r := range found {
		ids[i] = r.ID
	}
	c.Searches = append(c.Searches, callvault.CaseSearch{At: s.now(), Actor: string(p.Actor), Criteria: crit, Found: ids})
	s.step(c, p, "searched", fmt.Sprintf("search %d found %d recordings", len(c.Searches), len(ids)))
	// The audit event counts; the criteria (personal data) stay in the case.
	ev := s.event(ctx, p, callvault.ActionCaseSearch, c, map[string]any{
		"search": len(c.Searches), "numbers": len(crit.E164), "names": len(crit.Names), "extensions": len(crit.Extensions), "found": len(ids)})
	if err := s.update(ctx, c, ev); err != nil {
		return nil, err
	}
	if found == nil {
		found = []*callvault.Recording{}
	}
	return &SearchResult{Criteria: crit, Recordings: found}, nil
}

// criteria checks a search's input and returns what it looks for and the subjects to find.
func (s *Service) criteria(fe *callvault.FieldErrors, in SearchInput) (callvault.CaseCriteria, []callvault.Subject) {
	var (
		crit     callvault.CaseCriteria
		subjects []callvault.Subject
		seen     = map[callvault.Subject]bool{}
	)
	add := func(k callvault.SubjectKind, v string) {
		sub := callvault.Subject{Kind: k, Value: v}.Normalized()
		if sub.Value != "" && !seen[sub] {
			seen[sub] = true
			subjects = append(subjects, sub)
		}
	}
	if len(in.Numbers)+len(in.Names)+len(in.Extensions) > callvault.MaxSearchSubjects/2 {
		fe.Add("numbers", fmt.Sprintf("more than %d numbers, names and extensions in one search", callvault.MaxSearchSubjects/2))
		return crit, nil
	}
	for i, raw := range in.Numbers {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		n := phone.Normalize(raw, s.PhoneRegion)
		if n.E164 == "" {
			fe.Add(fmt.Sprintf("numbers[%d]", i), "is not a telephone number (give it as 07700 900123, +44 7700 900123, 00447700900123 or a tel: or sip: URI)")
			continue
		}
		crit.Numbers = append(crit.Numbers, raw)
		if !seen[callvault.Subject{Kind: callvault.SubjectNumber, Value: n.E164}] {
			crit.E164 = append(crit.E164, n.E164)
		}
		add(callvault.SubjectNumber, n.E164)
	}
	for _, name := range in.Names {
		folded := callvault.NormalizeName(name)
		if folded == "" {
			continue
		}
		// The criteria keep the name as the DPO typed it (the evidence of what was asked); the
		// search uses the fold, which is also how the index keeps names, so case and accents
		// do not matter.
		crit.Names = append(crit.Names, strings.TrimSpace(name))
		add(callvault.SubjectName, folded)
	}
	for i, e := range in.Extensions {
		e = strings.TrimSpace(e)
		switch {
		case e == "":
		case len(e) > 32:
			fe.Add(fmt.Sprintf("extensions[%d]", i), "is longer than 32 characters")
		default:
			crit.Extensions = append(crit.Extensions, e)
			add(callvault.SubjectExtension, e)
		}
	}
	var err error
	if strings.TrimSpace(in.From) != "" {
		if crit.From, err = parseWhen(in.From); err != nil {
			fe.Add("from", "is not an RFC 3339 time or a YYYY-MM-DD day")
		}
	}
	if strings.TrimSpace(in.To) != "" {
		if crit.To, err = parseWhen(in.To); err != nil {
			fe.Add("to", "is not an RFC 3339 time or a YYYY-MM-DD day")
		}
	}
	if !crit.From.IsZero() && !crit.To.IsZero() && !crit.From.Before(crit.To) {
		fe.Add("to", "is not after from")
	}
	crit.From, crit.To = crit.From.UTC(), crit.To.UTC()
	return crit, subjects
}
