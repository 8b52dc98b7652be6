package phone

import (
	"testing"

	"github.com/callvault/callvault"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		raw, region string
		want        callvault.Number
	}{
		{"07700 900123", "GB", callvault.Number{E164: "+447700900123", Raw: "07700 900123"}},
		{"  07700900123\t", "", callvault.Number{E164: "+447700900123", Raw: "07700900123"}},
		{"+44 20 7946 0000", "GB", callvault.Number{E164: "+442079460000", Raw: "+44 20 7946 0000"}},
		{"020 7946 0000", "gb", callvault.Number{E164: "+442079460000", Raw: "020 7946 0000"}},
		{"(020) 7946-0000", "GB", callvault.Number{E164: "+442079460000", Raw: "(020) 7946-0000"}},
		{"00447700900123", "GB", callvault.Number{E164: "+447700900123", Raw: "00447700900123"}},
		{"+1 202-555-0143", "GB", callvault.Number{E164: "+12025550143", Raw: "+1 202-555-0143"}},
		{"202-555-0143", "US", callvault.Number{E164: "+12025550143", Raw: "202-555-0143"}},
		{"tel:+44-20-7946-0000", "GB", callvault.Number{E164: "+442079460000", Raw: "tel:+44-20-7946-0000"}},
		{"tel:07700900123;phone-context=example.com", "GB", callvault.Number{E164: "+447700900123", Raw: "tel:07700900123;phone-context=example.com"}},
		{"sip:+447700900123@host;user=phone", "GB", callvault.Number{E164: "+447700900123", Raw: "sip:+447700900123@host;user=phone"}},
		{"SIPS:07700900123@pbx.example.com:5061", "GB", callvault.Number{E164: "+447700900123", Raw: "SIPS:07700900123@pbx.example.com:5061"}},
		{`"Jane Doe" <sip:%2B447700900123@host>`, "GB", callvault.Number{E164: "+447700900123", Raw: `"Jane Doe" <sip:%2B447700900123@host>`}},
		// International form without '+' (an Oracle SBC relaying Avaya): the national reading is
		// not a valid GB number, the international one is a valid French one.
		{"33187164021", "GB", callvault.Number{E164: "+33187164021", Raw: "33187164021"}},
		{"sip:33187164021@10.0.0.1;user=phone", "GB", callvault.Number{E164: "+33187164021", Raw: "sip:33187164021@10.0.0.1;user=phone"}},
		{"12025550143", "GB", callvault.Number{E164: "+12025550143", Raw: "12025550143"}},
		{"4930901820", "GB", callvault.Number{E164: "+4930901820", Raw: "4930901820"}},
		// A valid national reading wins over a valid international one: 2079460000 is London
		// without its trunk 0 (and +20 79460000 would be Egypt).
		{"2079460000", "GB", callvault.Number{E164: "+442079460000", Raw: "2079460000"}},
		{"7700900123", "GB", callvault.Number{E164: "+447700900123", Raw: "7700900123"}},
		// Neither reading valid: the possible national one, as before.
		{"1234567", "GB", callvault.Number{E164: "+441234567", Raw: "1234567"}},
		{"201", "GB", callvault.Number{Raw: "201"}},
		{"sip:201@pbx.example.com", "GB", callvault.Number{Raw: "sip:201@pbx.example.com"}},
		{"sip:jane@example.com", "GB", callvault.Number{Raw: "sip:jane@example.com"}},
		{"sip:+447700900123", "GB", callvault.Number{Raw: "sip:+447700900123"}},
		{"anonymous", "GB", callvault.Number{Raw: "anonymous"}},
		{"0800 FLOWERS", "GB", callvault.Number{Raw: "0800 FLOWERS"}},
		{"+44 20 7946 0000 ext. 201", "GB", callvault.Number{Raw: "+44 20 7946 0000 ext. 201"}},
		{"44+7700900123", "GB", callvault.Number{Raw: "44+7700900123"}},
		{"+", "GB", callvault.Number{Raw: "+"}},
		{"", "GB", callvault.Number{}},
		{"   ", "GB", callvault.Number{}},
		{"123456789012345678901234567890", "GB", callvault.Number{Raw: "123456789012345678901234567890"}},
		{"<sip:+447700900123@host", "GB", callvault.Number{Raw: "<sip:+447700900123@host"}},
		{"sip:%ZZ@host", "GB", callvault.Number{Raw: "sip:%ZZ@host"}},
		{"07700 900123", "XX", callvault.Number{Raw: "07700 900123"}},
	}
	for _, tt := range tests {
		if got := Normalize(tt.raw, tt.region); got != tt.want {
			t.Errorf("Normalize(%q, %q) = %+v, want %+v", tt.raw, tt.region, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"07700 900123", "sip:+447700900123@host;user=phone", "tel:+44", "201", "<sip:%41@x>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		n := Normalize(raw, "GB")
		if n.E164 != "" && (n.E164[0] != '+' || len(n.E164) < 4) {
			t.Fatalf("Normalize(%q) gave E164 %q", raw, n.E164)
		}
	})
}
