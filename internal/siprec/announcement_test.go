package siprec

import (
	"testing"

	"github.com/callvault/callvault"
)

func TestParseAnnouncement(t *testing.T) {
	tests := []struct {
		in   string
		want callvault.Announcement
	}{
		{"played", callvault.AnnouncementYes},
		{" Played ", callvault.AnnouncementYes},
		{"yes", callvault.AnnouncementYes},
		{"true", callvault.AnnouncementYes},
		{"1", callvault.AnnouncementYes},
		{"on", callvault.AnnouncementYes},
		{"not-played", callvault.AnnouncementNo},
		{"NOT_PLAYED", callvault.AnnouncementNo},
		{"notplayed", callvault.AnnouncementNo},
		{"no", callvault.AnnouncementNo},
		{"false", callvault.AnnouncementNo},
		{"0", callvault.AnnouncementNo},
		{"off", callvault.AnnouncementNo},
		{"skipped", callvault.AnnouncementNo},
		{"", callvault.AnnouncementUnknown},
		{"maybe", callvault.AnnouncementUnknown},
		{"unknown", callvault.AnnouncementUnknown},
	}
	for _, tt := range tests {
		if got := parseAnnouncement(tt.in); got != tt.want {
			t.Errorf("parseAnnouncement(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
