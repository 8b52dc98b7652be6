package twilio

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// JobKind is the kind of the import jobs of this package.
const JobKind = "twilio"

// callback is the part of a recording status callback a job keeps. The provider's field names
// are kept as they are.
type callback struct {
	AccountSid         string `json:"AccountSid"`
	CallSid            string `json:"CallSid"`
	RecordingSid       string `json:"RecordingSid"`
	RecordingURL       string `json:"RecordingUrl"`
	RecordingStartTime string `json:"RecordingStartTime,omitempty"`
	RecordingChannels  string `json:"RecordingChannels,omitempty"`
	RecordingDuration  string `json:"RecordingDuration,omitempty"`
	From               string `json:"From,omitempty"`
	To                 string `json:"To,omitempty"`
	Direction          string `json:"Direction,omitempty"`
	// Announcement is the evidence the callback URL or a parameter states ("yes" or "no"), set
	// by whoever configured the callback on the call that played the announcement.
	Announcement string `json:"Announcement,omitempty"`
}

// Receiver checks and queues recording status callbacks.
type Receiver struct {
	AccountSID string // the account whose callbacks are accepted
	AuthToken  string // signs the callbacks
	Store      callvault.ImportJobStore
	Now        func() time.Time
	// Queued, if set, is called after a job is queued (to wake the fetcher).
	Queued func()
}

func (rc *Receiver) now() time.Time {
	if rc.Now != nil {
		return rc.Now()
	}
	return time.Now()
}

// Receive handles one callback POSTed to fullURL (as the provider called it) with the form's
// parameters and the X-Twilio-Signature header sig. Errors: KindForbidden for a missing or
// wrong signature or another account (nothing is stored), KindInvalid for a completed
// recording without its identifiers. A callback for a recording that is not completed, or for
// one queued already (the provider retries callbacks), is accepted and stores nothing.
func (rc *Receiver) Receive(ctx context.Context, fullURL string, form url.Values, sig string) error {
	if !ValidSignature(rc.AuthToken, sig, fullURL, form) {
		return callvault.Errorf(callvault.KindForbidden, "the X-Twilio-Signature does not match this request and the configured auth token")
	}
	cb := callback{
		AccountSid: form.Get("AccountSid"), CallSid: form.Get("CallSid"), RecordingSid: form.Get("RecordingSid"),
		RecordingURL: form.Get("RecordingUrl"), RecordingStartTime: form.Get("RecordingStartTime"),
		RecordingChannels: form.Get("RecordingChannels"), RecordingDuration: form.Get("RecordingDuration"),
		From: form.Get("From"), To: form.Get("To"), Direction: form.Get("Direction"),
		Announcement: announcement(fullURL, form),
	}
	if cb.AccountSid != rc.AccountSID {
		return callvault.Errorf(callvault.KindForbidden, "the callback is for another account than the configured one")
	}
	if status := form.Get("RecordingStatus"); status != "completed" {
		return nil // in-progress, absent or failed: there is nothing to fetch
	}
	if !sid(cb.CallSid, "CA") || !sid(cb.RecordingSid, "RE") || cb.RecordingURL == "" {
		return callvault.Errorf(callvault.KindInvalid, "a completed recording's callback needs CallSid, RecordingSid and RecordingUrl")
	}
	payload, _ := json.Marshal(cb)
	now := rc.now()
	job := &callvault.ImportJob{ID: callvault.NewID(), Kind: JobKind, Key: cb.RecordingSid, Payload: string(payload), CreatedAt: now}
	ev := &callvault.AuditEvent{
		Time: now, Actor: "provider:twilio", Action: callvault.ActionImportQueued, Object: "twilio:" + cb.RecordingSid,
		RequestID: callvault.RequestIDFrom(ctx),
		Detail:    callvault.AuditDetail(map[string]any{"call_sid": cb.CallSid, "recording_sid": cb.RecordingSid}),
	}
	err := rc.Store.EnqueueImportJob(ctx, job, ev)
	if callvault.IsKind(err, callvault.KindConflict) {
		return nil // a callback delivered again
	}
	if err == nil && rc.Queued != nil {
		rc.Queued()
	}
	return err
}

// announcement reads the evidence from an "announcement" parameter of the URL or the form.
func announcement(fullURL string, form url.Values) string {
	v := form.Get("Announcement")
	if u, err := url.Parse(fullURL); err == nil && u.Query().Get("announcement") != "" {
		v = u.Query().Get("announcement")
	}
	switch strings.ToLower(v) {
	case "yes", "true", "1":
		return string(callvault.AnnouncementYes)
	case "no", "false", "0":
		return string(callvault.AnnouncementNo)
	}
	return ""
}

// sid reports whether s is a provider ID with the given prefix: two letters and 32 hex digits.
func sid(s, prefix string) bool {
	if len(s) != 34 || !strings.HasPrefix(s, prefix) {
		return false
	}
	for _, r := range s[2:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}
