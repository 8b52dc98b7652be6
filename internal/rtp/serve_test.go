package rtp

import (
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/callvault/callvault/internal/audio/audiotest"
)

// serveStream starts Serve on a loopback socket and returns its address and a channel that
// gets each packet the stream takes.
func serveStream(t *testing.T, s *Stream) (net.Addr, <-chan struct{}) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	taken := make(chan struct{}, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(c, func(time.Time) { taken <- struct{}{} })
	}()
	t.Cleanup(func() { c.Close(); <-done })
	return c.LocalAddr(), taken
}

// discardStream returns a mu-law stream of a recorder that discards its audio.
func discardStream(t *testing.T) *Stream {
	t.Helper()
	r, err := NewRecorder(io.Discard, RecorderConfig{SampleRate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	return r.AddStream(Left, pcmu())
}

func sender(t *testing.T, from string, to net.Addr) net.Conn {
	t.Helper()
	la, err := net.ResolveUDPAddr("udp", from)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialUDP("udp", la, to.(*net.UDPAddr))
	if err != nil {
		t.Skipf("cannot send from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestServeLatchesTheFirstSource: without an address from the SDP the first source is taken;
// packets from any other port are counted as foreign and never reach the recording.
func TestServeLatchesTheFirstSource(t *testing.T) {
	s := discardStream(t)
	addr, taken := serveStream(t, s)
	a, b := sender(t, "127.0.0.1:0", addr), sender(t, "127.0.0.1:0", addr)
	p := audiotest.MuLawSignal(160, 1)
	a.Write(packet(t, 0, 1, 160, 1, p))
	<-taken
	b.Write(packet(t, 0, 7, 99999, 2, p)) // an intruder with its own SSRC
	a.Write(packet(t, 0, 2, 320, 1, p))
	<-taken // the reader handles packets in order: the intruder's came first
	if st := s.Stats(); st.Foreign != 1 || st.Packets != 2 || st.SSRCs != 0 {
		t.Errorf("stats %+v, want the intruder's packet foreign and no SSRC change", st)
	}
}

// TestServeLocksToTheOfferedAddress: with the offer's address known, a packet from another
// address is foreign even if it comes first; a new address (a re-INVITE) is taken again.
func TestServeLocksToTheOfferedAddress(t *testing.T) {
	s := discardStream(t)
	s.ExpectSource(netip.MustParseAddr("127.0.0.1"))
	addr, taken := serveStream(t, s)
	other := sender(t, "127.0.0.2:0", addr) // loopback, but not the offered address
	legit := sender(t, "127.0.0.1:0", addr)
	p := audiotest.MuLawSignal(160, 1)
	other.Write(packet(t, 0, 1, 160, 9, p))
	legit.Write(packet(t, 0, 1, 160, 1, p))
	<-taken
	if st := s.Stats(); st.Foreign != 1 || st.Packets != 1 {
		t.Errorf("stats %+v, want the packet from 127.0.0.2 foreign, the offered address's taken", st)
	}
	s.ExpectSource(netip.MustParseAddr("127.0.0.2")) // the media moved
	legit.Write(packet(t, 0, 2, 320, 1, p))
	other.Write(packet(t, 0, 2, 320, 9, p))
	<-taken
	if st := s.Stats(); st.Foreign != 2 || st.Packets != 2 {
		t.Errorf("stats %+v, want the old address foreign after the move, the new one taken", st)
	}
}

// TestServeTakesSignallingAddressBehindNAT: an SBC behind NAT offers a private address it cannot
// be reached at and sends from its signalling address; media from that address is taken, media
// from anywhere else is not.
func TestServeTakesSignallingAddressBehindNAT(t *testing.T) {
	s := discardStream(t)
	s.ExpectSource(netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("127.0.0.1"))
	addr, taken := serveStream(t, s)
	other := sender(t, "127.0.0.2:0", addr)
	natted := sender(t, "127.0.0.1:0", addr)
	p := audiotest.MuLawSignal(160, 1)
	other.Write(packet(t, 0, 1, 160, 9, p))
	natted.Write(packet(t, 0, 1, 160, 1, p))
	<-taken
	if st := s.Stats(); st.Foreign != 1 || st.Packets != 1 {
		t.Errorf("stats %+v, want the signalling address's packet taken and 127.0.0.2's foreign", st)
	}
}

// TestServeRelatchesWhenTheMediaMoves: a re-INVITE moves the media to another port of the same
// address. While the old port still sends, the new one is foreign (two senders never take turns);
// once the old port has been silent for RelatchAfter, the new one is taken.
func TestServeRelatchesWhenTheMediaMoves(t *testing.T) {
	s := discardStream(t)
	s.ExpectSource(netip.MustParseAddr("127.0.0.1"))
	addr, taken := serveStream(t, s)
	first := sender(t, "127.0.0.1:0", addr)
	moved := sender(t, "127.0.0.1:0", addr)
	p := audiotest.MuLawSignal(160, 1)
	first.Write(packet(t, 0, 1, 160, 1, p))
	<-taken
	sent := time.Now()
	moved.Write(packet(t, 0, 2, 320, 1, p)) // at once: the old port was sending
	first.Write(packet(t, 0, 2, 320, 1, p))
	<-taken
	if time.Since(sent) < RelatchAfter {
		if st := s.Stats(); st.Foreign != 1 || st.Packets != 2 {
			t.Errorf("stats %+v, want the new port foreign while the old one sends", st)
		}
	}
	time.Sleep(RelatchAfter + 50*time.Millisecond) // the old port falls silent
	moved.Write(packet(t, 0, 3, 480, 1, p))
	<-taken
	if st := s.Stats(); st.Packets != 3 {
		t.Errorf("stats %+v, want the new port taken after the old one fell silent", st)
	}
}
