package ui

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// apiWords are the API's field names as a person reads them, for messages the services write
// in the API's terms.
var apiWords = strings.NewReplacer(
	"call_time (or call_from and call_to)", "the time of the call (or a period)",
	"call_from and call_to", "the start and end of the period",
	"call_time", "the time of the call", "call_from", "the start of the period", "call_to", "the end of the period",
	"external_number", "the external number", "other_information", "other information",
	"parties", "the names of the parties", "recording_ids", "recordings", "expires_at", "the expiry",
	"RFC 3339 time like 2026-11-20T10:05:00Z", "date and time",
	// The case desk's messages about days, as the pages take them (dates.go).
	"is not an RFC 3339 time or a YYYY-MM-DD day", "is not a date: type it as day/month/year, for example 27/11/2026",
	"is not YYYY-MM-DD", "is not a date: type it as day/month/year, for example 27/11/2026",
	"is required: a date (YYYY-MM-DD) or an RFC 3339 time by which the hold is reviewed", "is required: the day by which the hold is reviewed")

// sentence turns a service's message into a sentence for a page: API names in words, a capital
// first letter and a full stop. "is required: ..." becomes "This is required: ...".
func sentence(msg string) string {
	msg = apiWords.Replace(strings.TrimSpace(msg))
	if strings.HasPrefix(msg, "is ") || strings.HasPrefix(msg, "ends ") {
		msg = "This " + msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// fieldName maps a service's field ("parties[2]") to the form field it belongs to.
func fieldName(f string) string {
	if i := strings.IndexByte(f, '['); i > 0 {
		f = f[:i]
	}
	if f == "name" {
		return "username"
	}
	return f
}

func itoa(n int) string { return strconv.Itoa(n) }

// localInput is the format of <input type="datetime-local">.
const localInput = "2006-01-02T15:04"

// fromLocalInput reads a datetime-local value (or a date and time typed as 27/11/2026 14:30) in
// the organisation's zone as RFC 3339; ok is false when it is not one. An empty value is "" and ok.
func (p *Pages) fromLocalInput(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", true
	}
	if t, ok := p.parseLocalTime(v); ok {
		return t.UTC().Format(time.RFC3339), true
	}
	return "", false
}

// splitNames reads the parties field: names separated by commas or new lines.
func splitNames(v string) []string {
	var out []string
	for _, n := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}
