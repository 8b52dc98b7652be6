package main

import (
	"bytes"
	"context"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/httpserver"
	"github.com/callvault/callvault/internal/importer"
	"github.com/callvault/callvault/internal/metadata"
	"github.com/callvault/callvault/internal/twilio"
)

// newTwilio returns the fetcher of provider recordings, or nil when the webhook is off or the
// catalogue keeps no import jobs.
func (m *Main) newTwilio() *twilio.Fetcher {
	cfg := &m.Config
	store, ok := m.Catalogue.(callvault.ImportJobStore)
	if cfg.TwilioAccountSID == "" || !ok {
		return nil
	}
	lines := importer.NewLines(cfg.Unrecorded, cfg.Region)
	f := &twilio.Fetcher{
		Store:   store,
		Archive: m.Archive,
		Decode: func(doc []byte) (*callvault.Recording, error) {
			return metadata.Decode(bytes.NewReader(doc), cfg.Region)
		},
		Check:       lines.Check,
		Verify:      func(ctx context.Context, r *callvault.Recording) error { return importer.VerifyBlob(ctx, m.Blobs, r) },
		DeleteAfter: cfg.TwilioDelete,
		APIBase:     cfg.TwilioAPIBase,
		AccountSID:  cfg.TwilioAccountSID,
		AuthToken:   cfg.TwilioAuthToken,
		Holder:      nodeID(),
		RetryBase:   cfg.TwilioRetry,
		Logger:      m.Logger,
		OnJob:       m.onTwilioJob,
	}
	f.Init()
	return f
}

// twilioWebhook returns the receiver of the callbacks for the HTTP server (nil when off).
func (m *Main) twilioWebhook() httpserver.RecordingWebhook {
	if m.Twilio == nil {
		return nil
	}
	return &twilio.Receiver{AccountSID: m.Config.TwilioAccountSID, AuthToken: m.Config.TwilioAuthToken,
		Store: m.Twilio.Store, Queued: m.Twilio.Wake}
}
