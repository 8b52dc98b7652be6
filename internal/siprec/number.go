package siprec

import (
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/phone"
)

// maxExtensionDigits is the longest all-digit user part taken as a PBX extension rather than a
// telephone number.
const maxExtensionDigits = 6

// uriUser returns the user part of a SIP or tel URI ("sip:+4420@host;user=phone" gives
// "+4420"), or the whole value without scheme and parameters when it has no user part.
func uriUser(aor string) string {
	s := strings.TrimSpace(aor)
	s = strings.TrimPrefix(strings.TrimSuffix(s, ">"), "<")
	if i := strings.IndexByte(s, ':'); i >= 0 {
		switch strings.ToLower(s[:i]) {
		case "sip", "sips", "tel":
			s = s[i+1:]
		}
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexAny(s, ";?"); i >= 0 {
		s = s[:i]
	}
	return s
}

// canonicalURI returns user@host of a SIP URI in lower case, without scheme, port or
// parameters, for comparing addresses.
func canonicalURI(aor string) string {
	s := strings.ToLower(strings.TrimSpace(aor))
	s = strings.TrimPrefix(strings.TrimSuffix(s, ">"), "<")
	for _, p := range []string{"sips:", "sip:", "tel:"} {
		s = strings.TrimPrefix(s, p)
	}
	if i := strings.IndexAny(s, ";?>"); i >= 0 {
		s = s[:i]
	}
	if at := strings.IndexByte(s, '@'); at >= 0 {
		if c := strings.LastIndexByte(s, ':'); c > at {
			s = s[:c]
		}
	}
	return s
}

// dialString strips visual separators from a telephone number ("+44 (20) 7946-0000").
func dialString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return ""
		}
	}
	return b.String()
}

// isExtension reports whether user is a short all-digit PBX extension.
func isExtension(user string) bool {
	d := dialString(user)
	return d != "" && d[0] != '+' && len(d) <= maxExtensionDigits
}

// normalizeNumber is phone.Normalize for numbers taken from SIP metadata, with one difference:
// a short all-digit user part (at most maxExtensionDigits digits, no '+') is a PBX extension
// and gets no E.164 form. phone.Normalize accepts any "possible" number, and libphonenumber
// counts 4-6 digit strings as possible local-only numbers in GB ("2001" would become
// "+442001"), which would index extensions as bogus numbers and let an unrecorded extension
// match an unrelated E.164 number.
func normalizeNumber(raw, region string) callvault.Number {
	if isExtension(raw) {
		return callvault.Number{Raw: strings.TrimSpace(raw)}
	}
	return phone.Normalize(raw, region)
}
