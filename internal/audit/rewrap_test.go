package audit

import (
	"context"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// rewrapEvent is the recording.rewrap event a re-wrap appends.
func rewrapEvent(id string, prev, next []byte) *callvault.AuditEvent {
	return &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionRecordingRewrap, Object: "recording:" + id,
		Detail: callvault.AuditDetail(map[string]any{callvault.DetailPrevHeaderSHA256: HeaderSHA256(prev),
			callvault.DetailHeaderSHA256: HeaderSHA256(next), "to_epoch": "2027-06"})}
}

// TestVerifyFollowsRewraps: a recording's header may change only through recording.rewrap
// events that chain from its ingest's header; verify follows the chain to the row's header.
func TestVerifyFollowsRewraps(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(v *testVault, id string)
		want   string // "" for no problem
	}{
		{name: "two re-wraps in a chain", tamper: func(v *testVault, id string) {
			r := v.cat.recordings[id]
			h1, h2 := []byte("epoch header"), []byte("hold header")
			v.cat.AppendAudit(ctxb(), rewrapEvent(id, r.Header, h1))
			v.cat.AppendAudit(ctxb(), rewrapEvent(id, h1, h2))
			r.Header = h2
		}},
		{name: "header changed without an event", tamper: func(v *testVault, id string) {
			v.cat.recordings[id].Header = []byte("epoch header")
		}, want: "recorded by its recording.ingest event"},
		{name: "row left at the header before the last re-wrap", tamper: func(v *testVault, id string) {
			r := v.cat.recordings[id]
			h1, h2 := []byte("epoch header"), []byte("hold header")
			v.cat.AppendAudit(ctxb(), rewrapEvent(id, r.Header, h1))
			v.cat.AppendAudit(ctxb(), rewrapEvent(id, h1, h2))
			r.Header = h1
		}, want: "recorded by its last recording.rewrap event"},
		{name: "a re-wrap missing from the chain", tamper: func(v *testVault, id string) {
			r := v.cat.recordings[id]
			h2 := []byte("hold header")
			v.cat.AppendAudit(ctxb(), rewrapEvent(id, []byte("an unrecorded epoch header"), h2))
			r.Header = h2
		}, want: "a re-wrap is missing from the log"},
		{name: "a re-wrap event without hashes", tamper: func(v *testVault, id string) {
			v.cat.AppendAudit(ctxb(), &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionRecordingRewrap,
				Object: "recording:" + id, Detail: `{"to_epoch":"hold"}`})
		}, want: "does not record the prev_header_sha256"},
		{name: "a re-wrap after the delete", tamper: func(v *testVault, id string) {
			r := v.cat.recordings[id]
			v.cat.DeleteRecording(ctxb(), id, &callvault.AuditEvent{Time: t0, Actor: "system", Action: callvault.ActionRecordingDelete, Object: "recording:" + id, Detail: "{}"})
			v.cat.AppendAudit(ctxb(), rewrapEvent(id, r.Header, []byte("x")))
		}, want: "after it was deleted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := newTestVault(t, 3, 3)
			tc.tamper(v, v.ids[1])
			rep := v.verify(t, VerifyOptions{SkipBlobs: true})
			got := problemsString(rep)
			if tc.want == "" {
				if !rep.OK() {
					t.Fatalf("problems:%s", got)
				}
				return
			}
			if !strings.Contains(got, tc.want) {
				t.Fatalf("problems:%s\nwant one containing %q", got, tc.want)
			}
		})
	}
}

func ctxb() context.Context { return context.Background() }
