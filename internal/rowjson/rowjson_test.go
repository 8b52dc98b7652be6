package rowjson

import (
	"encoding/json"
	"testing"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

// same checks that decode gives what json.Unmarshal gives for input, error or not.
func same[T any](t *testing.T, decode func([]byte, *T) error, input string) {
	t.Helper()
	var want, got T
	wantErr := json.Unmarshal([]byte(input), &want)
	gotErr := decode([]byte(input), &got)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q: error %v, json.Unmarshal's %v", input, gotErr, wantErr)
	}
	if diff := cmp.Diff(want, got); wantErr == nil && diff != "" {
		t.Errorf("%q: differs from json.Unmarshal (-want +got):\n%s", input, diff)
	}
}

var seeds = []string{
	`["2004"]`, `[]`, `["a","b"]`, `[ "a" , "b" ]`, `null`, `["a\"b"]`, `["\u00e9"]`, `["é"]`, `["a",]`, `["a"] x`,
	`[{"e164":"+447867791285","raw":"07867791285"}]`, `[{"raw": "07867791285", "e164": "+447867791285"}]`,
	`[{"E164":"+44","raw":"0"}]`, `[{"e164":null,"raw":"x"}]`, `[{"e164":"+44","other":1}]`, `[{}]`,
	`[{"number":{"e164":"+447867791285","raw":"07867791285"},"role":"caller"},{"name":"William Munro","uri":"sip:2004@pbx.example.net","role":"agent"}]`,
	`[{"uri": "sip:a@b", "name": "José Núñez", "role": "agent", "number": {"raw": "1"}}]`,
	`[{"name":"a","name":"b","number":{"raw":"1"},"number":{"e164":"+1"}}]`,
	`{"sip_call_id":"bench-0@pbx.example.net"}`, `{}`, `{"a":"1","a":"2"}`, `{"note": "quote \" and é"}`, `{"a":1}`,
	"[\"\xff\"]", "[\"a\x01\"]", `[`, `{"a"`, ``, ` `, `[{"number":{"raw":"1"}`,
}

// Every input decodes as encoding/json decodes it, into each column's type: the plain form by
// hand, anything else by falling back.
func TestSameAsEncodingJSON(t *testing.T) {
	for _, in := range seeds {
		same(t, Strings, in)
		same(t, Numbers, in)
		same(t, Parties, in)
		same(t, StringMap, in)
	}
}

// The plain form is what the stores write: values json.Marshal wrote decode to themselves.
func TestRoundTrip(t *testing.T) {
	parties := []callvault.Party{
		{Name: "Zoë O'Brien", Number: callvault.Number{E164: "+447700900123", Raw: "07700 900123"}, URI: "sip:+447700900123@sbc", Role: callvault.RoleCaller},
		{Name: "Agent <2001> & co", Role: callvault.RoleAgent},
		{},
	}
	b, _ := json.Marshal(parties)
	var got []callvault.Party
	if err := Parties(b, &got); err != nil || !cmp.Equal(got, parties) {
		t.Errorf("Parties(%s) = %+v, %v", b, got, err)
	}
}

func FuzzSameAsEncodingJSON(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		same(t, Strings, in)
		same(t, Numbers, in)
		same(t, Parties, in)
		same(t, StringMap, in)
	})
}

func BenchmarkParties(b *testing.B) {
	in := []byte(`[{"number":{"e164":"+447867791285","raw":"07867791285"},"role":"caller"},{"name":"William Munro","uri":"sip:2004@pbx.example.net","role":"agent"}]`)
	b.Run("rowjson", func(b *testing.B) {
		for b.Loop() {
			var ps []callvault.Party
			Parties(in, &ps)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			var ps []callvault.Party
			json.Unmarshal(in, &ps)
		}
	})
}
