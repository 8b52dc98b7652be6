package main

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsConnectionsHaveDeadlines: the metrics listener keeps the deadline policy of the
// API's: a request whose body stalls, a half-sent request and a kept-alive connection without
// a next request are all closed within the configured timeouts.
func TestMetricsConnectionsHaveDeadlines(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ReadHeaderTimeout, cfg.BodyTimeout, cfg.IdleTimeout = 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	url, stop, err := serveMetrics("127.0.0.1:0", prometheus.NewRegistry(), slog.New(slog.DiscardHandler), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/metrics")
	for name, raw := range map[string]string{
		"stalled body": "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nxyz",
		"half headers": "GET /metrics HTTP/1.1\r\nHost: x\r\n",
		"idle":         "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, raw)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Errorf("%s: %v, want the connection closed by the server", name, err)
		}
	}
}
