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
		{"Zoe\u0308", "zoe"},                         // combining diaeresis dropped
		{"Zoë", "zoe"},                               // precomposed: decomposed, then dropped
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
		// Accents: case- and accent-insensitive on Latin, Greek and Cyrillic letters.
		{"José García", "jose garcia"},
		{"JOSÉ GARCÍA", "jose garcia"},
		{"Jose\u0301 Garci\u0301a", "jose garcia"}, // combining acute
		{"Ｊｏｓé", "jose"},                           // fullwidth and accented
		{"François Œuvray", "francois oeuvray"},
		{"Łukasz Żółć", "lukasz zolc"},
		{"Søren Ærø", "soren aero"},
		{"Đorđe Đoković", "dorde dokovic"},
		{"Þórður Guðmundsson", "thordur gudmundsson"},
		{"Straße STRAẞE", "strasse strasse"},
		{"İstanbul ıspanak", "istanbul ispanak"},
		{"Ὀδυσσεύς ΟΔΥΣΣΕΥΣ", "οδυσσευσ οδυσσευσ"}, // breathing and accent dropped; final sigma
		{"Ёлкин Йорк", "елкин иорк"},
		{"Nguyễn Thị Ánh", "nguyen thi anh"}, // two stacked marks
		{"ǅemal", "dzemal"},                  // compatibility digraph, caron dropped
		// Marks that make another letter in other scripts are kept.
		{"が", "が"},
		{"ガ", "ガ"},
		{"हिंदी", "हिंदी"},
		{"\u0301Jose", "\u0301jose"}, // a mark on nothing stays where it is
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
	if s := r.Subjects(); len(s) != 1 || s[0] != (Subject{Kind: SubjectName, Value: "zoe muller"}) {
		t.Errorf("Subjects() = %+v", s)
	}
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Jane Doe", "Jane\u200bDoe", "Ｊａｎｅ", "Zoe\u0308", "\u0130stanbul", "ﬁ", "Straße", "ガ", "Nguyễn", "ς\u0301"} {
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
