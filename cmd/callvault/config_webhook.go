package main

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/callvault/callvault/internal/twilio"
)

// Webhooks are the settings of provider webhooks (Twilio-compatible recording callbacks).
type Webhooks struct {
	TwilioAccountSID string        `json:"twilio_account_sid"` // the account whose callbacks are accepted; "" = webhook off
	TwilioAuthToken  string        `json:"twilio_auth_token"`  // checks the callbacks' signatures and fetches the recordings
	TwilioAPIBase    string        `json:"twilio_api_base"`    // the provider's REST API; credentials are sent nowhere else
	TwilioDelete     bool          `json:"twilio_delete"`      // delete the provider's copy once ours is durable and verified
	TwilioRetry      time.Duration `json:"twilio_retry"`       // first retry of a failed fetch; doubles up to an hour
	WebhookURL       string        `json:"webhook_url"`        // public scheme://host the provider calls, if a proxy rewrites it
}

// secretSettings are shown as "(set)" in the configuration audit.
var secretSettings = map[string]bool{"twilio_auth_token": true}

func defaultWebhooks() Webhooks {
	return Webhooks{TwilioAPIBase: twilio.DefaultAPIBase, TwilioRetry: 10 * time.Second}
}

func webhookSettings() []setting {
	str := strSetting
	return []setting{
		str("twilio_account_sid", "accept Twilio(-compatible) recording status callbacks at /api/v1/webhooks/twilio/recording for this account (AC...); empty: off",
			func(c *Config) *string { return &c.TwilioAccountSID }),
		str("twilio_auth_token", "the account's auth token: checks each callback's X-Twilio-Signature and fetches the recordings (prefer CALLVAULT_TWILIO_AUTH_TOKEN)",
			func(c *Config) *string { return &c.TwilioAuthToken }),
		str("twilio_api_base", "the provider's REST API base URL; recordings are fetched (with the credentials) only from there",
			func(c *Config) *string { return &c.TwilioAPIBase }),
		{"twilio_delete", "delete the provider's copy of a recording once it is stored, durable and verified (true or false)",
			func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("not true or false: %q", v)
				}
				c.TwilioDelete = b
				return nil
			},
			func(c *Config) string { return strconv.FormatBool(c.TwilioDelete) }},
		{"twilio_retry", "wait before retrying a failed fetch; it doubles with each failure, up to an hour",
			func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d <= 0 {
					return fmt.Errorf("not a positive duration like 10s: %q", v)
				}
				c.TwilioRetry = d
				return nil
			},
			func(c *Config) string { return c.TwilioRetry.String() }},
		str("webhook_url", "the public scheme://host[:port] providers call, when a proxy changes it (signatures cover the URL); empty: the request's own",
			func(c *Config) *string { return &c.WebhookURL }),
	}
}

// Validate checks the webhook settings.
func (w *Webhooks) Validate() error { return w.validate() }

func (w *Webhooks) validate() error {
	if (w.TwilioAccountSID == "") != (w.TwilioAuthToken == "") {
		return configError("twilio_account_sid", "needs both twilio_account_sid and twilio_auth_token", "give both (the auth token best as CALLVAULT_TWILIO_AUTH_TOKEN), or neither to leave the webhook off")
	}
	for name, v := range map[string]string{"twilio_api_base": w.TwilioAPIBase, "webhook_url": w.WebhookURL} {
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return configError(name, fmt.Sprintf("%q is not a scheme://host[:port] URL", v), "e.g. https://api.twilio.com")
		}
	}
	return nil
}
