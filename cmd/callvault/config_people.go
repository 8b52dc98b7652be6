package main

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// validatePeople checks the sign-in and access settings.
func (c *Config) validatePeople() error {
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
