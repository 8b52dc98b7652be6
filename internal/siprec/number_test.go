package siprec

import (
	"testing"

	"github.com/callvault/callvault"
)

func TestNormalizeNumber(t *testing.T) {
	tests := []struct {
		raw  string
		want callvault.Number
	}{
		{"2001", callvault.Number{Raw: "2001"}},     // an extension, though libphonenumber calls it a possible GB number
		{"123456", callvault.Number{Raw: "123456"}}, // the longest extension
		{"1234567", callvault.Number{Raw: "1234567", E164: "+441234567"}},
		{"02079460000", callvault.Number{Raw: "02079460000", E164: "+442079460000"}},
		{"00447700900123", callvault.Number{Raw: "00447700900123", E164: "+447700900123"}},
		{"+12025550143", callvault.Number{Raw: "+12025550143", E164: "+12025550143"}},
		{"+4420", callvault.Number{Raw: "+4420"}},                                   // '+' is never an extension; too short to be a number
		{"33187164021", callvault.Number{Raw: "33187164021", E164: "+33187164021"}}, // Oracle relaying Avaya: international without '+'
		{"anonymous", callvault.Number{Raw: "anonymous"}},
	}
	for _, tt := range tests {
		if got := normalizeNumber(tt.raw, "GB"); got != tt.want {
			t.Errorf("normalizeNumber(%q) = %+v, want %+v", tt.raw, got, tt.want)
		}
	}
}
