package siprec

import (
	"strings"
)

// unrecorded is the set of lines that must never be recorded (PCI DSS payment lines):
// extensions, telephone numbers and SIP URIs.
type unrecorded struct {
	exts map[string]bool // dial strings of extensions and numbers as configured
	e164 map[string]bool
	uris map[string]bool // canonicalURI form
}

func newUnrecorded(entries []string, region string) *unrecorded {
	u := &unrecorded{exts: map[string]bool{}, e164: map[string]bool{}, uris: map[string]bool{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		lower := strings.ToLower(e)
		if strings.Contains(e, "@") || strings.HasPrefix(lower, "sip:") || strings.HasPrefix(lower, "sips:") || strings.HasPrefix(lower, "tel:") {
			if strings.Contains(e, "@") {
				u.uris[canonicalURI(e)] = true
			}
			e = uriUser(e) // a tel: URI or sip:number@host also names the number
			if strings.Contains(lower, "@") && dialString(e) == "" {
				continue
			}
		}
		if d := dialString(e); d != "" {
			u.exts[d] = true
			if n := normalizeNumber(d, region); n.E164 != "" {
				u.e164[n.E164] = true
			}
		}
	}
	return u
}

// empty reports whether no line is configured.
func (u *unrecorded) empty() bool {
	return len(u.exts)+len(u.e164)+len(u.uris) == 0
}

// match reports whether the participant's address is an unrecorded line, and which.
func (u *unrecorded) match(aor, region string) (string, bool) {
	if aor == "" || u.empty() {
		return "", false
	}
	if c := canonicalURI(aor); u.uris[c] {
		return c, true
	}
	user := uriUser(aor)
	d := dialString(user)
	if d == "" {
		return "", false
	}
	if u.exts[d] {
		return d, true
	}
	if n := normalizeNumber(d, region); n.E164 != "" && u.e164[n.E164] {
		return n.E164, true
	}
	return "", false
}

// matchMetadata returns the first participant of m on an unrecorded line, and the line. A
// participant is matched by its address of record and by the number a dialect extension gives
// it (a Webex Calling user known only by an opaque id).
func (u *unrecorded) matchMetadata(m *Metadata, region string) (string, *Participant, bool) {
	if m == nil || u.empty() {
		return "", nil, false
	}
	extra := m.extensionNumbers()
	for i, p := range m.Participants {
		if line, ok := u.match(p.AoR, region); ok {
			return line, &m.Participants[i], true
		}
		if line, ok := u.match(extra[p.ID], region); ok {
			return line, &m.Participants[i], true
		}
	}
	return "", nil, false
}
