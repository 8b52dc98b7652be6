package siprec

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/callvault/callvault/internal/rtp"
)

// metrics are the server's Prometheus collectors.
type metrics struct {
	active    prometheus.Gauge
	finalised prometheus.Counter
	errors    *prometheus.CounterVec
	rtp       rtp.Metrics
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		active: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "callvault", Subsystem: "siprec",
			Name: "active_sessions", Help: "Recording sessions in progress."}),
		finalised: prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
			Name: "recordings_finalised_total", Help: "Recordings committed to the archive."}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
			Name: "errors_total", Help: "Errors and rejected requests, by kind."}, []string{"kind"}),
	}
	packets := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
		Name: "rtp_packets_received_total", Help: "RTP packets received."})
	lost := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
		Name: "rtp_packets_lost_total", Help: "RTP packets never received (counted when a stream ends)."})
	late := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
		Name: "rtp_packets_late_total", Help: "RTP packets that arrived after their audio was written."})
	dropped := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
		Name: "rtp_packets_dropped_total", Help: "RTP packets discarded because the archive fell behind (the call's buffer was full)."})
	foreign := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
		Name: "rtp_packets_foreign_total", Help: "RTP packets from a source other than the stream's, discarded."})
	bytes := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
		Name: "audio_bytes_written_total", Help: "Bytes of WAV audio streamed to the archive."})
	authFailed := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
		Name: "srtp_auth_failures_total", Help: "SRTP packets that failed authentication (wrong key, forged or damaged), dropped."})
	replayed := prometheus.NewCounter(prometheus.CounterOpts{Namespace: "callvault", Subsystem: "siprec",
		Name: "srtp_replays_total", Help: "SRTP packets replaying one already received, dropped."})
	m.rtp = rtp.Metrics{Packets: packets, Lost: lost, Late: late, Dropped: dropped, Foreign: foreign, Bytes: bytes,
		SRTPAuthFailed: authFailed, SRTPReplayed: replayed}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.active, m.finalised, m.errors, packets, lost, late, dropped, foreign, bytes, authFailed, replayed} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// Error kinds counted in errors_total.
const (
	errBadRequest  = "bad_request"
	errUnsupported = "unsupported"
	errForbidden   = "forbidden"
	errDeclinedPCI = "declined_pci"
	errNoPorts     = "no_ports"
	errIngest      = "ingest"
	errRTPTimeout  = "rtp_timeout"
	errNoSession   = "no_session"
	errGlare       = "glare"
	errAborted     = "aborted"
	errMalformed   = "malformed"    // refused by the gate before sipgo (see admit)
	errTooMany     = "too_many"     // a per-source limit: connections or unacknowledged sessions
	errConnTimeout = "conn_timeout" // a connection closed idle or with a message not complete in time
)

func (m *metrics) error(kind string) { m.errors.WithLabelValues(kind).Inc() }
