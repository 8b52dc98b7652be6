package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PeopleConfig is the section of sign-in and access settings.
type PeopleConfig struct {
	PublicURL         string        `json:"public_url"`          // base URL people reach the vault at, for links and passkeys
	SessionIdle       time.Duration `json:"session_idle"`        // a session unused this long ends
	SessionMax        time.Duration `json:"session_max"`         // a session ends this long after sign-in
	LoginMaxFailures  int64         `json:"login_max_failures"`  // wrong passwords in a row that lock an account
	LoginLockout      time.Duration `json:"login_lockout"`       // how long a locked account stays locked
	PasswordMinLength int64         `json:"password_min_length"` // shortest password accepted
	GrantMaxExpiry    time.Duration `json:"grant_max_expiry"`    // the longest an approver may make a grant last
	ListenPause       time.Duration `json:"listen_pause"`        // a rest after which listening again is a new audited listening
	AllowSelfApproval bool          `json:"allow_self_approval"` // one-manager organisations: authorisers may approve their own requests (flagged)
	NoticeFile        string        `json:"notice_file"`         // the staff notice's text; "" = the built-in notice
	NoticeVersion     int64         `json:"notice_version"`      // raise it when the text changes: everyone acknowledges again
}

// Validate checks the sign-in and access settings.
func (c *PeopleConfig) Validate() error {
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return configError("public_url", fmt.Sprintf("%q is not an http(s) URL", c.PublicURL), "e.g. --public-url https://vault.example.com")
		}
	}
	if c.SessionIdle < time.Minute || c.SessionMax < c.SessionIdle {
		return configError("session_idle", fmt.Sprintf("idle %s and maximum %s: the idle timeout must be at least 1m and at most session_max", c.SessionIdle, c.SessionMax),
			"e.g. --session-idle 30m --session-max 12h")
	}
	if c.LoginMaxFailures < 3 || c.LoginMaxFailures > 100 {
		return configError("login_max_failures", fmt.Sprintf("%d is out of range 3..100", c.LoginMaxFailures), "the default is 10")
	}
	if c.LoginLockout < time.Minute {
		return configError("login_lockout", fmt.Sprintf("%s is below 1m", c.LoginLockout), "the default is 15m")
	}
	if c.PasswordMinLength < 8 || c.PasswordMinLength > 128 {
		return configError("password_min_length", fmt.Sprintf("%d is out of range 8..128", c.PasswordMinLength), "the default is 12")
	}
	if c.GrantMaxExpiry < time.Hour {
		return configError("grant_max_expiry", fmt.Sprintf("%s is below 1h", c.GrantMaxExpiry), "e.g. --grant-max-expiry 720h")
	}
	if c.NoticeFile != "" && c.NoticeVersion < 1 {
		return configError("notice_version", "a notice_file needs a notice_version of 1 or more", "e.g. --notice-file notice.txt --notice-version 2")
	}
	if c.ListenPause < time.Second {
		return configError("listen_pause", fmt.Sprintf("%s is below 1s", c.ListenPause), "the default is 5m")
	}
	return nil
}

// publicURL is the base of links given to people.
func (c *Config) publicURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.HTTP
}

// peopleSettings are the settings of sign-in and access, appended to settings().
func peopleSettings() []setting {
	str, integer, duration := strSetting, intSetting, durationSetting
	return []setting{
		str("public_url", "base URL people reach the vault at, used in set-password links and, with a host name, as the passkeys' relying party (default http://<http address>; no passkeys)", func(c *Config) *string { return &c.PublicURL }),
		duration("session_idle", "a signed-in session unused this long ends", func(c *Config) *time.Duration { return &c.SessionIdle }),
		duration("session_max", "a signed-in session ends this long after sign-in, however busy", func(c *Config) *time.Duration { return &c.SessionMax }),
		integer("login_max_failures", "wrong passwords in a row that lock an account", func(c *Config) *int64 { return &c.LoginMaxFailures }),
		duration("login_lockout", "how long a locked account stays locked (the right password is refused meanwhile)", func(c *Config) *time.Duration { return &c.LoginLockout }),
		integer("password_min_length", "the shortest password accepted (common passwords are refused whatever their length)", func(c *Config) *int64 { return &c.PasswordMinLength }),
		duration("grant_max_expiry", "the longest an approver may make a grant last (the default grant lasts 7 days)", func(c *Config) *time.Duration { return &c.GrantMaxExpiry }),
		duration("listen_pause", "a rest after which listening to the same recording again is a new audited listening", func(c *Config) *time.Duration { return &c.ListenPause }),
		{"allow_self_approval", "for an organisation with one manager: authorisers may approve their own requests; each such approval is flagged in the audit log (true or false)",
			func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("not true or false: %q", v)
				}
				c.AllowSelfApproval = b
				return nil
			},
			func(c *Config) string { return strconv.FormatBool(c.AllowSelfApproval) }},
		str("notice_file", "text file of the staff notice every user acknowledges, until one is saved in the browser (default: the built-in notice)", func(c *Config) *string { return &c.NoticeFile }),
		integer("notice_version", "version of notice_file's text; raise it above the last version saved in the browser to replace the notice from the file (with notice_file)", func(c *Config) *int64 { return &c.NoticeVersion }),
	}
}
