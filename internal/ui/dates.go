package ui

import (
	"strings"
	"time"
)

// A date field sends YYYY-MM-DD whatever language the browser shows its picker in; a browser
// without a picker (or a person typing into a plain box) sends what was typed, which in Britain
// is day/month/year. The pages read both, and say the format they expect beside each field.

// dayLayouts are the days a person may type: the form a date field sends, then the British
// day/month/year with slashes, dashes or dots, and the day with the month's name.
var dayLayouts = []string{time.DateOnly, "2/1/2006", "2-1-2006", "2.1.2006", "2 Jan 2006", "2 January 2006", "Mon 2 Jan 2006"}

// timeLayouts are the times of day that may follow a typed day.
var timeLayouts = []string{"15:04", "15:04:05", "15.04"}

// parseDay reads a day typed or picked, in zone; ok is false when it is not one.
func parseDay(s string, zone *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range dayLayouts {
		if t, err := time.ParseInLocation(layout, s, zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// isoDay is a typed day as YYYY-MM-DD, the form the services take; text that is not a day is
// left as it is, for the service to name the field.
func (p *Pages) isoDay(s string) string {
	if t, ok := parseDay(s, p.zone); ok {
		return t.Format(time.DateOnly)
	}
	return strings.TrimSpace(s)
}

// parseLocalTime reads a date and time picked (YYYY-MM-DDTHH:MM) or typed ("27/11/2026 14:30",
// "27/11/2026, 14:30") in the organisation's zone.
func (p *Pages) parseLocalTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{localInput, localInput + ":05"} {
		if t, err := time.ParseInLocation(layout, s, p.zone); err == nil {
			return t, true
		}
	}
	s = strings.Join(strings.Fields(strings.NewReplacer(",", " ", " at ", " ").Replace(s)), " ")
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return time.Time{}, false
	}
	day, ok := parseDay(s[:i], p.zone)
	if !ok {
		return time.Time{}, false
	}
	for _, layout := range timeLayouts {
		if c, err := time.Parse(layout, s[i+1:]); err == nil {
			return time.Date(day.Year(), day.Month(), day.Day(), c.Hour(), c.Minute(), c.Second(), 0, p.zone), true
		}
	}
	return time.Time{}, false
}
