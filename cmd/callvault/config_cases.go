package main

import (
	"fmt"

	"github.com/callvault/callvault/internal/ukcal"
)

// CaseDesk are the settings of the DPO's case desk.
type CaseDesk struct {
	// HolidayRegion is whose bank holidays the subject access clock counts.
	HolidayRegion string `json:"holiday_region"`
}

func defaultCaseDesk() CaseDesk { return CaseDesk{HolidayRegion: string(ukcal.DefaultRegion)} }

func caseSettings() []setting {
	return []setting{
		{"holiday_region", "whose bank holidays the subject access clock counts: england-and-wales, scotland or northern-ireland",
			func(c *Config, v string) error { c.HolidayRegion = v; return nil },
			func(c *Config) string { return c.HolidayRegion }},
	}
}

// Validate checks the case desk settings.
func (d *CaseDesk) Validate() error {
	if _, err := ukcal.ParseRegion(d.HolidayRegion); err != nil || d.HolidayRegion == "" {
		return configError("holiday_region", fmt.Sprintf("%q is not a region", d.HolidayRegion), "use england-and-wales, scotland or northern-ireland")
	}
	return nil
}
