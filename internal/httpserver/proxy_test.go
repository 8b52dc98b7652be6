package httpserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func prefixes(t *testing.T, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestResolveClient(t *testing.T) {
	trusted := prefixes(t, "10.0.0.0/8", "2001:db8:1::/48")
	tests := []struct {
		name       string
		peer       string
		tls        bool
		xff, proto []string
		wantAddr   string
		wantSecure bool
	}{
		{"direct, no headers", "192.0.2.7:4000", false, nil, nil, "192.0.2.7", false},
		{"direct TLS", "192.0.2.7:4000", true, nil, nil, "192.0.2.7", true},
		{"untrusted peer's headers ignored", "192.0.2.7:4000", false, []string{"198.51.100.1"}, []string{"https"}, "192.0.2.7", false},
		{"untrusted peer cannot downgrade TLS", "192.0.2.7:4000", true, nil, []string{"http"}, "192.0.2.7", true},
		{"trusted proxy", "10.1.2.3:4000", false, []string{"198.51.100.1"}, []string{"https"}, "198.51.100.1", true},
		{"trusted proxy, http", "10.1.2.3:4000", false, []string{"198.51.100.1"}, []string{"http"}, "198.51.100.1", false},
		{"spoofed leftmost ignored", "10.1.2.3:4000", false, []string{"203.0.113.9, 198.51.100.1"}, nil, "198.51.100.1", false},
		{"chain of trusted proxies", "10.1.2.3:4000", false, []string{"203.0.113.9, 198.51.100.1, 10.9.9.9"}, nil, "198.51.100.1", false},
		{"several header lines", "10.1.2.3:4000", false, []string{"203.0.113.9", "198.51.100.1, 10.9.9.9"}, nil, "198.51.100.1", false},
		{"all trusted: leftmost", "10.1.2.3:4000", false, []string{"10.5.5.5, 10.9.9.9"}, nil, "10.5.5.5", false},
		{"garbage stops the walk", "10.1.2.3:4000", false, []string{"198.51.100.1, garbage, 10.9.9.9"}, nil, "10.9.9.9", false},
		{"garbage first hop: the proxy", "10.1.2.3:4000", false, []string{"unknown"}, nil, "10.1.2.3", false},
		{"hop with port", "10.1.2.3:4000", false, []string{"198.51.100.1:5555"}, nil, "198.51.100.1", false},
		{"IPv6 hop with port", "10.1.2.3:4000", false, []string{"[2001:db8:2::1]:5555"}, nil, "2001:db8:2::1", false},
		{"IPv6 trusted proxy", "[2001:db8:1::5]:443", false, []string{"2001:db8:2::1"}, []string{"https"}, "2001:db8:2::1", true},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:4000", false, []string{"198.51.100.1"}, nil, "198.51.100.1", false},
		{"last proto wins", "10.1.2.3:4000", false, nil, []string{"http, https"}, "10.1.2.3", true},
		{"unparsable peer kept as is", "@", false, []string{"198.51.100.1"}, nil, "@", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.xff {
				h.Add("X-Forwarded-For", v)
			}
			for _, v := range tt.proto {
				h.Add("X-Forwarded-Proto", v)
			}
			got := resolveClient(tt.peer, tt.tls, h, trusted)
			if got.addr != tt.wantAddr || got.secure != tt.wantSecure {
				t.Errorf("got %q secure %t, want %q secure %t", got.addr, got.secure, tt.wantAddr, tt.wantSecure)
			}
		})
	}
}

func FuzzResolveClient(f *testing.F) {
	f.Add("10.1.2.3:4000", "198.51.100.1, 10.9.9.9", "https")
	f.Add("[2001:db8:1::5]:443", "[2001:db8:2::1]:5555,,garbage", "http, https")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:1::/48")}
	f.Fuzz(func(t *testing.T, peer, xff, proto string) {
		h := http.Header{"X-Forwarded-For": {xff}, "X-Forwarded-Proto": {proto}}
		c := resolveClient(peer, false, h, trusted)
		p := peerAddr(peer)
		switch {
		case !p.IsValid():
			if c.addr != peer || c.secure {
				t.Fatalf("unparsable peer %q gave %+v", peer, c)
			}
		case !isTrusted(p, trusted):
			if c.addr != p.String() || c.secure {
				t.Fatalf("untrusted peer %q gave %+v", peer, c)
			}
		default:
			if _, err := netip.ParseAddr(c.addr); err != nil {
				t.Fatalf("client address %q is not an IP", c.addr)
			}
		}
	})
}

// TestClientInContext checks the middleware end to end: behind a trusted proxy, the forwarded
// address and scheme reach the handlers' context (and the auth-failure hook); served with TLS,
// IsSecure is true without any header.
func TestClientInContext(t *testing.T) {
	type seen struct {
		addr   string
		secure bool
	}
	got := make(chan seen, 1)
	probe := func(s *Server) {
		s.mux.HandleFunc("GET /probe", func(w http.ResponseWriter, r *http.Request) {
			got <- seen{ClientAddr(r.Context()), IsSecure(r.Context())}
		})
	}
	failures := make(chan string, 1)

	e := newEnv(t)
	addr := e.serveWith(func(c *Config) {
		c.TrustedProxies = prefixes(t, "127.0.0.0/8")
		c.OnAuthFailure = func(_ context.Context, a string) { failures <- a }
	})
	probe(e.server)
	req, _ := http.NewRequest("GET", "http://"+addr+"/probe", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.5, 198.51.100.1")
	req.Header.Set("X-Forwarded-Proto", "https")
	do(t, req)
	if s := <-got; s.addr != "198.51.100.1" || !s.secure {
		t.Errorf("behind a trusted proxy: %+v, want 198.51.100.1 secure", s)
	}
	bad := newUpload(t, "http://"+addr, multipartType, strings.NewReader(""))
	bad.Header.Set("Authorization", "Bearer cv_wrong")
	bad.Header.Set("X-Forwarded-For", "198.51.100.9")
	do(t, bad)
	if a := <-failures; a != "198.51.100.9" {
		t.Errorf("auth failure from %q, want the forwarded 198.51.100.9", a)
	}

	// Not trusted: the headers are ignored.
	e2 := newEnv(t)
	addr2 := e2.serveWith(func(c *Config) {})
	probe(e2.server)
	req, _ = http.NewRequest("GET", "http://"+addr2+"/probe", nil)
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	req.Header.Set("X-Forwarded-Proto", "https")
	do(t, req)
	if s := <-got; s.addr != "127.0.0.1" || s.secure {
		t.Errorf("without trusted proxies: %+v, want 127.0.0.1 not secure", s)
	}

	// TLS: secure.
	dir := t.TempDir()
	cert := writeCert(t, dir, 7)
	reloader, err := NewCertReloader(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	e3 := newEnv(t)
	addr3 := e3.serveWith(func(c *Config) { c.TLS = reloader })
	probe(e3.server)
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	resp, err := client.Get("https://" + addr3 + "/probe")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := <-got; s.addr != "127.0.0.1" || !s.secure {
		t.Errorf("over TLS: %+v, want 127.0.0.1 secure", s)
	}
}
