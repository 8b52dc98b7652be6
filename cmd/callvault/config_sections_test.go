package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sampleSettings are valid values, unlike the defaults, for a config file in the flat format
// every release has read. A setting missing here is written with its default.
var sampleSettings = map[string]any{
	"data": "/srv/cv", "http": "127.0.0.1:9090", "db": "postgres://cv@db.example:5432/cv",
	"blob": "s3://bucket/p?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true",
	"keys": "/srv/keys", "audit_witness": "/worm/cp.jsonl", "recipient": "/srv/vault.recipient",
	"region": "IE", "max_upload": "1MiB", "retention_months": 12, "checkpoint_every": 50,
	"orphan_grace": "2h0m0s", "job_interval": "30m0s", "lease_ttl": "2m0s", "tls_cert": "/tls/c.pem",
	"tls_key": "/tls/k.pem", "trusted_proxy": []string{"10.0.0.0/8", "127.0.0.1/32"},
	"http_header_timeout": "7s", "http_body_timeout": "1m1s", "upload_idle_timeout": "33s",
	"http_idle_timeout": "3m0s", "retention_rate": 25, "sip": "127.0.0.1:5070", "sip_tls": "127.0.0.1:5071",
	"sip_cert": "/tls/s.pem", "sip_key": "/tls/sk.pem", "media_ip": "192.0.2.10", "rtp_ports": "41000-41099",
	"sip_allow": []string{"192.0.2.0/24"}, "unrecorded": []string{"299", "+442079460999"},
	"announcement_header": "X-Announced", "sip_idle_timeout": "4m0s", "sip_message_timeout": "9s",
	"sip_max_conns": 7, "sip_ack_timeout": "11s", "sip_max_pending": 5,
	"smtp": "smtp://mail.example.org:587?from=cv@example.org", "sip_start_window": "2h0m0s",
	"dtmf_mask": "card", "metrics": "127.0.0.1:9464", "log_level": "debug", "log_format": "json",
	"public_url": "https://vault.example.org", "session_idle": "20m0s", "session_max": "8h0m0s",
	"login_max_failures": 5, "login_lockout": "30m0s", "password_min_length": 14, "grant_max_expiry": "720h0m0s",
	"listen_pause": "2m0s", "allow_self_approval": "true", "notice_file": "/srv/notice.txt", "notice_version": 3,
	"organisation_name": "Riverside Clinic",
}

// A config file with the old flat keys still loads into the sectioned Config, and every
// setting comes back as written.
func TestConfigFlatFileRoundTrips(t *testing.T) {
	def := DefaultConfig()
	file := map[string]any{}
	for _, s := range settings() {
		if v, ok := sampleSettings[s.name]; ok {
			file[s.name] = v
		} else {
			file[s.name] = s.get(&def)
		}
	}
	b, _ := json.Marshal(file)
	path := filepath.Join(t.TempDir(), "cv.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadTestConfig(t, []string{"--config", path}, nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	changed := 0
	for _, s := range settings() {
		want := file[s.name]
		var wantS string
		switch w := want.(type) {
		case []string:
			wantS = strings.Join(w, ",")
		case string:
			wantS = w
		default:
			raw, _ := json.Marshal(w)
			wantS = string(raw)
		}
		got := s.get(&cfg)
		if s.name == "max_upload" {
			wantS = "1048576"
		}
		if got != wantS {
			t.Errorf("%s: wrote %q, read back %q", s.name, wantS, got)
		}
		if got != s.get(&def) {
			changed++
		}
	}
	if changed < len(sampleSettings) {
		t.Errorf("only %d settings differ from the defaults; the samples must change each", changed)
	}
	// Written back through the same settings, the file loads into the same Config.
	again := map[string]string{}
	for _, s := range settings() {
		again[s.name] = s.get(&cfg)
	}
	b, _ = json.Marshal(again)
	os.WriteFile(path, b, 0o600)
	cfg2, err := loadTestConfig(t, []string{"--config", path}, nil)
	if err != nil {
		t.Fatalf("reload: %v", err)
	}
	for _, s := range settings() {
		if s.get(&cfg2) != s.get(&cfg) {
			t.Errorf("%s: %q after a second round, %q before", s.name, s.get(&cfg2), s.get(&cfg))
		}
	}
}

// Config marshals to one flat JSON object whose keys are exactly the settings: the sections
// are embedded, not nested.
func TestConfigJSONIsFlat(t *testing.T) {
	b, err := json.Marshal(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	var keys, names []string
	for k := range obj {
		keys = append(keys, k)
	}
	for _, s := range settings() {
		names = append(names, s.name)
	}
	slices.Sort(keys)
	slices.Sort(names)
	if strings.Join(keys, " ") != strings.Join(names, " ") {
		t.Errorf("JSON keys\n%v\nsettings\n%v", keys, names)
	}
}

// Each section validates its own fields and names the bad one; Config.Validate asks them all.
func TestConfigSectionsValidate(t *testing.T) {
	def := DefaultConfig()
	if err := def.Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	cases := []struct {
		field string
		spoil func(c *Config)
		check func(c *Config) error
	}{
		{"data", func(c *Config) { c.Data = " " }, func(c *Config) error { return c.StoreConfig.Validate() }},
		{"checkpoint_every", func(c *Config) { c.CheckpointEvery = 0 }, func(c *Config) error { return c.StoreConfig.Validate() }},
		{"http", func(c *Config) { c.HTTP = "nope" }, func(c *Config) error { return c.HTTPConfig.Validate() }},
		{"metrics", func(c *Config) { c.Metrics = "nope" }, func(c *Config) error { return c.HTTPConfig.Validate() }},
		{"region", func(c *Config) { c.Region = "gb" }, func(c *Config) error { return c.RecordingConfig.Validate() }},
		{"dtmf_mask", func(c *Config) { c.DTMFMask = "some" }, func(c *Config) error { return c.RecordingConfig.Validate() }},
		{"lease_ttl", func(c *Config) { c.LeaseTTL = 0 }, func(c *Config) error { return c.JobsConfig.Validate() }},
		{"sip_tls", func(c *Config) { c.SIPTLS = "127.0.0.1:5061" }, func(c *Config) error { return c.SIPConfig.Validate() }},
		{"smtp", func(c *Config) { c.SMTP = "ftp://x" }, func(c *Config) error { return c.MailConfig.Validate() }},
		{"session_idle", func(c *Config) { c.SessionIdle = 0 }, func(c *Config) error { return c.PeopleConfig.Validate() }},
		{"log_format", func(c *Config) { c.LogFormat = "xml" }, func(c *Config) error { return c.LogConfig.Validate() }},
	}
	for _, tc := range cases {
		c := DefaultConfig()
		tc.spoil(&c)
		for what, err := range map[string]error{"section": tc.check(&c), "Config": c.Validate()} {
			if err == nil || !strings.Contains(err.Error(), "config "+tc.field+":") {
				t.Errorf("%s.Validate with a bad %s: %v", what, tc.field, err)
			}
		}
	}
}
