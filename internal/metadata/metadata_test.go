package metadata

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

const full = `{"started_at":"2026-11-20T10:00:00Z","ended_at":"2026-11-20T10:03:00Z","direction":"inbound",
 "extension":"201","external_number":"07700 900123","line":"main","source":"upload",
 "source_id":"pbx-1234","announcement_played":"yes",
 "parties":[{"name":"Jane Doe","number":"07700900123","uri":"sip:jane@example.com","role":"caller"}]}`

func TestDecodeFull(t *testing.T) {
	got, err := DecodeAt(strings.NewReader(full), "GB", now)
	if err != nil {
		t.Fatal(err)
	}
	want := &callvault.Recording{
		StartedAt:          time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		EndedAt:            time.Date(2026, 11, 20, 10, 3, 0, 0, time.UTC),
		Direction:          callvault.DirectionInbound,
		Extensions:         []string{"201"},
		ExternalNumbers:    []callvault.Number{{E164: "+447700900123", Raw: "07700 900123"}},
		Line:               "main",
		Source:             callvault.SourceUpload,
		SourceID:           "pbx-1234",
		AnnouncementPlayed: callvault.AnnouncementYes,
		Parties: []callvault.Party{{
			Name: "Jane Doe", Number: callvault.Number{E164: "+447700900123", Raw: "07700900123"},
			URI: "sip:jane@example.com", Role: callvault.RoleCaller,
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeAt mismatch (-want +got):\n%s", diff)
	}
}

func TestDecodeAccepts(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, r *callvault.Recording)
	}{
		{"minimal, announcement defaults to unknown", `{"started_at":"2026-11-20T10:00:00Z","source":"siprec","source_id":"a"}`,
			func(t *testing.T, r *callvault.Recording) {
				if r.AnnouncementPlayed != callvault.AnnouncementUnknown || r.Source != callvault.SourceSIPREC || r.SourceID != "a" {
					t.Errorf("got %+v", r)
				}
				if !r.EndedAt.IsZero() || r.Direction != "" || r.Parties != nil {
					t.Errorf("optional fields set: %+v", r)
				}
			}},
		{"offset time becomes UTC, truncated to microseconds", `{"started_at":"2026-11-20T11:00:00.1234567+01:00","source":"upload","source_id":"a"}`,
			func(t *testing.T, r *callvault.Recording) {
				want := time.Date(2026, 11, 20, 10, 0, 0, 123456000, time.UTC)
				if !r.StartedAt.Equal(want) || r.StartedAt.Location() != time.UTC {
					t.Errorf("StartedAt = %v, want %v", r.StartedAt, want)
				}
			}},
		{"arrays merged with singular fields, repeats dropped", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a",
			"extension":"201","extensions":["202","201"],"external_number":"+44 20 7946 0000","external_numbers":["201","020 7946 0000"]}`,
			func(t *testing.T, r *callvault.Recording) {
				if diff := cmp.Diff([]string{"201", "202"}, r.Extensions); diff != "" {
					t.Errorf("Extensions: %s", diff)
				}
				want := []callvault.Number{{E164: "+442079460000", Raw: "+44 20 7946 0000"}, {Raw: "201"}, {E164: "+442079460000", Raw: "020 7946 0000"}}
				if diff := cmp.Diff(want, r.ExternalNumbers); diff != "" {
					t.Errorf("ExternalNumbers: %s", diff)
				}
			}},
		{"nulls are absent fields", `{"started_at":"2026-11-20T10:00:00Z","ended_at":null,"direction":null,"parties":null,"extensions":null,"source":"upload","source_id":"a"}`,
			func(t *testing.T, r *callvault.Recording) {
				if !r.EndedAt.IsZero() || r.Parties != nil || r.Extensions != nil {
					t.Errorf("got %+v", r)
				}
			}},
		{"party with only a number, region US", `{"started_at":"2026-11-20T10:00:00Z","source":"import","source_id":"a","parties":[{"number":"202-555-0143"}]}`,
			func(t *testing.T, r *callvault.Recording) {
				if len(r.Parties) != 1 || r.Parties[0].Number.E164 != "+12025550143" {
					t.Errorf("Parties = %+v", r.Parties)
				}
			}},
		{"international form without '+', region GB: the valid international reading, raw kept", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a",
			"external_number":"33187164021","parties":[{"number":"33 1 87 16 40 21"},{"number":"2079460000"}]}`,
			func(t *testing.T, r *callvault.Recording) {
				want := []callvault.Number{{E164: "+33187164021", Raw: "33187164021"}}
				if diff := cmp.Diff(want, r.ExternalNumbers); diff != "" {
					t.Errorf("ExternalNumbers: %s", diff)
				}
				if len(r.Parties) != 2 || r.Parties[0].Number != (callvault.Number{E164: "+33187164021", Raw: "33 1 87 16 40 21"}) ||
					r.Parties[1].Number != (callvault.Number{E164: "+442079460000", Raw: "2079460000"}) {
					t.Errorf("Parties = %+v", r.Parties)
				}
			}},
		{"numbers as people write them: extensions, short codes, keypad codes, separators", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a",
			"external_numbers":["999","*67 0207 946 0000","+44 (0)20 7946-0000","020.7946.0000","0207/9460000","101#"],"parties":[{"number":"2001"}]}`,
			func(t *testing.T, r *callvault.Recording) {
				if len(r.ExternalNumbers) != 6 || r.ExternalNumbers[0].Raw != "999" || len(r.Parties) != 1 || r.Parties[0].Number.Raw != "2001" {
					t.Errorf("got numbers %+v parties %+v", r.ExternalNumbers, r.Parties)
				}
			}},
		{"ended_at equal to started_at, within future skew, whitespace around", " \n{\"started_at\":\"2026-11-20T12:04:00Z\",\"ended_at\":\"2026-11-20T12:04:00Z\",\"source\":\"upload\",\"source_id\":\"x y\"}\n ",
			func(t *testing.T, r *callvault.Recording) {
				if !r.EndedAt.Equal(r.StartedAt) || r.SourceID != "x y" {
					t.Errorf("got %+v", r)
				}
			}},
		{"source left out: the capture path assigns it", `{"started_at":"2026-11-20T10:00:00Z","source_id":"a"}`,
			func(t *testing.T, r *callvault.Recording) {
				if r.Source != "" {
					t.Errorf("source %q, want empty", r.Source)
				}
			}},
		{"started_at without zone is read as UTC and noted", `{"started_at":" 2026-11-20T10:00:00.5","ended_at":"2026-11-20T10:01:00","source":"upload","source_id":"a"}`,
			func(t *testing.T, r *callvault.Recording) {
				want := time.Date(2026, 11, 20, 10, 0, 0, 5e8, time.UTC)
				if !r.StartedAt.Equal(want) || !r.EndedAt.Equal(want.Add(59500*time.Millisecond)) {
					t.Errorf("times %v - %v, want from %v", r.StartedAt, r.EndedAt, want)
				}
				if r.Attributes[callvault.AttrReportedStartTime] != "2026-11-20T10:00:00.5" ||
					r.Attributes[callvault.AttrStartTimeNote] != "started_at had no zone and was read as UTC" {
					t.Errorf("attributes %v", r.Attributes)
				}
			}},
		{"started_at with a zone is not noted", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a"}`,
			func(t *testing.T, r *callvault.Recording) {
				if len(r.Attributes) != 0 {
					t.Errorf("attributes %v, want none", r.Attributes)
				}
			}},
		{"started long ago but after the floor", `{"started_at":"2000-01-01T00:00:00Z","source":"import","source_id":"a"}`,
			func(t *testing.T, r *callvault.Recording) {
				if r.StartedAt.Year() != 2000 {
					t.Errorf("started %v", r.StartedAt)
				}
			}},
		{"unicode names and 50 parties", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a","parties":[` +
			strings.TrimSuffix(strings.Repeat(`{"name":"Zoë Ó Súilleabháin 王"},`, MaxParties), ",") + `]}`,
			func(t *testing.T, r *callvault.Recording) {
				if len(r.Parties) != MaxParties || r.Parties[49].Name != "Zoë Ó Súilleabháin 王" {
					t.Errorf("got %d parties", len(r.Parties))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			region := "GB"
			if strings.Contains(tt.name, "region US") {
				region = "US"
			}
			r, err := DecodeAt(strings.NewReader(tt.in), region, now)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	// base is a valid document with a hole for one more field.
	base := func(extra string) string {
		return `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"pbx-1"` + extra + `}`
	}
	tests := []struct {
		name string
		in   string
		msg  string
	}{
		{"empty", "", "metadata is empty"},
		{"whitespace", " \n\t", "metadata is empty"},
		{"not an object", `["started_at"]`, "metadata must be a JSON object"},
		{"a string", `"hello"`, "metadata must be a JSON object"},
		{"syntax error", `{"started_at":}`, "metadata is not valid JSON"},
		{"cut short", `{"started_at":"2026-11-20T10:00:00Z",`, "metadata is not valid JSON"},
		{"trailing object", base("") + `{}`, "single JSON object"},
		{"trailing garbage", base("") + ` x`, "single JSON object"},
		{"invalid utf-8", base(`,"line":"` + "\xff" + `"`), "not valid UTF-8"},
		{"unknown field", base(`,"started":"x"`), `unknown field "started" in metadata; the fields are started_at, `},
		{"field case differs", base(`,"Line":"x"`), `unknown field "Line"`},
		{"duplicate field", base(`,"source":"siprec"`), `metadata has the field "source" twice`},
		{"missing started_at", `{"source":"upload","source_id":"a"}`, "started_at is required"},
		{"missing source_id", `{"started_at":"2026-11-20T10:00:00Z","source":"upload"}`, "source_id is required"},
		{"started_at not RFC 3339", `{"started_at":"20/11/2026 10:00","source":"upload","source_id":"a"}`,
			`started_at: "20/11/2026 10:00" is not an RFC 3339 time; use the form 2026-11-20T10:00:00Z`},
		{"started_at a date only", `{"started_at":"2026-11-20","source":"upload","source_id":"a"}`, "started_at: \"2026-11-20\" is not an RFC 3339 time"},
		{"started_at a number", `{"started_at":1763632800,"source":"upload","source_id":"a"}`, "started_at must be a string"},
		{"ended_at malformed", base(`,"ended_at":"tomorrow"`), `ended_at: "tomorrow" is not an RFC 3339 time`},
		{"ended before started", base(`,"ended_at":"2026-11-20T09:59:59Z"`), "ended_at 2026-11-20T09:59:59Z is before started_at 2026-11-20T10:00:00Z"},
		{"started in 1970", `{"started_at":"1970-01-01T00:00:00Z","source":"upload","source_id":"a"}`, "started_at 1970-01-01T00:00:00Z is before 2000-01-01"},
		{"started just before the floor", `{"started_at":"1999-12-31T23:59:59Z","source":"upload","source_id":"a"}`, "started_at 1999-12-31T23:59:59Z is before 2000-01-01"},
		{"zone-less start in 1970", `{"started_at":"1970-01-01T00:00:00","source":"upload","source_id":"a"}`, "started_at 1970-01-01T00:00:00Z is before 2000-01-01"},
		{"started in the future", `{"started_at":"2026-11-20T12:05:01Z","source":"upload","source_id":"a"}`, "started_at 2026-11-20T12:05:01Z is 5m1s in the future"},
		{"ended in the future", `{"started_at":"2026-11-20T12:00:00Z","ended_at":"2026-11-21T12:00:00Z","source":"upload","source_id":"a"}`, "ended_at 2026-11-21T12:00:00Z is 24h0m0s in the future"},
		{"direction unknown", base(`,"direction":"sideways"`), `direction "sideways" is not allowed; use inbound, outbound or internal`},
		{"source unknown", `{"started_at":"2026-11-20T10:00:00Z","source":"ftp","source_id":"a"}`, `source "ftp" is not allowed; use upload, siprec or import`},
		{"announcement unknown", base(`,"announcement_played":"true"`), `announcement_played "true" is not allowed; use yes, no or unknown`},
		{"announcement a bool", base(`,"announcement_played":true`), "announcement_played must be a string"},
		{"source_id too long", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"` + strings.Repeat("a", 201) + `"}`, "source_id is 201 characters long; at most 200"},
		{"source_id not ascii", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"café"}`, "source_id must be printable ASCII"},
		{"source_id with newline", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a\nb"}`, "source_id must be printable ASCII; found byte 0x0A"},
		{"source_id padded", `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":" a"}`, "source_id must not start or end with a space"},
		{"line too long", base(`,"line":"` + strings.Repeat("é", 257) + `"`), "line is 257 characters long; at most 256"},
		{"line with control character", base(`,"line":"a\u0000b"`), "line must not contain control characters (found U+0000)"},
		{"line with bidi override", base(`,"line":"a\u202eb"`), "line must not contain bidirectional control characters"},
		{"line with lone surrogate", base(`,"line":"\ud800"`), "line contains invalid UTF-8 or an unpaired surrogate"},
		{"extensions not an array", base(`,"extensions":"201"`), "extensions must be an array of strings"},
		{"extensions with a number", base(`,"extensions":[201]`), "extensions must be an array of strings"},
		{"extensions with null", base(`,"extensions":["201",null]`), "extensions[1] must be a string, not null"},
		{"extensions with empty", base(`,"extensions":["201"," "]`), "extensions[1] is empty"},
		{"too many extensions", base(`,"extension":"1","extensions":["2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17","18","19","20","21"]`), "extensions has 21 entries; at most 20"},
		{"too many numbers", base(`,"external_numbers":[` + strings.TrimSuffix(strings.Repeat(`"1",`, 21), ",") + `]`), "external_numbers has 21 entries; at most 20"},
		{"external number with control", base(`,"external_number":"0770\t0900123"`), "external_numbers must not contain control characters"},
		{"external number in words", base(`,"external_number":"call me maybe"`), `external_number "call me maybe" is not a telephone number: it contains letters`},
		{"external numbers with letters", base(`,"external_numbers":["201","0800 FLOWERS"]`), `external_numbers[1] "0800 FLOWERS" is not a telephone number: it contains letters`},
		{"external number without digits", base(`,"external_number":"()-"`), `external_number "()-" is not a telephone number: it has no digits`},
		{"external number with a stray symbol", base(`,"external_number":"0770!0900123"`), `external_number "0770!0900123" is not a telephone number: "!" is not allowed`},
		{"external number with a plus inside", base(`,"external_number":"44+7700900123"`), `"+" is not allowed`},
		{"party number in punctuation", base(`,"parties":[{"name":"a","number":"!!!"}]`), `parties[0].number "!!!" is not a telephone number`},
		{"party number a name", base(`,"parties":[{"name":"a"},{"number":"Jane"}]`), `parties[1].number "Jane" is not a telephone number: it contains letters`},
		{"party number a sip uri", base(`,"parties":[{"number":"sip:jane@example.com"}]`), `put a name in parties[].name and a SIP address in parties[].uri`},
		{"parties not an array", base(`,"parties":{}`), "parties must be an array of objects"},
		{"party not an object", base(`,"parties":["Jane"]`), "parties[0] must be a JSON object"},
		{"party unknown field", base(`,"parties":[{"name":"a"},{"nmae":"b"}]`), `unknown field "nmae" in parties[1]; the fields are name, number, uri, role`},
		{"party duplicate field", base(`,"parties":[{"name":"a","name":"b"}]`), `parties[0] has the field "name" twice`},
		{"party empty", base(`,"parties":[{"role":"agent"}]`), "parties[0] needs a name, number or uri"},
		{"party role unknown", base(`,"parties":[{"name":"a","role":"boss"}]`), `parties[0].role "boss" is not allowed; use caller, callee, agent or customer`},
		{"party uri scheme", base(`,"parties":[{"uri":"http://example.com"}]`), `parties[0].uri "http://example.com" must be a sip:, sips: or tel: URI`},
		{"party uri spaces", base(`,"parties":[{"uri":"sip:jane doe@example.com"}]`), "must not contain spaces"},
		{"party name a number", base(`,"parties":[{"name":42}]`), "parties[0].name must be a string"},
		{"too many parties", base(`,"parties":[` + strings.TrimSuffix(strings.Repeat(`{"name":"a"},`, 51), ",") + `]`), "parties has more than 50 entries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeAt(strings.NewReader(tt.in), "GB", now)
			if err == nil {
				t.Fatalf("accepted: %+v", r)
			}
			var ce *callvault.Error
			if !errors.As(err, &ce) || ce.Kind != callvault.KindInvalid {
				t.Fatalf("error %v is not a KindInvalid *callvault.Error", err)
			}
			if !strings.Contains(ce.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", ce.Message, tt.msg)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	in := `{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a"}` + strings.Repeat(" ", MaxSize)
	_, err := DecodeAt(strings.NewReader(in), "GB", now)
	if !callvault.IsKind(err, callvault.KindTooLarge) {
		t.Fatalf("got %v, want KindTooLarge", err)
	}
	// Exactly MaxSize is fine.
	in = in[:MaxSize]
	if _, err := DecodeAt(strings.NewReader(in), "GB", now); err != nil {
		t.Fatalf("document of exactly MaxSize bytes: %v", err)
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("connection reset")
	if _, err := Decode(errReader{boom}, ""); !errors.Is(err, boom) {
		t.Fatalf("got %v, want %v", err, boom)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// looksLikeNumber reports whether s has a digit and no letter: what the fuzz target checks of
// every accepted number.
func looksLikeNumber(s string) bool {
	return strings.ContainsAny(s, "0123456789") && !strings.ContainsFunc(s, unicode.IsLetter)
}

func FuzzDecode(f *testing.F) {
	f.Add(full)
	f.Add(`{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a","extensions":["1"],"external_numbers":["+1 202 555 0143"]}`)
	f.Add(`{"started_at":"2026-11-20T10:00:00+01:00","source":"siprec","source_id":"x","parties":[{"uri":"tel:+44"}]}`)
	f.Add(`{"started_at":"x"}`)
	f.Add(`[]`)
	f.Add(`{"a":1}{}`)
	f.Add(`{"started_at":"2026-11-20T10:00:00Z","source":"upload","source_id":"a","external_number":"call me maybe","parties":[{"number":"!!!"}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		r, err := DecodeAt(strings.NewReader(in), "GB", now)
		if err != nil {
			if k := callvault.ErrorKind(err); k != callvault.KindInvalid && k != callvault.KindTooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		// An omitted source is left empty: the path the recording came through assigns it
		// (callvault.AssignSource).
		if r.StartedAt.IsZero() || (r.Source != "" && !r.Source.Valid()) || r.SourceID == "" || !r.AnnouncementPlayed.Valid() || !r.Direction.Valid() {
			t.Fatalf("accepted an invalid recording: %+v", r)
		}
		if !r.EndedAt.IsZero() && r.EndedAt.Before(r.StartedAt) {
			t.Fatalf("accepted ended_at before started_at: %+v", r)
		}
		if len(r.Parties) > MaxParties || len(r.ExternalNumbers) > MaxNumbers || len(r.Extensions) > MaxExtensions {
			t.Fatalf("accepted too many entries: %+v", r)
		}
		for _, p := range r.Parties {
			if !p.Role.Valid() {
				t.Fatalf("accepted party role %q", p.Role)
			}
			if p.Number.Raw != "" && !looksLikeNumber(p.Number.Raw) {
				t.Fatalf("accepted party number %q", p.Number.Raw)
			}
		}
		for _, n := range r.ExternalNumbers {
			if !looksLikeNumber(n.Raw) {
				t.Fatalf("accepted external number %q", n.Raw)
			}
		}
	})
}
