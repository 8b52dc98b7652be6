package importer

import (
	"fmt"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/phone"
)

// Lines is the set of unrecorded lines (the --unrecorded setting: extensions, numbers and SIP
// or tel URIs of payment lines), as imports check them: a recording any of whose numbers or
// extensions is one of them is refused. A number matches in any written form that normalises
// to the same E.164 number; an extension or other dial string matches exactly.
type Lines struct {
	dial   map[string]string // dial string -> the entry as configured
	e164   map[string]string
	region string
}

// NewLines returns the lines of entries; numbers in national form are read in region.
func NewLines(entries []string, region string) *Lines {
	l := &Lines{dial: map[string]string{}, e164: map[string]string{}, region: region}
	for _, e := range entries {
		d := dialString(uriUser(e))
		if d == "" {
			continue
		}
		l.dial[d] = e
		if n := phone.Normalize(d, region); n.E164 != "" {
			l.e164[n.E164] = e
		}
	}
	return l
}

// Match returns the configured entry that one of values (numbers, extensions) is, if any.
func (l *Lines) Match(values ...string) (string, bool) {
	if l == nil || len(l.dial) == 0 {
		return "", false
	}
	for _, v := range values {
		d := dialString(uriUser(v))
		if d == "" {
			continue
		}
		if e, ok := l.dial[d]; ok {
			return e, true
		}
		if n := phone.Normalize(d, l.region); n.E164 != "" {
			if e, ok := l.e164[n.E164]; ok {
				return e, true
			}
		}
	}
	return "", false
}

// Check returns a *Refusal naming the line if rec is a call on an unrecorded line: one of its
// extensions, external numbers, line, or parties' numbers or URIs is one.
func (l *Lines) Check(rec *callvault.Recording) error {
	values := append([]string{rec.Line}, rec.Extensions...)
	for _, n := range rec.ExternalNumbers {
		values = append(values, n.E164, n.Raw)
	}
	for _, p := range rec.Parties {
		values = append(values, p.Number.E164, p.Number.Raw, p.URI)
	}
	if e, ok := l.Match(values...); ok {
		return &Refusal{Reason: fmt.Sprintf("the call involves the unrecorded line %q (a payment line; see --unrecorded): it is not imported", e)}
	}
	return nil
}

// Refusal is an import refused for good: running again will not import it.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// uriUser returns the user part of a sip:, sips: or tel: URI, or s.
func uriUser(s string) string {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	for _, p := range []string{"sip:", "sips:", "tel:"} {
		if strings.HasPrefix(lower, p) {
			s = s[len(p):]
			break
		}
	}
	if i := strings.IndexAny(s, "@;"); i >= 0 {
		s = s[:i]
	}
	return s
}

// dialString returns s without visual separators if it is a dial string (digits, '+', '*',
// '#'), else "".
func dialString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '+', r == '*', r == '#':
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return ""
		}
	}
	return b.String()
}
