package metadata

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/callvault/callvault"
)

const (
	timeLayout  = time.RFC3339
	timeExample = "2026-11-20T10:00:00Z"
)

// text trims s and checks that it is at most max characters of printable text: no control
// characters, no bidirectional overrides that could disguise it on screen, no replacement
// characters left by broken encodings.
func text(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > max {
		return "", invalid("%s is %d characters long; at most %d are allowed", field, n, max)
	}
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return "", invalid("%s contains invalid UTF-8 or an unpaired surrogate", field)
		case unicode.IsControl(r):
			return "", invalid("%s must not contain control characters (found U+%04X)", field, r)
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return "", invalid("%s must not contain bidirectional control characters (found U+%04X)", field, r)
		}
	}
	return s, nil
}

// zonelessLayout is a time as RFC 3339 writes it but without a zone (a fraction of a second may
// follow the seconds): recorders send it, and it is read as UTC, with a note on the recording.
const zonelessLayout = "2006-01-02T15:04:05"

// zonelessNote is the recording's AttrStartTimeNote for a start time without a zone.
const zonelessNote = "started_at had no zone and was read as UTC"

// time parses an RFC 3339 time, or one without a zone (read as UTC; zoneless is then true), and
// checks it with the start-time rule that every capture path shares (callvault.StartTimeRule):
// not before the rule's floor, not in the future beyond its skew.
func (d *decoder) time(field, s string) (t time.Time, zoneless bool, err error) {
	s = strings.TrimSpace(s)
	t, err = time.Parse(timeLayout, s)
	if err != nil {
		if t, err = time.Parse(zonelessLayout, s); err != nil {
			return time.Time{}, false, invalid("%s: %s is not an RFC 3339 time; use the form %s (UTC) or 2026-11-20T10:00:00+01:00",
				field, quote(s), timeExample)
		}
		zoneless = true
	}
	t = t.UTC().Truncate(time.Microsecond)
	if err := d.rule.Check(d.now, t); err != nil {
		if field != "started_at" {
			return time.Time{}, false, invalid("%s", strings.Replace(callvault.ErrorMessage(err), "started_at", field, 1))
		}
		return time.Time{}, false, err
	}
	return t, zoneless, nil
}

// startedAt sets rec.StartedAt from the started_at text s. A time without a zone is read as UTC
// and noted on the recording (AttrReportedStartTime keeps the text as sent).
func (d *decoder) startedAt(rec *callvault.Recording, s string) error {
	t, zoneless, err := d.time("started_at", s)
	if err != nil {
		return err
	}
	rec.StartedAt = t
	if zoneless {
		if rec.Attributes == nil {
			rec.Attributes = map[string]string{}
		}
		rec.Attributes[callvault.AttrReportedStartTime] = strings.TrimSpace(s)
		rec.Attributes[callvault.AttrStartTimeNote] = zonelessNote
	}
	return nil
}

// oneOf lists allowed values for a message: "a, b or c".
func oneOf[T ~string](values ...T) string {
	var b strings.Builder
	for i, v := range values {
		switch {
		case i == 0:
		case i == len(values)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(string(v))
	}
	return b.String()
}

func direction(s string) (callvault.Direction, error) {
	d := callvault.Direction(strings.TrimSpace(s))
	if !d.Valid() {
		return "", invalid("direction %s is not allowed; use %s, or leave it out if unknown", quote(s),
			oneOf(callvault.DirectionInbound, callvault.DirectionOutbound, callvault.DirectionInternal))
	}
	return d, nil
}

// sourceOf checks the source the metadata claims. It may be left out (""): the source of a
// recording is the path it came through, which the caller assigns with callvault.AssignSource.
func sourceOf(s string) (callvault.Source, error) {
	allowed := oneOf(callvault.SourceUpload, callvault.SourceSIPREC, callvault.SourceImport)
	src := callvault.Source(strings.TrimSpace(s))
	switch {
	case src == "":
		return "", nil
	case !src.Valid():
		return "", invalid("source %s is not allowed; use %s", quote(s), allowed)
	}
	return src, nil
}

func announcementOf(s string) (callvault.Announcement, error) {
	a := callvault.Announcement(strings.TrimSpace(s))
	if a == "" {
		return callvault.AnnouncementUnknown, nil
	}
	if !a.Valid() {
		return "", invalid("announcement_played %s is not allowed; use %s", quote(s),
			oneOf(callvault.AnnouncementYes, callvault.AnnouncementNo, callvault.AnnouncementUnknown))
	}
	return a, nil
}

func role(field, s string) (callvault.PartyRole, error) {
	r := callvault.PartyRole(strings.TrimSpace(s))
	if !r.Valid() {
		return "", invalid("%s %s is not allowed; use %s, or leave it out if unknown", field, quote(s),
			oneOf(callvault.RoleCaller, callvault.RoleCallee, callvault.RoleAgent, callvault.RoleCustomer))
	}
	return r, nil
}

// uri checks a party's SIP or tel URI: no spaces, and one of the schemes telephony uses.
func uri(field, s string) (string, error) {
	u, err := text(field, s, MaxString)
	if err != nil || u == "" {
		return u, err
	}
	lower := strings.ToLower(u)
	if !strings.HasPrefix(lower, "sip:") && !strings.HasPrefix(lower, "sips:") && !strings.HasPrefix(lower, "tel:") {
		return "", invalid("%s %s must be a sip:, sips: or tel: URI", field, quote(s))
	}
	if strings.ContainsFunc(u, unicode.IsSpace) {
		return "", invalid("%s %s must not contain spaces", field, quote(s))
	}
	_, rest, _ := strings.Cut(u, ":")
	if rest == "" {
		return "", invalid("%s %s has nothing after the scheme", field, quote(s))
	}
	return u, nil
}

// telephoneNumber checks that s (trimmed, printable text) is written as a telephone number,
// extension or short code: digits, an optional leading '+', the separators people write (space,
// '-', '.', '(', ')', '/') and the keypad's '*' and '#'. A value with letters or without a digit
// ("call me maybe", "!!!") is a recorder filling the wrong field; kept, it would be a subject no
// search finds. Names go in a party's name, SIP addresses in its uri.
func telephoneNumber(field, s string) error {
	s = strings.TrimSpace(s)
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" -.()/*#", r):
		case unicode.IsLetter(r):
			return invalid("%s %s is not a telephone number: it contains letters; put a name in parties[].name and a SIP address in parties[].uri", field, quote(s))
		default:
			return invalid("%s %s is not a telephone number: %s is not allowed; use digits, an optional leading +, and spaces, '-', '.', '(', ')', '/', '*' or '#'", field, quote(s), quote(string(r)))
		}
	}
	if digits == 0 {
		return invalid("%s %s is not a telephone number: it has no digits", field, quote(s))
	}
	return nil
}

// checkSourceID checks the recorder's own identifier of the call, the key that makes uploads
// idempotent: it is kept exactly as given, so it must be unambiguous printable ASCII.
func checkSourceID(s string) (string, error) {
	switch {
	case s == "":
		return "", invalid("source_id is required: the recorder's own identifier of the call (printable ASCII, at most %d characters)", MaxSourceID)
	case len(s) > MaxSourceID:
		return "", invalid("source_id is %d characters long; at most %d are allowed", len(s), MaxSourceID)
	case s[0] == ' ' || s[len(s)-1] == ' ':
		return "", invalid("source_id must not start or end with a space")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7E {
			return "", invalid("source_id must be printable ASCII; found byte 0x%02X at position %d", c, i)
		}
	}
	return s, nil
}
