// Package phone normalises telephone numbers as PBXs and SIP servers report them to E.164, so
// that a subject access search for "+447700900123" finds the call whatever form the number
// arrived in ("07700 900123", "00447700900123", "sip:+447700900123@pbx;user=phone").
package phone

import (
	"net/url"
	"strings"

	"github.com/callvault/callvault"
	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is the region assumed for numbers written in national form (ISO 3166-1 alpha-2).
const DefaultRegion = "GB"

// maxRaw bounds the text handed to the parser; no telephone number is longer.
const maxRaw = 64

// Normalize returns raw as a callvault.Number. Raw is always kept (trimmed of surrounding
// space); E164 is set only when raw, or the user part of a tel:/sip: URI in it, parses as a
// possible telephone number in defaultRegion ("" means DefaultRegion). Extensions, names,
// vanity numbers ("0800 FLOWERS") and anything else give an empty E164.
//
// A number written without '+' can be national or international: SBCs relaying some PBXs
// (Oracle relaying Avaya) send "33187164021" for +33 1 87 16 40 21. The national reading is
// taken when it is a valid number of the region; otherwise the international one when that is
// valid; otherwise the national one if merely possible (a short or unallocated number keeps the
// form the region gives it).
func Normalize(raw, defaultRegion string) callvault.Number {
	raw = strings.TrimSpace(raw)
	n := callvault.Number{Raw: raw}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region == "" {
		region = DefaultRegion
	}
	digits, ok := dialable(raw)
	if !ok {
		return n
	}
	num, err := phonenumbers.Parse(digits, region)
	national := err == nil && phonenumbers.IsPossibleNumber(num)
	if digits[0] != '+' && !(national && phonenumbers.IsValidNumber(num)) {
		if intl, err := phonenumbers.Parse("+"+digits, region); err == nil && phonenumbers.IsValidNumber(intl) {
			num, national = intl, true
		}
	}
	if !national {
		return n
	}
	n.E164 = phonenumbers.Format(num, phonenumbers.E164)
	return n
}

// dialable extracts the number from raw: the user part of a SIP or tel URI, or raw itself. It
// reports false unless the result is made of digits, an optional leading '+' and the visual
// separators people write (space, '-', '.', '(', ')').
func dialable(raw string) (string, bool) {
	s := raw
	if i := strings.IndexByte(s, '<'); i >= 0 { // "Jane" <sip:...>
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return "", false
		}
		s = s[i+1 : i+j]
	}
	lower := strings.ToLower(s)
	for _, scheme := range []string{"sips:", "sip:", "tel:"} {
		if strings.HasPrefix(lower, scheme) {
			s = s[len(scheme):]
			if scheme != "tel:" {
				at := strings.IndexByte(s, '@')
				if at < 0 {
					return "", false
				}
				s = s[:at]
			}
			s, _, _ = strings.Cut(s, ";") // user or tel parameters (";phone-context=", ";isub=")
			if strings.IndexByte(s, '%') >= 0 {
				u, err := url.PathUnescape(s)
				if err != nil {
					return "", false
				}
				s = u
			}
			break
		}
	}
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxRaw {
		return "", false
	}
	digits := 0
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '+' && i == 0:
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	return s, digits > 0
}
