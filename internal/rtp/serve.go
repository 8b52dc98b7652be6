package rtp

import (
	"net"
	"net/netip"
	"slices"
	"time"
)

// ExpectSource restricts the stream to media from one of addrs: the connection address of the
// SDP offer and the address the SIP session came from (an SBC behind NAT may advertise a
// private address it cannot be reached at, but then sends from the signalling address). Invalid
// addresses (an offer whose address is 0.0.0.0 or a host name) are ignored; with none left the
// first source to send is latched. Either way the stream then takes packets from one address
// and port only, so that nobody else who can reach the port can splice audio into the
// recording or force re-anchors with a foreign SSRC. The port is latched rather than taken from
// the SDP because a sendonly m-line's port is where the client would receive, and many clients
// send from another one (symmetric RTP, RFC 4961, is only recommended). New addresses (a
// re-INVITE moving the media) latch again; so does a new port of an expected address once the
// latched source has been silent for RelatchAfter (a re-INVITE that moved the media to another
// port of the same host), never while it is still sending.
func (s *Stream) ExpectSource(addrs ...netip.Addr) {
	var want []netip.Addr
	for _, a := range addrs {
		if a = a.Unmap(); a.IsValid() && !a.IsUnspecified() && !slices.Contains(want, a) {
			want = append(want, a)
		}
	}
	if cur := s.expect.Load(); cur != nil && slices.Equal(*cur, want) {
		return
	}
	s.expect.Store(&want)
}

// foreign counts a packet from a source other than the stream's.
func (s *Stream) foreign() {
	s.r.mu.Lock()
	s.stats.Foreign++
	inc(s.r.metrics.Foreign, 1)
	s.r.mu.Unlock()
}

// RelatchAfter is how long the latched source must have been silent before a packet from
// another port of an expected address takes its place.
const RelatchAfter = 250 * time.Millisecond

// Serve reads packets from conn into s until conn is closed, calling seen (if not nil) with the
// arrival time of each packet taken. It is the stream's only writer. Packets from sources
// other than the stream's (see ExpectSource) are counted as Foreign and discarded. With SRTP
// keys set (SetSRTP) each packet is authenticated and decrypted before it is written.
func (s *Stream) Serve(conn *net.UDPConn, seen func(time.Time)) {
	buf := make([]byte, 2048)
	sr := &srtpReader{s: s, buf: make([]byte, 2048)}
	var (
		want    *[]netip.Addr  // the ExpectSource value the latch belongs to
		latched netip.AddrPort // the one source taken; invalid until the first packet
		last    time.Time      // when the latched source last sent
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
		was := latched
		switch {
		case want != nil && len(*want) > 0 && !slices.Contains(*want, from.Addr()):
			s.foreign()
			continue
		case !latched.IsValid():
			latched = from
		case from != latched && (want == nil || len(*want) == 0 || time.Since(last) < RelatchAfter):
			s.foreign()
			continue
		case from != latched:
			latched = from // the media moved to another port of the same host
		}
		pkt := buf[:n]
		if k := s.srtp.Load(); k != nil {
			var ok bool
			if pkt, ok = sr.read(k, pkt); !ok {
				latched = was // only an authenticated packet may latch its source
				continue
			}
		}
		now := time.Now()
		last = now
		s.Write(pkt, now)
		if seen != nil {
			seen(now)
		}
	}
}
