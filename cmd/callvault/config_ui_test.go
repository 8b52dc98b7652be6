package main

import (
	"strings"
	"testing"
)

// TestTimeZoneSetting: the organisation's zone defaults to Europe/London, is set by flag or
// environment, and a name that is not a zone is refused naming the setting.
func TestTimeZoneSetting(t *testing.T) {
	cfg, err := loadTestConfig(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if z, err := cfg.zone(); err != nil || z.String() != "Europe/London" {
		t.Fatalf("default zone: %v %v", z, err)
	}
	cfg, err = loadTestConfig(t, []string{"--time-zone", "Europe/Dublin"}, nil)
	if z, _ := cfg.zone(); err != nil || z.String() != "Europe/Dublin" {
		t.Fatalf("--time-zone: %v %v", z, err)
	}
	cfg, err = loadTestConfig(t, nil, map[string]string{"CALLVAULT_TIME_ZONE": "America/New_York"})
	if z, _ := cfg.zone(); err != nil || z.String() != "America/New_York" {
		t.Fatalf("CALLVAULT_TIME_ZONE: %v %v", z, err)
	}
	if _, err := loadTestConfig(t, []string{"--time-zone", "Mars/Olympus_Mons"}, nil); err == nil || !strings.Contains(err.Error(), "time_zone") {
		t.Fatalf("a bad zone: %v", err)
	}
}

// TestOrganisationNameSetting: the name the listening page shows is optional, set by flag, and
// refused naming the setting when it holds control characters or runs too long.
func TestOrganisationNameSetting(t *testing.T) {
	cfg, err := loadTestConfig(t, []string{"--organisation-name", "Riverside Clinic"}, nil)
	if err != nil || cfg.OrganisationName != "Riverside Clinic" {
		t.Fatalf("--organisation-name: %q %v", cfg.OrganisationName, err)
	}
	for _, bad := range []string{"Riverside\nClinic", strings.Repeat("x", 101)} {
		if _, err := loadTestConfig(t, []string{"--organisation-name", bad}, nil); err == nil || !strings.Contains(err.Error(), "organisation_name") {
			t.Errorf("organisation name %.20q: %v", bad, err)
		}
	}
}
