package siprec

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/callvault/callvault"
)

// Defaults of Config.
const (
	DefaultAnnouncementHeader = "X-Recording-Announcement"
	DefaultRTPTimeout         = 30 * time.Second
	DefaultMaxBodyBytes       = 64 << 10
	DefaultRegion             = "GB"
	DefaultRTPPortMin         = 20000
	DefaultRTPPortMax         = 29999

	DefaultIdleTimeout         = 2 * time.Minute
	DefaultMessageTimeout      = 10 * time.Second
	DefaultMaxConnsPerSource   = 32
	DefaultAckTimeout          = 5 * time.Second
	DefaultMaxPendingPerSource = 16
)

// Config configures a Server. Archive and at least one of UDPAddr, TCPAddr and TLSAddr are
// required; everything else has a default.
type Config struct {
	Archive callvault.Archive

	UDPAddr, TCPAddr string      // e.g. "0.0.0.0:5060"; "" disables the transport
	TLSAddr          string      // e.g. "0.0.0.0:5061"; needs TLSConfig
	TLSConfig        *tls.Config // certificate for SIP over TLS

	MediaIP                string // address put in SDP answers and bound for RTP; default: the host's outbound address
	RTPPortMin, RTPPortMax int    // even range of RTP/RTCP pairs; both 0 in tests means ephemeral ports

	AllowFrom  []netip.Prefix // source addresses allowed to send recordings; empty allows all
	Unrecorded []string       // extensions, numbers and SIP URIs never recorded (PCI DSS)

	AnnouncementHeader string        // header carrying announcement evidence; default X-Recording-Announcement
	RTPTimeout         time.Duration // end a call after this long without media (never while paused)
	MaxBodyBytes       int           // largest SIP body accepted; default 64 KiB
	Region             string        // region for numbers without a country code; default GB
	// StartWindow is how long before the INVITE's arrival a call may have begun for the
	// metadata's start time to be believed as the call's start (callvault.StartTimeRule.Window);
	// default callvault.DefaultStartWindow. The recording's own start is always its arrival.
	StartWindow time.Duration
	// RequireSRTP refuses (488) offers whose media would be plain RTP: only SRTP keyed by SDES
	// over SIP over TLS is recorded. SDES over SIP without TLS is refused either way.
	RequireSRTP bool

	// Limits that keep one peer from holding what others need (defaults in brackets).
	IdleTimeout         time.Duration // close a TCP/TLS connection idle this long, unless a live dialog uses it [2m]
	MessageTimeout      time.Duration // a message (and a TLS handshake) must arrive whole this soon after its first byte; also each write's deadline [10s]
	MaxConnsPerSource   int           // TCP/TLS connections open at once from one address [32]
	AckTimeout          time.Duration // end a new session whose 200 OK is not acknowledged this soon, releasing its ports [5s]
	MaxPendingPerSource int           // sessions from one address answered and not yet acknowledged; more get 503 [16]

	Logger  *slog.Logger
	Metrics prometheus.Registerer // may be nil

	// OnEvent, if set, is called for pause, resume, PCI stop, declined sessions and calls ended
	// for lack of media, so that the caller can append them to the audit log. It must not block
	// for long.
	OnEvent func(ctx context.Context, ev callvault.AuditEvent)
}

// withDefaults returns c with defaults filled in, or KindInvalid naming the bad field.
func (c Config) withDefaults() (Config, error) {
	if c.Archive == nil {
		return c, callvault.Errorf(callvault.KindInvalid, "siprec: Config.Archive is required")
	}
	if c.UDPAddr == "" && c.TCPAddr == "" && c.TLSAddr == "" {
		return c, callvault.Errorf(callvault.KindInvalid, "siprec: no SIP listen address; set UDPAddr, TCPAddr or TLSAddr")
	}
	if c.TLSAddr != "" && c.TLSConfig == nil {
		return c, callvault.Errorf(callvault.KindInvalid, "siprec: TLSAddr %q needs TLSConfig with a certificate", c.TLSAddr)
	}
	if c.AnnouncementHeader == "" {
		c.AnnouncementHeader = DefaultAnnouncementHeader
	}
	if c.RTPTimeout <= 0 {
		c.RTPTimeout = DefaultRTPTimeout
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MessageTimeout <= 0 {
		c.MessageTimeout = DefaultMessageTimeout
	}
	if c.MaxConnsPerSource <= 0 {
		c.MaxConnsPerSource = DefaultMaxConnsPerSource
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = DefaultAckTimeout
	}
	if c.MaxPendingPerSource <= 0 {
		c.MaxPendingPerSource = DefaultMaxPendingPerSource
	}
	if c.StartWindow < 0 {
		return c, callvault.Errorf(callvault.KindInvalid, "siprec: StartWindow %s is negative", c.StartWindow)
	}
	if c.StartWindow == 0 {
		c.StartWindow = callvault.DefaultStartWindow
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RTPPortMin == 0 && c.RTPPortMax == 0 && c.MediaIP != "127.0.0.1" && c.MediaIP != "::1" {
		c.RTPPortMin, c.RTPPortMax = DefaultRTPPortMin, DefaultRTPPortMax
	}
	if c.MediaIP == "" {
		c.MediaIP = outboundIP()
	}
	if _, err := netip.ParseAddr(c.MediaIP); err != nil {
		return c, callvault.Errorf(callvault.KindInvalid, "siprec: MediaIP %q is not an IP address", c.MediaIP)
	}
	return c, nil
}

// outboundIP returns the address the host uses to reach the outside, or 127.0.0.1.
func outboundIP() string {
	c, err := net.Dial("udp", "192.0.2.1:9") // TEST-NET-1: no packet is sent
	if err != nil {
		return "127.0.0.1"
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String()
}
