package callvault

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeName folds a person's name for matching, so that what looks alike, or is written
// alike by someone who cannot type the accents, is found alike. Stores index names folded this
// way and fold the names searched for alike (Subject.Normalized), so a name written with
// invisible characters or accents cannot escape a subject access search; the raw name stays in
// Party.Name. The fold, in order:
//
//  1. Format characters (Unicode category Cf: zero-width spaces and joiners, soft hyphens, byte
//     order marks, bidirectional marks) and the other default-ignorable code points are removed.
//  2. Compatibility decomposition (NFKD): fullwidth "Ｊａｎｅ" is "Jane", the ligature "ﬁ" is "fi",
//     and an accented letter is its base letter followed by combining marks.
//  3. Lower case, then the nonspacing marks (Mn) that follow a Latin, Greek or Cyrillic letter
//     are dropped: "José", "JOSÉ" and "Jose" with a combining acute all fold to "jose", "Zoë" to
//     "zoe", "Ёлкин" to "елкин". Marks on other scripts are kept, because there they make a
//     different letter rather than an accent (Japanese dakuten: か and が; Indic viramas).
//  4. Letters that are accented in the reader's eyes but do not decompose in Unicode are
//     written as people type them without the accent: ø as o, ł as l, đ and ð as d, ħ as h,
//     ŧ as t, dotless ı as i; ß (and ẞ) as ss, æ as ae, œ as oe, þ as th, as German, Danish,
//     French and Icelandic write them in ASCII; Greek final ς as σ (a case form, not a letter).
//  5. White space is collapsed to single spaces and trimmed, and the result is recomposed (NFC).
//
// The fold is idempotent. It widens matches and never narrows them: a name that matched under
// the previous folds (case, NFKC) still matches.
func NormalizeName(s string) string {
	s = strings.ToLower(norm.NFKD.String(strings.Map(dropInvisible, s)))
	var b strings.Builder
	b.Grow(len(s))
	accentable := false // the last letter is Latin, Greek or Cyrillic
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			if !accentable {
				b.WriteRune(r)
			}
			continue
		}
		if dropInvisible(r) < 0 { // NFKD may map one invisible character to another (U+3164 to U+1160)
			continue
		}
		accentable = unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic)
		if f, ok := nameLetters[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(strings.Join(strings.Fields(b.String()), " "))
}

// nameLetters are the lower-case letters that read as accented but have no decomposition in
// Unicode, with what a person without the accent types (see NormalizeName, step 4).
var nameLetters = map[rune]string{
	'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'ħ': "h", 'ŧ': "t", 'ı': "i", 'ƚ': "l", 'ɨ': "i",
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'þ': "th", 'ς': "σ",
}

// dropInvisible is a strings.Map function that removes what renders as nothing: format
// characters (Cf) and the other default-ignorable code points (the combining grapheme joiner,
// variation selectors, Hangul fillers, Mongolian variation selectors).
func dropInvisible(r rune) rune {
	if unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) {
		return -1
	}
	return r
}
