package main

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mail"
)

// The sections of Config. Each validates its own fields and names the bad one as the
// config-file key; checks that span sections belong to Config.Validate.

// StoreConfig is where the vault keeps its catalogue, blobs, keys and audit witness.
type StoreConfig struct {
	Data            string        `json:"data"`             // data directory (catalogue, blobs, keys by default)
	DB              string        `json:"db"`               // "" = SQLite in the data directory; or postgres://...
	Blob            string        `json:"blob"`             // "" = files in the data directory; or s3://bucket/prefix?...
	Keys            string        `json:"keys"`             // key directory; "" = <data>/keys
	AuditWitness    string        `json:"audit_witness"`    // copy of every signed checkpoint, outside the database; "" = <keys>/checkpoints.jsonl
	Recipient       string        `json:"recipient"`        // recorder-only node: seal with this public recipient, hold no private key
	CheckpointEvery int64         `json:"checkpoint_every"` // sign an audit checkpoint every N events
	OrphanGrace     time.Duration `json:"orphan_grace"`     // blobs without a catalogue row older than this are removed; -1 = auto
}

// Validate checks the store settings.
func (c *StoreConfig) Validate() error {
	if strings.TrimSpace(c.Data) == "" {
		return configError("data", "is empty", "give a directory, e.g. --data ./callvault-data")
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return configError("db", "must be empty (SQLite) or a postgres:// URL", "e.g. --db postgres://callvault@db.example:5432/callvault")
	}
	if c.Blob != "" && !strings.HasPrefix(c.Blob, "s3://") && !strings.HasPrefix(c.Blob, "file://") {
		return configError("blob", "must be empty (local files), file:///path or an s3:// URL", "e.g. --blob 's3://bucket/prefix?endpoint=http://127.0.0.1:7070&region=us-east-1&path_style=true'")
	}
	if c.CheckpointEvery < 1 {
		return configError("checkpoint_every", "must be at least 1", "e.g. --checkpoint-every 100")
	}
	return nil
}

// HTTPConfig is the HTTP edge: the listen address, TLS, reverse proxies, the deadline policy
// of every connection, and the metrics listener.
type HTTPConfig struct {
	HTTP              string        `json:"http"`                // HTTP listen address
	MaxUpload         int64         `json:"max_upload"`          // audio upload limit in bytes
	TLSCert           string        `json:"tls_cert"`            // HTTPS certificate (PEM, chain first); reloaded on SIGHUP
	TLSKey            string        `json:"tls_key"`             // HTTPS private key (PEM)
	TrustedProxies    []string      `json:"trusted_proxy"`       // CIDR ranges of reverse proxies whose X-Forwarded-For/-Proto are believed
	ReadHeaderTimeout time.Duration `json:"http_header_timeout"` // time to send a request's headers (and a TLS handshake)
	BodyTimeout       time.Duration `json:"http_body_timeout"`   // time to send a request's body (uploads: see UploadIdleTimeout)
	UploadIdleTimeout time.Duration `json:"upload_idle_timeout"` // an upload sending nothing for this long is cut off
	IdleTimeout       time.Duration `json:"http_idle_timeout"`   // a kept-alive connection without a request is closed after this
	Metrics           string        `json:"metrics"`             // Prometheus metrics listen address; "" = off
}

// Validate checks the HTTP settings.
func (c *HTTPConfig) Validate() error {
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		return configError("http", fmt.Sprintf("%q is not host:port", c.HTTP), "e.g. --http 127.0.0.1:8080")
	}
	if c.MaxUpload < 1024 {
		return configError("max_upload", "is below 1KiB", "e.g. --max-upload 512MiB")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return configError("tls_cert", "needs both tls_cert and tls_key", "give --tls-cert and --tls-key PEM files, or neither (plain HTTP, e.g. behind a TLS-terminating proxy)")
	}
	for _, p := range c.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			return configError("trusted_proxy", fmt.Sprintf("%q is not a CIDR prefix or IP", p), "e.g. --trusted-proxy 127.0.0.1/32 --trusted-proxy 10.0.0.0/8")
		}
	}
	if c.Metrics != "" {
		if _, _, err := net.SplitHostPort(c.Metrics); err != nil {
			return configError("metrics", fmt.Sprintf("%q is not host:port", c.Metrics), "e.g. --metrics 127.0.0.1:9464")
		}
	}
	return nil
}

// RecordingConfig is what every capture path keeps and how: the phone numbering region, the
// retention period and the masking of keyed digits.
type RecordingConfig struct {
	Region          string `json:"region"`           // default region for phone numbers (ISO 3166 alpha-2)
	RetentionMonths int    `json:"retention_months"` // recordings are deleted this many months after they start
	DTMFMask        string `json:"dtmf_mask"`        // off, all or card: silence keyed digits before storing (PCI DSS)
}

// Validate checks the recording settings.
func (c *RecordingConfig) Validate() error {
	if _, err := c.maskOptions(); err != nil {
		return err
	}
	if len(c.Region) != 2 || strings.ToUpper(c.Region) != c.Region {
		return configError("region", fmt.Sprintf("%q is not an ISO 3166 two-letter code", c.Region), "e.g. --region GB")
	}
	if c.RetentionMonths < 1 || c.RetentionMonths > 1200 {
		return configError("retention_months", fmt.Sprintf("%d is out of range 1..1200", c.RetentionMonths), "the policy's default is 6")
	}
	return nil
}

// JobsConfig is the background jobs' schedule and leases.
type JobsConfig struct {
	JobInterval   time.Duration `json:"job_interval"`   // how often background jobs (retention, orphan sweep) run
	LeaseTTL      time.Duration `json:"lease_ttl"`      // how long a node holds a job's lease without renewing it
	RetentionRate int64         `json:"retention_rate"` // most recordings the retention sweep deletes per second; 0 = no limit
	// SweepFailAfter: compliance status, /healthz?deep=1 and the metric turn bad when sweeps
	// have failed (or not succeeded) this long.
	SweepFailAfter time.Duration `json:"sweep_fail_after"`
}

// Validate checks the job settings.
func (c *JobsConfig) Validate() error {
	if c.LeaseTTL < time.Second {
		return configError("lease_ttl", fmt.Sprintf("%s is below 1s", c.LeaseTTL), "e.g. --lease-ttl 1m; a node renews its leases every third of it")
	}
	if c.JobInterval < time.Second {
		return configError("job_interval", fmt.Sprintf("%s is below 1s", c.JobInterval), "e.g. --job-interval 1h")
	}
	if c.RetentionRate < 0 || c.RetentionRate > 100000 {
		return configError("retention_rate", fmt.Sprintf("%d is out of range 0..100000", c.RetentionRate), "0 means no limit; e.g. --retention-rate 50")
	}
	if c.SweepFailAfter < time.Minute {
		return configError("sweep_fail_after", fmt.Sprintf("%s is below 1m", c.SweepFailAfter), "the default is 48h; e.g. --sweep-fail-after 48h")
	}
	return nil
}

// SIPConfig is SIPREC capture: signalling, media and their limits.
type SIPConfig struct {
	SIP          string   `json:"sip"`                 // SIPREC listen address (UDP and TCP); "" = off
	SIPTLS       string   `json:"sip_tls"`             // SIPREC over TLS listen address; needs sip_cert and sip_key
	SIPCert      string   `json:"sip_cert"`            // TLS certificate file (PEM)
	SIPKey       string   `json:"sip_key"`             // TLS private key file (PEM)
	MediaIP      string   `json:"media_ip"`            // address for RTP (and in SDP answers)
	RTPPorts     string   `json:"rtp_ports"`           // RTP port range "min-max"
	SIPAllow     []string `json:"sip_allow"`           // CIDR prefixes allowed to send recordings; empty = any
	Unrecorded   []string `json:"unrecorded"`          // extensions, numbers, SIP URIs never recorded (payment lines)
	Announcement string   `json:"announcement_header"` // SIP header carrying announcement evidence
	// SIPStartWindow: how long before a SIPREC session's arrival the call may have begun for
	// the metadata's start-time to be taken as the call's start (never as the recording's).
	SIPStartWindow time.Duration `json:"sip_start_window"`

	SIPIdleTimeout    time.Duration `json:"sip_idle_timeout"`    // close an idle SIP TCP/TLS connection without a live dialog
	SIPMessageTimeout time.Duration `json:"sip_message_timeout"` // a SIP message must arrive whole this soon after its first byte
	SIPMaxConns       int64         `json:"sip_max_conns"`       // SIP TCP/TLS connections open at once per source address
	SIPAckTimeout     time.Duration `json:"sip_ack_timeout"`     // release a new session whose 200 OK is not acknowledged
	SIPRequireSRTP    bool          `json:"sip_require_srtp"`    // refuse plain RTP: record only SRTP keyed over SIP TLS
	SIPMaxPending     int64         `json:"sip_max_pending"`     // sessions per source address awaiting their ACK
}

// Validate checks the SIPREC settings.
func (c *SIPConfig) Validate() error {
	if c.SIPStartWindow <= 0 {
		return configError("sip_start_window", fmt.Sprintf("%s is not positive", c.SIPStartWindow), "e.g. --sip-start-window 1h")
	}
	if c.SIP != "" {
		if _, _, err := net.SplitHostPort(c.SIP); err != nil {
			return configError("sip", fmt.Sprintf("%q is not host:port", c.SIP), "e.g. --sip 0.0.0.0:5060")
		}
	}
	if c.SIPRequireSRTP && c.SIPTLS == "" {
		return configError("sip_require_srtp", "needs sip_tls: SRTP keys are taken only over SIP over TLS", "give --sip-tls with --sip-cert and --sip-key")
	}
	if c.SIPTLS != "" && (c.SIPCert == "" || c.SIPKey == "") {
		return configError("sip_tls", "needs sip_cert and sip_key", "give --sip-cert and --sip-key PEM files")
	}
	if _, _, err := c.rtpRange(); err != nil {
		return configError("rtp_ports", err.Error(), "e.g. --rtp-ports 40000-40999")
	}
	if c.MediaIP != "" {
		if _, err := netip.ParseAddr(c.MediaIP); err != nil {
			return configError("media_ip", fmt.Sprintf("%q is not an IP address", c.MediaIP), "e.g. --media-ip 192.0.2.10")
		}
	}
	if c.SIPMaxConns < 1 || c.SIPMaxConns > 1<<20 {
		return configError("sip_max_conns", fmt.Sprintf("%d is out of range 1..1048576", c.SIPMaxConns), "e.g. --sip-max-conns 32")
	}
	if c.SIPMaxPending < 1 || c.SIPMaxPending > 1<<20 {
		return configError("sip_max_pending", fmt.Sprintf("%d is out of range 1..1048576", c.SIPMaxPending), "e.g. --sip-max-pending 16")
	}
	for _, p := range c.SIPAllow {
		if _, err := parsePrefix(p); err != nil {
			return configError("sip_allow", fmt.Sprintf("%q is not a CIDR prefix or IP", p), "e.g. --sip-allow 192.0.2.0/24,198.51.100.7")
		}
	}
	return nil
}

// MailConfig is outgoing mail.
type MailConfig struct {
	SMTP     string   `json:"smtp"`      // outgoing mail: smtp://user:pass@host:port?from=addr; "" = mail stays queued
	DPOEmail []string `json:"dpo_email"` // told when card data is keyed when no user with role dpo has an address
}

// Validate checks the mail settings.
func (c *MailConfig) Validate() error {
	if c.SMTP != "" {
		if _, err := mail.ParseURL(c.SMTP); err != nil {
			return configError("smtp", callvault.ErrorMessage(err), "e.g. --smtp 'smtp://callvault:PASSWORD@mail.example.org:587?from=callvault@example.org'")
		}
	}
	return c.validateDPOEmail()
}

// UIConfig is the web pages' settings (config_ui.go).
type UIConfig struct {
	TimeZone string `json:"time_zone"` // the organisation's zone for the web pages
	// OrganisationName is the only thing about the organisation the data subject's listening
	// page shows; empty: nothing.
	OrganisationName string `json:"organisation_name"`
}

// Validate checks the web pages' settings.
func (c *UIConfig) Validate() error { return c.validateUI() }

// LogConfig is the log's level and format.
type LogConfig struct {
	LogLevel  string `json:"log_level"`  // debug, info, warn, error
	LogFormat string `json:"log_format"` // text or json
}

// Validate checks the log settings.
func (c *LogConfig) Validate() error {
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return configError("log_level", fmt.Sprintf("%q is not a level", c.LogLevel), "use debug, info, warn or error")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return configError("log_format", fmt.Sprintf("%q is not a format", c.LogFormat), "use text or json")
	}
	return nil
}
