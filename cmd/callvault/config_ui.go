package main

import (
	"fmt"
	"time"
	_ "time/tzdata" // zone names load on machines without zoneinfo
)

// validateUI checks the web pages' settings.
func (c *Config) validateUI() error {
	if _, err := c.zone(); err != nil {
		return configError("time_zone", fmt.Sprintf("%q is not a time zone", c.TimeZone), "an IANA name, e.g. --time-zone Europe/London")
	}
	return nil
}

// zone is the organisation's time zone.
func (c *Config) zone() (*time.Location, error) {
	if c.TimeZone == "" {
		return time.LoadLocation("Europe/London")
	}
	return time.LoadLocation(c.TimeZone)
}
