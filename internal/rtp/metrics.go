package rtp

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the recorder's counters. Any nil field is not counted.
type Metrics struct {
	Packets prometheus.Counter // RTP packets received
	Lost    prometheus.Counter // packets never received (counted when a stream ends)
	Late    prometheus.Counter // packets that arrived after their audio was written
	Dropped prometheus.Counter // packets discarded because the writer fell behind (ring full)
	Foreign prometheus.Counter // packets from a source other than the stream's, discarded
	Bytes   prometheus.Counter // bytes of WAV written

	SRTPAuthFailed prometheus.Counter // SRTP packets failing authentication, dropped
	SRTPReplayed   prometheus.Counter // SRTP packets replaying one already taken, dropped
}

func inc(c prometheus.Counter, n float64) {
	if c != nil && n > 0 {
		c.Add(n)
	}
}
