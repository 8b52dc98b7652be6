package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/httpserver"
	"github.com/callvault/callvault/internal/siprec"
)

// Config is every setting of callvault, in sections (config_sections.go), each with its own
// Validate. The sections are embedded, so every field reads as cfg.Field and the JSON config
// file stays one flat object. It is filled in four layers, each overriding the one before:
// defaults, then the optional JSON config file (--config or CALLVAULT_CONFIG), then CALLVAULT_*
// environment variables, then command-line flags. Validate names a bad field and says how to
// fix it.
type Config struct {
	StoreConfig
	HTTPConfig
	RecordingConfig
	JobsConfig
	SIPConfig
	MailConfig
	PeopleConfig
	UIConfig
	LogConfig
	Webhooks // provider webhooks (config_webhook.go)
	CaseDesk // the DPO's case desk (config_cases.go)

	path string // config file that was read, if any
}

// DefaultSIPAddr is where SIPREC listens when enabled with --sip on.
const DefaultSIPAddr = "0.0.0.0:5060"

// DefaultConfig returns the zero-configuration defaults: everything embedded in ./callvault-data.
func DefaultConfig() Config {
	return Config{
		StoreConfig: StoreConfig{
			Data:            "callvault-data",
			CheckpointEvery: 100,
			OrphanGrace:     -1,
		},
		HTTPConfig: HTTPConfig{
			HTTP:              "127.0.0.1:8080",
			MaxUpload:         512 << 20,
			ReadHeaderTimeout: httpserver.DefaultReadHeaderTimeout,
			BodyTimeout:       httpserver.DefaultBodyTimeout,
			UploadIdleTimeout: httpserver.DefaultUploadIdleTimeout,
			IdleTimeout:       httpserver.DefaultIdleTimeout,
		},
		RecordingConfig: RecordingConfig{
			Region:          "GB",
			RetentionMonths: 6,
			DTMFMask:        "all",
		},
		JobsConfig: JobsConfig{
			JobInterval:    time.Hour,
			LeaseTTL:       time.Minute,
			SweepFailAfter: 48 * time.Hour,
		},
		SIPConfig: SIPConfig{
			RTPPorts:          "40000-40999",
			Announcement:      "X-Recording-Announcement",
			SIPIdleTimeout:    siprec.DefaultIdleTimeout,
			SIPMessageTimeout: siprec.DefaultMessageTimeout,
			SIPMaxConns:       siprec.DefaultMaxConnsPerSource,
			SIPAckTimeout:     siprec.DefaultAckTimeout,
			SIPMaxPending:     siprec.DefaultMaxPendingPerSource,
			SIPStartWindow:    callvault.DefaultStartWindow,
		},
		PeopleConfig: PeopleConfig{
			SessionIdle:       30 * time.Minute,
			SessionMax:        12 * time.Hour,
			LoginMaxFailures:  10,
			LoginLockout:      15 * time.Minute,
			PasswordMinLength: 12,
			GrantMaxExpiry:    90 * 24 * time.Hour,
			ListenPause:       5 * time.Minute,
		},
		Webhooks: defaultWebhooks(),
		CaseDesk: defaultCaseDesk(),
		LogConfig: LogConfig{
			LogLevel:  "info",
			LogFormat: "text",
		},
	}
}

// setting describes one configurable field for the environment and flag layers.
type setting struct {
	name  string // config-file key and flag name (with _ replaced by -)
	usage string
	set   func(c *Config, v string) error
	get   func(c *Config) string
}

// The kinds of setting: each parses its value and prints it back.

func strSetting(name, usage string, p func(*Config) *string) setting {
	return setting{name, usage,
		func(c *Config, v string) error { *p(c) = v; return nil },
		func(c *Config) string { return *p(c) }}
}

// listSetting is a comma-separated list.
func listSetting(name, usage string, p func(*Config) *[]string) setting {
	return setting{name, usage,
		func(c *Config, v string) error { *p(c) = splitList(v); return nil },
		func(c *Config) string { return strings.Join(*p(c), ",") }}
}

// sizeSetting is a number of bytes, with the suffixes KiB, MiB and GiB.
func sizeSetting(name, usage string, p func(*Config) *int64) setting {
	return setting{name, usage,
		func(c *Config, v string) error {
			n, err := parseSize(v)
			if err != nil {
				return err
			}
			*p(c) = n
			return nil
		},
		func(c *Config) string { return strconv.FormatInt(*p(c), 10) }}
}

// intSetting is a whole number.
func intSetting(name, usage string, p func(*Config) *int64) setting {
	return setting{name, usage,
		func(c *Config, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return fmt.Errorf("not a whole number: %q", v)
			}
			*p(c) = n
			return nil
		},
		func(c *Config) string { return strconv.FormatInt(*p(c), 10) }}
}

// durationSetting is a positive duration (30s, 5m, 1h).
func durationSetting(name, usage string, p func(*Config) *time.Duration) setting {
	return setting{name, usage,
		func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("not a positive duration like 30s, 5m or 1h: %q", v)
			}
			*p(c) = d
			return nil
		},
		func(c *Config) string { return p(c).String() }}
}

func settings() []setting {
	str, list, integer, duration := strSetting, listSetting, sizeSetting, durationSetting
	return append([]setting{
		str("data", "data directory", func(c *Config) *string { return &c.Data }),
		str("http", "HTTP listen address (host:port; port 0 picks a free port)", func(c *Config) *string { return &c.HTTP }),
		str("db", "catalogue: empty for SQLite in the data directory, or postgres://user@host:port/db", func(c *Config) *string { return &c.DB }),
		str("blob", "blob store: empty for files in the data directory, or s3://bucket/prefix?endpoint=URL&region=R&path_style=true", func(c *Config) *string { return &c.Blob }),
		str("keys", "key directory (default <data>/keys)", func(c *Config) *string { return &c.Keys }),
		str("audit_witness", "file every signed audit checkpoint is also appended to, outside the database (default <keys>/checkpoints.jsonl); "+
			"put it on append-only or WORM storage or ship copies off the machine; nodes may share one (appends are locked) or keep their own", func(c *Config) *string { return &c.AuditWitness }),
		str("recipient", "recorder-only node: path to the vault's public recipient file (vault.recipient); no private key is held", func(c *Config) *string { return &c.Recipient }),
		str("region", "default region for phone numbers (ISO 3166 code)", func(c *Config) *string { return &c.Region }),
		integer("max_upload", "audio upload limit in bytes (suffixes KiB, MiB, GiB)", func(c *Config) *int64 { return &c.MaxUpload }),
		{"retention_months", "months to keep a recording after it starts",
			func(c *Config, v string) error {
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("not a whole number of months: %q", v)
				}
				c.RetentionMonths = n
				return nil
			},
			func(c *Config) string { return strconv.Itoa(c.RetentionMonths) }},
		integer("checkpoint_every", "sign an audit checkpoint every N events", func(c *Config) *int64 { return &c.CheckpointEvery }),
		{"orphan_grace", "age after which a blob with no catalogue row is removed at start (-1: 0 for embedded, 1h for shared stores)",
			func(c *Config, v string) error {
				if v == "-1" {
					c.OrphanGrace = -1
					return nil
				}
				d, err := time.ParseDuration(v)
				if err != nil {
					return fmt.Errorf("not a duration like 30m or 1h: %q", v)
				}
				c.OrphanGrace = d
				return nil
			},
			func(c *Config) string { return c.OrphanGrace.String() }},
		duration("job_interval", "how often background jobs (retention sweep, orphan sweep) run on the node holding their lease", func(c *Config) *time.Duration { return &c.JobInterval }),
		duration("lease_ttl", "how long a job lease lasts without renewal; another node takes over after it", func(c *Config) *time.Duration { return &c.LeaseTTL }),
		str("tls_cert", "serve HTTPS with this certificate (PEM, chain first); send SIGHUP to reload a renewed one", func(c *Config) *string { return &c.TLSCert }),
		str("tls_key", "private key (PEM) of --tls-cert", func(c *Config) *string { return &c.TLSKey }),
		list("trusted_proxy", "CIDR ranges (or IPs) of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto give the client's address and scheme; repeat the flag or separate with commas (empty: headers ignored)", func(c *Config) *[]string { return &c.TrustedProxies }),
		duration("http_header_timeout", "time a client has to send a request's headers (and finish a TLS handshake)", func(c *Config) *time.Duration { return &c.ReadHeaderTimeout }),
		duration("http_body_timeout", "time a client has to send a request body (a refused body is drained only this long); uploads use upload_idle_timeout once authenticated", func(c *Config) *time.Duration { return &c.BodyTimeout }),
		duration("upload_idle_timeout", "an upload that sends nothing for this long is cut off (there is no limit on an upload's total time)", func(c *Config) *time.Duration { return &c.UploadIdleTimeout }),
		duration("http_idle_timeout", "a kept-alive HTTP connection without a request is closed after this", func(c *Config) *time.Duration { return &c.IdleTimeout }),
		duration("sweep_fail_after", "the compliance status, /healthz?deep=1 and the retention metric turn bad when retention sweeps have failed (or not succeeded) for longer than this", func(c *Config) *time.Duration { return &c.SweepFailAfter }),
		integer("retention_rate", "most recordings the retention sweep deletes per second (0: no limit), to spare the object store", func(c *Config) *int64 { return &c.RetentionRate }),
		{"sip", "SIPREC listen address for UDP and TCP: \"on\" for 0.0.0.0:5060, or host:port; empty or \"off\" disables SIPREC",
			func(c *Config, v string) error {
				switch strings.ToLower(strings.TrimSpace(v)) {
				case "on", "true", "yes", "default":
					c.SIP = DefaultSIPAddr
				case "off", "false", "no", "":
					c.SIP = ""
				default:
					c.SIP = v
				}
				return nil
			},
			func(c *Config) string { return c.SIP }},
		str("sip_tls", "SIPREC TLS listen address, e.g. 0.0.0.0:5061", func(c *Config) *string { return &c.SIPTLS }),
		str("sip_cert", "TLS certificate (PEM) for SIPREC over TLS", func(c *Config) *string { return &c.SIPCert }),
		str("sip_key", "TLS private key (PEM) for SIPREC over TLS", func(c *Config) *string { return &c.SIPKey }),
		str("media_ip", "IP address for RTP media (default: the SIP listen address, or 127.0.0.1)", func(c *Config) *string { return &c.MediaIP }),
		str("rtp_ports", "RTP port range min-max", func(c *Config) *string { return &c.RTPPorts }),
		list("sip_allow", "comma-separated CIDR prefixes allowed to send SIPREC sessions; set it to the SBCs' addresses in production (empty: any host)", func(c *Config) *[]string { return &c.SIPAllow }),
		list("unrecorded", "comma-separated extensions, numbers and SIP URIs that are never recorded (payment lines)", func(c *Config) *[]string { return &c.Unrecorded }),
		str("announcement_header", "SIP header that carries announcement evidence", func(c *Config) *string { return &c.Announcement }),
		duration("sip_idle_timeout", "close a SIP TCP/TLS connection idle this long (one that carries a live call stays open)", func(c *Config) *time.Duration { return &c.SIPIdleTimeout }),
		duration("sip_message_timeout", "a SIP message (and a TLS handshake) must arrive whole this soon after its first byte, or its connection is closed; also each write's deadline", func(c *Config) *time.Duration { return &c.SIPMessageTimeout }),
		integer("sip_max_conns", "SIP TCP/TLS connections open at once from one address; more are closed on arrival", func(c *Config) *int64 { return &c.SIPMaxConns }),
		duration("sip_ack_timeout", "release a new recording session (and its RTP ports) whose 200 OK is not acknowledged this soon", func(c *Config) *time.Duration { return &c.SIPAckTimeout }),
		integer("sip_max_pending", "recording sessions from one address answered and not yet acknowledged; more INVITEs get 503", func(c *Config) *int64 { return &c.SIPMaxPending }),
		{"sip_require_srtp", "record only SRTP media (RTP/SAVP keyed by SDES a=crypto over SIP over TLS): plain RTP offers get 488 (SDES over SIP without TLS is refused either way)",
			func(c *Config, v string) error {
				b, err := strconv.ParseBool(strings.TrimSpace(v))
				if err != nil {
					return fmt.Errorf("not true or false: %q", v)
				}
				c.SIPRequireSRTP = b
				return nil
			},
			func(c *Config) string { return strconv.FormatBool(c.SIPRequireSRTP) }},
		str("smtp", "outgoing mail server: smtp://user:password@host:587?from=callvault@example.org (STARTTLS when offered; "+
			"&require_tls=true to insist) or smtps://...:465; empty keeps mail queued in the catalogue until a node has it", func(c *Config) *string { return &c.SMTP }),
		duration("sip_start_window", "how long before a SIPREC session arrives its call may have begun for the metadata's start-time to be believed (kept as reported either way; the recording starts at its arrival)", func(c *Config) *time.Duration { return &c.SIPStartWindow }),
		str("dtmf_mask", "silence keyed digits (DTMF tones) in the audio before it is stored, for PCI DSS: off (store audio as received), "+
			"all (every tone), or card (keep the first six digits of each run of keys and never more than six within 20 s, mask the rest and everything after a long run)", func(c *Config) *string { return &c.DTMFMask }),
		list("dpo_email", "comma-separated e-mail addresses of the Data Protection Officer, mailed when card data is keyed on a recorded line "+
			"(the fallback until the users with role dpo are told); empty: the alert is audited and logged only", func(c *Config) *[]string { return &c.DPOEmail }),
		str("metrics", "listen address for Prometheus metrics at /metrics (keep it on a private network); empty disables", func(c *Config) *string { return &c.Metrics }),
		str("log_level", "log level: debug, info, warn, error", func(c *Config) *string { return &c.LogLevel }),
		str("log_format", "log format: text or json", func(c *Config) *string { return &c.LogFormat }),
	}, append(append(append(peopleSettings(), webhookSettings()...), uiSettings()...), caseSettings()...)...)
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseSize parses a byte count with an optional KiB/MiB/GiB suffix.
func parseSize(v string) (int64, error) {
	mult := int64(1)
	s := strings.TrimSpace(v)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("not a size like 512MiB: %q", v)
	}
	return n * mult, nil
}

// configError is a configuration problem naming the field and the fix.
func configError(field, problem, hint string) error {
	return &usageError{msg: fmt.Sprintf("config %s: %s", field, problem), hint: hint}
}

// LoadConfig applies the file, environment and flag layers on top of the defaults. The flag set
// must have been populated with registerConfigFlags(fs) and parsed; only flags set explicitly
// override the lower layers.
func LoadConfig(fs *flag.FlagSet, getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	path := getenv("CALLVAULT_CONFIG")
	if f := fs.Lookup("config"); f != nil && f.Value.String() != "" {
		path = f.Value.String()
	}
	if path != "" {
		if err := cfg.loadFile(path); err != nil {
			return cfg, err
		}
	}
	for _, s := range settings() {
		env := "CALLVAULT_" + strings.ToUpper(s.name)
		if v, ok := lookupEnv(getenv, env); ok {
			if err := s.set(&cfg, v); err != nil {
				return cfg, configError(s.name, fmt.Sprintf("environment %s: %v", env, err), "fix or unset "+env)
			}
		}
	}
	var err error
	fs.Visit(func(f *flag.Flag) {
		for _, s := range settings() {
			if flagName(s.name) == f.Name && err == nil {
				if e := s.set(&cfg, f.Value.String()); e != nil {
					err = configError(s.name, fmt.Sprintf("flag --%s: %v", f.Name, e), "see callvault help")
				}
			}
		}
	})
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func lookupEnv(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func flagName(name string) string { return strings.ReplaceAll(name, "_", "-") }

// repeatable lists the list settings whose flag may be given several times (the values add up).
var repeatable = map[string]bool{"trusted_proxy": true, "sip_allow": true, "unrecorded": true}

// listFlag is a repeatable flag: each use adds comma-separated values.
type listFlag struct {
	def  string
	vals []string
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	if len(l.vals) == 0 {
		return l.def
	}
	return strings.Join(l.vals, ",")
}

func (l *listFlag) Set(v string) error {
	l.vals = append(l.vals, v)
	return nil
}

// registerConfigFlags adds a flag for every setting, plus --config, to fs. Flag defaults are
// shown in help but do not override lower layers unless the flag is given.
func registerConfigFlags(fs *flag.FlagSet) {
	def := DefaultConfig()
	fs.String("config", "", "JSON config file (also CALLVAULT_CONFIG)")
	for _, s := range settings() {
		usage := s.usage + " (env CALLVAULT_" + strings.ToUpper(s.name) + ")"
		if repeatable[s.name] {
			fs.Var(&listFlag{def: s.get(&def)}, flagName(s.name), usage)
			continue
		}
		fs.String(flagName(s.name), s.get(&def), usage)
	}
}

func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("config file: %v", err), hint: "check the path given with --config or CALLVAULT_CONFIG"}
	}
	// Decode into a generic map first so that every value goes through the same parsers as
	// the environment and flags, and unknown keys are named.
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return &usageError{msg: fmt.Sprintf("config file %s: not a JSON object: %v", path, err), hint: `write settings as {"http": "127.0.0.1:8080", ...}`}
	}
	known := map[string]setting{}
	for _, s := range settings() {
		known[s.name] = s
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s, ok := known[k]
		if !ok {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			return configError(k, "unknown setting in "+path, "known settings: "+strings.Join(names, ", "))
		}
		var v string
		var arr []string
		var num json.Number
		switch {
		case json.Unmarshal(raw[k], &v) == nil:
		case json.Unmarshal(raw[k], &arr) == nil:
			v = strings.Join(arr, ",")
		case json.Unmarshal(raw[k], &num) == nil:
			v = num.String()
		default:
			return configError(k, "value in "+path+" must be a string, number or list of strings", "")
		}
		if err := s.set(c, v); err != nil {
			return configError(k, fmt.Sprintf("in %s: %v", path, err), "")
		}
	}
	c.path = path
	return nil
}

// Validate checks every section and returns an error naming the first bad field and its fix.
func (c *Config) Validate() error {
	for _, v := range []interface{ Validate() error }{
		&c.RecordingConfig, &c.StoreConfig, &c.HTTPConfig, &c.JobsConfig, &c.SIPConfig,
		&c.MailConfig, &c.PeopleConfig, &c.UIConfig, &c.LogConfig, &c.Webhooks, &c.CaseDesk,
	} {
		if err := v.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func (c *SIPConfig) rtpRange() (lo, hi int, err error) {
	a, b, ok := strings.Cut(c.RTPPorts, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || lo < 1024 || hi > 65535 || hi-lo < 3 {
		return 0, 0, fmt.Errorf("%q is not a range like 40000-40999 (ports 1024..65535, at least 4)", c.RTPPorts)
	}
	return lo, hi, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// trustedProxies returns the trusted proxy ranges (checked by Validate).
func (c *HTTPConfig) trustedProxies() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		if p, err := parsePrefix(s); err == nil {
			out = append(out, p.Masked())
		}
	}
	return out
}

// KeysDir is the key directory, <data>/keys unless configured.
func (c *Config) KeysDir() string {
	if c.Keys != "" {
		return c.Keys
	}
	return filepath.Join(c.Data, "keys")
}

// WitnessPath is the audit witness file, <keys>/checkpoints.jsonl unless configured.
func (c *Config) WitnessPath() string {
	if c.AuditWitness != "" {
		return c.AuditWitness
	}
	return filepath.Join(c.KeysDir(), audit.WitnessFile)
}

// Embedded reports whether both stores are the embedded defaults (one machine, one data dir).
func (c *Config) Embedded() bool {
	return c.DB == "" && (c.Blob == "" || strings.HasPrefix(c.Blob, "file://"))
}

// orphanGrace resolves the "auto" value: with embedded stores a data-directory lock guarantees
// no other writer, so orphans can go at once; shared stores wait for in-flight uploads elsewhere.
func (c *Config) orphanGrace() time.Duration {
	if c.OrphanGrace >= 0 {
		return c.OrphanGrace
	}
	if c.Embedded() {
		return 0
	}
	return time.Hour
}

// redacted returns the settings for the server.start audit event, with any password or secret in
// a URL removed.
func (c *Config) redacted() map[string]any {
	out := map[string]any{}
	for _, s := range settings() {
		v := s.get(c)
		if s.name == "db" || s.name == "blob" || s.name == "smtp" {
			v = redactURL(v)
		}
		if secretSettings[s.name] && v != "" {
			v = "(set)"
		}
		out[s.name] = v
	}
	if c.path != "" {
		out["config_file"] = c.path
	}
	return out
}

// redactURL removes userinfo passwords and secret-looking query values from a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if raw == "" {
			return ""
		}
		return "(unparseable, redacted)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "REDACTED")
		}
	}
	q := u.Query()
	for k := range q {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "secret") || strings.Contains(lk, "password") || strings.Contains(lk, "token") || strings.Contains(lk, "key") {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// maskOptions returns the DTMF masking the dtmf_mask setting asks for; nil for none.
func (c *RecordingConfig) maskOptions() (*audio.MaskOptions, error) {
	switch strings.ToLower(strings.TrimSpace(c.DTMFMask)) {
	case "", "off":
		return nil, nil
	case "all":
		return &audio.MaskOptions{}, nil
	case "card":
		return &audio.MaskOptions{KeepShortRuns: true}, nil
	}
	return nil, configError("dtmf_mask", fmt.Sprintf("unknown value %q", c.DTMFMask), "use off, all or card")
}
