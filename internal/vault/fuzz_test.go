package vault

import (
	"testing"

	"github.com/callvault/callvault"
)

// FuzzParseSeedFile: a seed file that is malformed in any way is an error, never a panic, and
// what parses is written back identically.
func FuzzParseSeedFile(f *testing.F) {
	var s epochSeed
	f.Add(seedFile(originMonth, s))
	f.Add([]byte("epoch: 2027-13\nseed: 00\n"))
	f.Add([]byte("# comment\nepoch:2027-01\nseed:" + string(make([]byte, 64)) + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		month, seed, err := parseSeedFile(b)
		if err != nil {
			return
		}
		m2, s2, err := parseSeedFile(seedFile(month, seed))
		if err != nil || m2 != month || s2 != seed {
			t.Fatalf("round trip of a parsed seed file: %v", err)
		}
	})
}

// FuzzParseMonthEpoch: only YYYY-MM months parse, and they name themselves back.
func FuzzParseMonthEpoch(f *testing.F) {
	for _, s := range []string{"2027-06", "", "hold", "2027-00", "0000-01", "2027-6", "９９９９-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, m, ok := callvault.ParseMonthEpoch(s)
		if !ok {
			return
		}
		if callvault.MonthEpoch(y, m) != s {
			t.Fatalf("%q parses to %d-%d, which names itself %q", s, y, m, callvault.MonthEpoch(y, m))
		}
		i, ok := monthIndex(s)
		if !ok || monthName(i) != s {
			t.Fatalf("month index of %q does not round-trip", s)
		}
	})
}
