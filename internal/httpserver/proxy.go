package httpserver

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// client is who sent a request, as far as this server can tell: the direct peer, or, when the
// peer is a trusted reverse proxy, the address and scheme the proxy reports.
type client struct {
	addr   string // an IP address, without port
	secure bool   // the client's connection was TLS (here or at a trusted proxy)
}

type clientKey struct{}

// ClientAddr returns the IP address of the client of the request ctx belongs to: the direct
// peer, or behind trusted proxies the rightmost address of X-Forwarded-For that is not a trusted
// proxy. It returns "" outside a request. Use it (never RemoteAddr or the header) for
// per-address throttling and audit.
func ClientAddr(ctx context.Context) string {
	c, _ := ctx.Value(clientKey{}).(client)
	return c.addr
}

// IsSecure reports whether the client of the request ctx belongs to reached callvault over TLS:
// served here with TLS, or reported "https" in X-Forwarded-Proto by a trusted proxy. Cookies
// get the Secure flag when it is true.
func IsSecure(ctx context.Context) bool {
	c, _ := ctx.Value(clientKey{}).(client)
	return c.secure
}

// withClient resolves the request's client and puts it in the context.
func (s *Server) withClient(r *http.Request) *http.Request {
	c := resolveClient(r.RemoteAddr, r.TLS != nil, r.Header, s.proxies)
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, c))
}

// resolveClient works out the client from the direct peer's address (host:port), whether the
// connection is TLS, the request headers and the trusted proxy ranges. Forwarded headers are
// read only when the peer is trusted. X-Forwarded-For is walked from the right, since each proxy
// appends the address it saw and only the part written by trusted proxies can be believed: the
// client is the first address that is not a trusted proxy. An entry that is not an IP address
// stops the walk (the hop that wrote it is the client). X-Forwarded-Proto is taken from the
// proxy nearest to us (its last value).
func resolveClient(remoteAddr string, isTLS bool, h http.Header, trusted []netip.Prefix) client {
	peer := peerAddr(remoteAddr)
	c := client{addr: remoteAddr, secure: isTLS}
	if !peer.IsValid() {
		return c
	}
	c.addr = peer.String()
	if !isTrusted(peer, trusted) {
		return c
	}
	if proto := lastListValue(h.Values("X-Forwarded-Proto")); proto != "" {
		c.secure = strings.EqualFold(proto, "https")
	}
	hops := listValues(h.Values("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		a := hopAddr(hops[i])
		if !a.IsValid() {
			break
		}
		c.addr = a.String()
		if !isTrusted(a, trusted) {
			break
		}
	}
	return c
}

// peerAddr parses the IP of a host:port (or a bare IP).
func peerAddr(hostport string) netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// hopAddr parses an X-Forwarded-For entry: an IP address, or one with a port as some proxies
// write it ("192.0.2.1:4711", "[2001:db8::1]:4711").
func hopAddr(s string) netip.Addr {
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return a.Unmap().WithZone("")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	return netip.Addr{}
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// listValues splits comma-separated header values, over all the header's lines, trimmed.
func listValues(lines []string) []string {
	var out []string
	for _, l := range lines {
		for _, v := range strings.Split(l, ",") {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

func lastListValue(lines []string) string {
	vs := listValues(lines)
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}
