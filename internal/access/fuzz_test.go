package access

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// FuzzValidateRequest: any request body either validates into a request that satisfies the
// policy's minimum (a purpose, a reason, something that says which call) or is refused with
// KindInvalid listing at least one field; it never panics.
func FuzzValidateRequest(f *testing.F) {
	f.Add(`{"purpose":"complaint","reason":"customer complaint 12","extension":"201"}`)
	f.Add(`{"purpose":"other","reason":"x","call_time":"2026-11-20T10:00:00Z","call_from":"2026-11-20T10:00:00Z"}`)
	f.Add(`{"purpose":"training","reason":"training for the new starter","external_number":"07700 900123","parties":["Jane",""]}`)
	f.Add(`{"call_from":"2026-11-20T11:00:00Z","call_to":"2026-11-20T10:00:00Z"}`)
	s := &Service{Region: "GB", Now: func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }}
	f.Fuzz(func(t *testing.T, body string) {
		var in RequestInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		r, err := s.validate(in)
		if err != nil {
			if !callvault.IsKind(err, callvault.KindInvalid) || len(callvault.FieldErrorsOf(err)) == 0 {
				t.Fatalf("refusal %v is not a list of bad fields", err)
			}
			return
		}
		if !r.Purpose.Valid() || strings.TrimSpace(r.Reason) == "" {
			t.Fatalf("accepted a request without purpose or reason: %+v", r)
		}
		if r.CallTime == nil && r.CallFrom == nil && r.Extension == "" && r.ExternalNumber == "" && len(r.Parties) == 0 {
			t.Fatalf("accepted a request that says nothing about the call: %+v", r)
		}
		if r.CallFrom != nil && (r.CallTo == nil || !r.CallFrom.Before(*r.CallTo)) {
			t.Fatalf("accepted a bad range: %+v", r)
		}
	})
}
