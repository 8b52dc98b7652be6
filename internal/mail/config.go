package mail

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/callvault/callvault"
)

// Config is where and how mail is sent, parsed from the --smtp URL:
//
//	smtp://[user[:password]@]host[:port]?from=callvault@example.org[&require_tls=true][&helo=name]
//	smtps://[user[:password]@]host[:port]?from=...
//
// smtp:// uses STARTTLS when the server offers it (always, with require_tls=true) and defaults
// to port 587; smtps:// speaks TLS from the start and defaults to port 465. Credentials are only
// ever sent over TLS (or to a server on the loopback interface).
type Config struct {
	Host        string
	Port        int
	Username    string
	Password    string // never logged; see String
	From        string
	ImplicitTLS bool   // smtps://
	RequireTLS  bool   // refuse to send unless the connection is encrypted
	Helo        string // name given in EHLO; default "localhost"
}

// ParseURL parses an --smtp URL. Errors are KindInvalid, name the problem and never contain the
// password.
func ParseURL(raw string) (*Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, callvault.Errorf(callvault.KindInvalid, "smtp: not a URL like smtp://user:password@host:587?from=callvault@example.org")
	}
	c := &Config{Helo: "localhost"}
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Port, c.ImplicitTLS, c.RequireTLS = 465, true, true
	default:
		return nil, callvault.Errorf(callvault.KindInvalid, "smtp: the scheme must be smtp:// or smtps://, not %q", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, callvault.Errorf(callvault.KindInvalid, "smtp: the URL has a path or fragment; give only host, port and query")
	}
	c.Host = u.Hostname()
	if !validHost(c.Host) {
		return nil, callvault.Errorf(callvault.KindInvalid, "smtp: the URL names no host name or IP address")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, callvault.Errorf(callvault.KindInvalid, "smtp: port %q is not 1..65535", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
		if c.Username == "" {
			return nil, callvault.Errorf(callvault.KindInvalid, "smtp: a password without a user name")
		}
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "from", "require_tls", "helo":
		default:
			return nil, callvault.Errorf(callvault.KindInvalid, "smtp: unknown setting %q in the URL (known: from, require_tls, helo)", k)
		}
	}
	c.From = q.Get("from")
	if c.From == "" {
		return nil, callvault.Errorf(callvault.KindInvalid, "smtp: the URL needs ?from=ADDRESS (the sender address)")
	}
	if err := callvault.ValidMailAddress(c.From); err != nil {
		return nil, callvault.Errorf(callvault.KindInvalid, "smtp: from: %q is not a plain address like callvault@example.org", c.From)
	}
	if v := q.Get("require_tls"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, callvault.Errorf(callvault.KindInvalid, "smtp: require_tls=%q is not true or false", v)
		}
		c.RequireTLS = b || c.ImplicitTLS
	}
	if h := q.Get("helo"); h != "" {
		if !validHost(h) {
			return nil, callvault.Errorf(callvault.KindInvalid, "smtp: helo=%q is not a host name", h)
		}
		c.Helo = h
	}
	return c, nil
}

// validHost accepts an IP address or a DNS name of letters, digits, '-' and '.'.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 || strings.HasPrefix(h, ".") || strings.HasPrefix(h, "-") {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Addr is host:port.
func (c *Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// String is the URL with the password left out, for logs and audit details.
func (c Config) String() string {
	u := url.URL{Scheme: "smtp", Host: c.Addr()}
	if c.ImplicitTLS {
		u.Scheme = "smtps"
	}
	if c.Username != "" {
		u.User = url.User(c.Username)
	}
	q := url.Values{"from": {c.From}}
	if c.RequireTLS && !c.ImplicitTLS {
		q.Set("require_tls", "true")
	}
	if c.Helo != "localhost" {
		q.Set("helo", c.Helo)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// domain returns the domain of the From address, for Message-IDs.
func (c *Config) domain() string {
	_, d, _ := strings.Cut(c.From, "@")
	return d
}
