package ui

import (
	"testing"
	"time"
)

// TestTypedDates checks that a day or a time reads the same whether a date field sent it
// (YYYY-MM-DD, whatever the browser's language) or a person typed it the British way.
func TestTypedDates(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	p := &Pages{zone: london}
	for _, s := range []string{"2026-11-27", "27/11/2026", "27-11-2026", "27.11.2026", " 27 Nov 2026 ", "27 November 2026", "Fri 27 Nov 2026"} {
		if got := p.isoDay(s); got != "2026-11-27" {
			t.Errorf("isoDay(%q) = %q", s, got)
		}
	}
	for _, s := range []string{"11/27/2026", "2026-13-01", "next week", ""} {
		if _, ok := parseDay(s, london); ok {
			t.Errorf("%q read as a day", s)
		}
	}
	for _, s := range []string{"2026-07-27T14:30", "27/07/2026 14:30", "27/7/2026, 14:30", "27 Jul 2026 at 14.30"} {
		got, ok := p.fromLocalInput(s)
		if !ok || got != "2026-07-27T13:30:00Z" { // British Summer Time
			t.Errorf("fromLocalInput(%q) = %q %v", s, got, ok)
		}
	}
	if _, ok := p.fromLocalInput("27/07/2026"); ok {
		t.Errorf("a day without a time read as a time")
	}
}
