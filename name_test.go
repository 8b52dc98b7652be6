package callvault

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  JANE  doe ", "jane doe"},
		{"Jane\u200bDoe", "janedoe"},                 // zero-width space
		{"Jane\u200d \u200cDoe\u2060", "jane doe"},   // joiners and word joiner
		{"\ufeffJane\u00ad Doe", "jane doe"},         // byte order mark, soft hyphen
		{"\u202eeoD enaJ\u202c", "eod enaj"},         // bidi override: stripped, text kept as sent
		{"Ｊａｎｅ　Ｄｏｅ", "jane doe"},                     // fullwidth letters, ideographic space
		{"Zoe\u0308", "zoë"},                         // combining diaeresis composes
		{"Zoë", "zoë"},                               // precomposed
		{"ﬁona", "fiona"},                            // ligature
		{"Jane\u00a0Doe\tSmith\n", "jane doe smith"}, // no-break space and other white space
		{"王 芳", "王 芳"},
		{"\u200b\u200b", ""},
		// Other default-ignorable code points render as nothing too: the combining grapheme
		// joiner, variation selectors, Hangul fillers, Mongolian variation selectors.
		{"Jane\u034f Doe", "jane doe"},
		{"Jane\ufe0f Do\U000e0100e", "jane doe"},
		{"Jane\u3164Doe\u115f\u1160", "janedoe"},
		{"Ja\u180bne Doe", "jane doe"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A search folds the name searched for the same way.
	f, err := RecordingFilter{Subjects: []Subject{{Kind: SubjectName, Value: "Ｊａｎｅ\u200b Doe"}}}.Normalize()
	if err != nil || f.Subjects[0].Value != "jane doe" {
		t.Errorf("filter subjects %+v, %v; want the name folded to %q", f.Subjects, err, "jane doe")
	}
	r := &Recording{Parties: []Party{{Name: "Zoe\u0308\u200b Müller"}}}
	if s := r.Subjects(); len(s) != 1 || s[0] != (Subject{Kind: SubjectName, Value: "zoë müller"}) {
		t.Errorf("Subjects() = %+v", s)
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Jane Doe", "Jane\u200bDoe", "Ｊａｎｅ", "Zoe\u0308", "\u0130stanbul", "ﬁ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeName(s)
		if NormalizeName(n) != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, n, NormalizeName(n))
		}
		if utf8.ValidString(s) {
			for _, r := range n {
				if unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
					t.Fatalf("NormalizeName(%q) = %q keeps invisible character %U", s, n, r)
				}
			}
		}
	})
}
