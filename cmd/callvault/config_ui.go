package main

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // zone names load on machines without zoneinfo
	"unicode"
	"unicode/utf8"
)

// DefaultTimeZone is the organisation's zone when time_zone is not set.
const DefaultTimeZone = "Europe/London"

// uiSettings are the settings of the web pages, appended to settings().
func uiSettings() []setting {
	return []setting{{"time_zone", "the organisation's time zone (IANA name, default " + DefaultTimeZone + "); the web pages show times in it, with UTC on hover",
		func(c *Config, v string) error { c.TimeZone = v; return nil },
		func(c *Config) string { return c.TimeZone }},
		{"organisation_name", "the organisation's name, the only thing about it the data subject's listening page shows (default none)",
			func(c *Config, v string) error { c.OrganisationName = v; return nil },
			func(c *Config) string { return c.OrganisationName }}}
}

// validateUI checks the web pages' settings.
func (c *UIConfig) validateUI() error {
	if _, err := c.zone(); err != nil {
		return configError("time_zone", fmt.Sprintf("%q is not a time zone", c.TimeZone), "an IANA name, e.g. --time-zone "+DefaultTimeZone)
	}
	if n := c.OrganisationName; utf8.RuneCountInString(n) > 100 || strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return configError("organisation_name", "is longer than 100 characters or holds control characters", "the name as people know it, e.g. --organisation-name 'Riverside Clinic'")
	}
	return nil
}

// zone is the organisation's time zone.
func (c *UIConfig) zone() (*time.Location, error) {
	if c.TimeZone == "" {
		return time.LoadLocation(DefaultTimeZone)
	}
	return time.LoadLocation(c.TimeZone)
}
