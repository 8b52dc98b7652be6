package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveMetrics serves the registry at /metrics on its own listener, apart from the API, so that
// it can stay on a private network. The metrics hold counts only: no numbers, names or ids. Its
// connections keep the API's deadlines (cfg): a request, body included, must arrive within the
// header and body timeouts (a scrape sends no body, and net/http's drain of one that was
// announced is bounded too), and a kept-alive connection is closed after the idle timeout.
func serveMetrics(addr string, reg *prometheus.Registry, log *slog.Logger, cfg *Config) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, &usageError{msg: fmt.Sprintf("cannot listen for metrics on %s: %v", addr, err), hint: "choose another address with --metrics"}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadHeaderTimeout + cfg.BodyTimeout,
		IdleTimeout:       cfg.IdleTimeout,
	}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error("metrics server", "err", err)
		}
	}()
	return httpURL(ln.Addr()) + "/metrics", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, nil
}

// registerRetentionMetrics adds the retention gauges, read from the catalogue at each scrape:
// callvault_retention_sweep_healthy turns 0 when sweeps have failed (or not succeeded) for
// longer than sweep_fail_after, callvault_retention_expired_recordings counts recordings past
// retention that no hold keeps (zero after a sweep).
func (m *Main) registerRetentionMetrics(reg prometheus.Registerer) {
	r, err := m.retentionStatus()
	if err != nil {
		return
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "callvault_retention_sweep_healthy",
		Help: "1 while retention sweeps succeed; 0 when they have failed or not succeeded for longer than sweep_fail_after.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if m.sweepHealth(ctx, r) != nil {
			return 0
		}
		return 1
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "callvault_retention_expired_recordings",
		Help: "Recordings past their retention that no hold keeps and that are not deleted yet.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		st, err := r.Store.RetentionStats(ctx, time.Now())
		if err != nil {
			return -1
		}
		return float64(st.Expired)
	}))
}
