package rtp

import (
	"net"
	"net/netip"
	"time"
)

// ExpectSource restricts the stream to media from addr, the connection address of the SDP
// offer. Without it (or with an invalid addr, for an offer whose address is 0.0.0.0 or a host
// name) the first source to send is latched. Either way the stream then takes packets from
// one address and port only, so that nobody else who can reach the port can splice audio into
// the recording or force re-anchors with a foreign SSRC. The port is latched rather than
// taken from the SDP because a sendonly m-line's port is where the client would receive, and
// many clients send from another one (symmetric RTP, RFC 4961, is only recommended). A new
// address (a re-INVITE moving the media) latches again.
func (s *Stream) ExpectSource(addr netip.Addr) {
	addr = addr.Unmap()
	if cur := s.expect.Load(); cur != nil && *cur == addr {
		return
	}
	s.expect.Store(&addr)
}

// foreign counts a packet from a source other than the stream's.
func (s *Stream) foreign() {
	s.r.mu.Lock()
	s.stats.Foreign++
	inc(s.r.metrics.Foreign, 1)
	s.r.mu.Unlock()
}

// Serve reads packets from conn into s until conn is closed, calling seen (if not nil) with the
// arrival time of each packet taken. It is the stream's only writer. Packets from sources
// other than the stream's (see ExpectSource) are counted as Foreign and discarded.
func (s *Stream) Serve(conn *net.UDPConn, seen func(time.Time)) {
	buf := make([]byte, 2048)
	var (
		want    *netip.Addr    // the ExpectSource value the latch belongs to
		latched netip.AddrPort // the one source taken; invalid until the first packet
	)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		if e := s.expect.Load(); e != want {
			want, latched = e, netip.AddrPort{}
		}
		switch {
		case want != nil && want.IsValid() && from.Addr() != *want:
			s.foreign()
			continue
		case !latched.IsValid():
			latched = from
		case from != latched:
			s.foreign()
			continue
		}
		now := time.Now()
		s.Write(buf[:n], now)
		if seen != nil {
			seen(now)
		}
	}
}
