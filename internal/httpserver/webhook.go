package httpserver

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/callvault/callvault"
)

// routeTwilioRecording receives a provider's recording status callbacks. It is not behind a
// token: the provider signs each request (X-Twilio-Signature), and the receiver checks that.
const (
	routeTwilioRecordingPath = "/api/v1/webhooks/twilio/recording"
	routeTwilioRecording     = "POST " + routeTwilioRecordingPath
)

// maxWebhookBytes bounds a callback's form; a recording status callback is under 2 KiB.
const maxWebhookBytes = 64 << 10

// RecordingWebhook receives signed recording callbacks (internal/twilio in production).
// Receive gets the URL the provider called (scheme, host, path and query), the POSTed form and
// the signature header; KindForbidden means the signature is wrong and nothing was stored.
type RecordingWebhook interface {
	Receive(ctx context.Context, fullURL string, form url.Values, signature string) error
}

// registerWebhooks adds the webhook routes that are configured.
func (s *Server) registerWebhooks(cfg Config) {
	if cfg.TwilioWebhook == nil {
		// Registered all the same, so the route table and its tests see it; it answers as
		// an unknown path would.
		s.handle(routeTwilioRecording, func(w http.ResponseWriter, r *http.Request) {
			s.drainUnread(w, r)
			s.fail(w, r, callvault.Errorf(callvault.KindNotFound, "no recording webhook is configured on this vault"))
		})
		return
	}
	s.handle(routeTwilioRecording, s.handleRecordingWebhook(cfg.TwilioWebhook, cfg.WebhookBaseURL))
}

// handleRecordingWebhook reads the callback's form (at most maxWebhookBytes, within the body
// deadline every request has) and hands it to wh. The provider gets 204 on success, 403 for a
// bad signature.
func (s *Server) handleRecordingWebhook(wh RecordingWebhook, base string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "application/x-www-form-urlencoded" {
			s.rejectUnread(w, r, callvault.Errorf(callvault.KindInvalid, "a recording callback is a form (application/x-www-form-urlencoded)"))
			return
		}
		if r.ContentLength > maxWebhookBytes {
			s.rejectUnread(w, r, callvault.Errorf(callvault.KindTooLarge, "a recording callback is at most %s", formatBytes(maxWebhookBytes)))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBytes+1))
		switch {
		case err != nil && isTimeout(err):
			s.rejectRead(w, r, callvault.WrapError(callvault.KindInvalid, err, "the callback's body did not arrive in time"))
			return
		case err != nil:
			s.rejectRead(w, r, callvault.WrapError(callvault.KindInvalid, err, "cannot read the callback's body"))
			return
		case len(body) > maxWebhookBytes:
			s.rejectRead(w, r, callvault.Errorf(callvault.KindTooLarge, "a recording callback is at most %s", formatBytes(maxWebhookBytes)))
			return
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.fail(w, r, callvault.Errorf(callvault.KindInvalid, "the callback's body is not a valid form"))
			return
		}
		err = wh.Receive(r.Context(), webhookURL(r, base), form, r.Header.Get("X-Twilio-Signature"))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// webhookURL is the URL the provider called: base (the public URL, when callvault is behind a
// proxy that rewrites hosts) or this request's scheme and host, with the path and query as sent.
func webhookURL(r *http.Request, base string) string {
	if base != "" {
		return strings.TrimSuffix(base, "/") + r.URL.RequestURI()
	}
	scheme := "http"
	if IsSecure(r.Context()) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}
