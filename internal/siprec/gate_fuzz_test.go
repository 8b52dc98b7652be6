package siprec

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// discardConn is a connection whose writes go nowhere, for driving the gate's framing.
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error)       { return len(b), nil }
func (discardConn) Close() error                      { return nil }
func (discardConn) SetWriteDeadline(time.Time) error  { return nil }
func (discardConn) RemoteAddr() net.Addr              { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060} }
func (discardConn) LocalAddr() net.Addr               { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5061} }
func (discardConn) SetReadDeadline(t time.Time) error { return nil }
func (discardConn) SetDeadline(t time.Time) error     { return nil }
func (discardConn) Read(b []byte) (n int, err error)  { return 0, net.ErrClosed }

// FuzzStreamFraming: whatever bytes arrive, in whatever pieces, the gate hands sipgo only
// keep-alives and whole messages that parse, each framed as sipgo's stream parser frames it
// (nothing can hide in a body to reach sipgo unchecked), never holds more than one message's
// limit, and never panics.
func FuzzStreamFraming(f *testing.F) {
	invite := "INVITE sip:srs@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n" +
		"To: <sip:srs@x>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n"
	f.Add([]byte(invite+"\r\n\r\n"+invite), 7)
	f.Add([]byte(strings.Replace(invite, "Content-Length: 4", "Content-Length: -4", 1)), 100)
	f.Add([]byte(strings.Replace(invite, "Content-Length: 4", "l: 99999999", 1)), 3)
	f.Add([]byte("\r\n\r\nGARBAGE\n\nmore"), 1)
	f.Add([]byte(strings.Replace(invite, "Content-Length: 4", "Content-Length: 4\r\nl: 0", 1)), 50)
	f.Add([]byte(strings.Replace(invite, "Content-Length: 4", "X: y\r\n Content-Length: 4", 1)), 50)
	srv, err := New(Config{Archive: newFakeArchive(), UDPAddr: "127.0.0.1:0", MediaIP: "127.0.0.1", MaxBodyBytes: 1 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk int) {
		chunk = max(1, chunk%4096)
		l := srv.gateListener(nil, nil)
		c := &gatedConn{Conn: discardConn{}, l: l, remote: "127.0.0.1:5060", first: true, msgStart: time.Now()}
		for len(data) > 0 && c.err == nil {
			n := min(chunk, len(data))
			c.frame(data[:n])
			data = data[n:]
			if len(c.msg) > maxHeaderBytes+4+srv.cfg.MaxBodyBytes {
				t.Fatalf("holding %d bytes of one message", len(c.msg))
			}
		}
		for _, seg := range c.out {
			if len(bytes.Trim(seg, "\r\n")) == 0 {
				continue
			}
			if _, err := srv.parser.ParseSIP(seg); err != nil {
				t.Fatalf("handed sipgo a message that does not parse (%v): %q", err, seg)
			}
			if _, n, err := srv.parser.Parse(seg, true); err != nil || n != len(seg) {
				t.Fatalf("sipgo frames %d of the %d bytes handed to it as one message (%v): %q", n, len(seg), err, seg)
			}
		}
	})
}

// FuzzStatelessResponse: a response built from any header block is one well-formed header
// block: no line of the request can inject a header or end it early.
func FuzzStatelessResponse(f *testing.F) {
	f.Add([]byte("INVITE sip:a@b SIP/3.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\nCall-ID: x\r\nCSeq: 1 BYE\r\nTo: <sip:b>"), "bad")
	f.Add([]byte("OPTIONS sip:a SIP/2.0\nv: SIP/2.0/UDP h\ni: y\nf: <sip:c>;tag=1\nt: <sip:d>;tag=2"), "x\r\nInjected: 1")
	f.Fuzz(func(t *testing.T, head []byte, warning string) {
		res := statelessResponse(head, 400, "Bad Request", warning)
		if res == nil {
			return
		}
		s := string(res)
		if !strings.HasPrefix(s, "SIP/2.0 400 Bad Request\r\n") || !strings.HasSuffix(s, "\r\nContent-Length: 0\r\n\r\n") {
			t.Fatalf("malformed response %q", s)
		}
		lines := strings.Split(strings.TrimSuffix(s, "\r\n\r\n"), "\r\n")
		for _, l := range lines[1:] {
			name, _, ok := strings.Cut(l, ": ")
			switch {
			case !ok || strings.ContainsAny(l, "\r\n"):
				t.Fatalf("line %q in %q", l, s)
			case name != "Via" && name != "From" && name != "To" && name != "Call-ID" && name != "CSeq" && name != "Warning" && name != "Content-Length":
				t.Fatalf("header %q copied into %q", name, s)
			}
		}
	})
}

// BenchmarkGate measures what the gate adds per message: its parse and checks of an INVITE
// of a recording session, against sipgo's own parse of it (which follows in any case).
func BenchmarkGate(b *testing.B) {
	srv, err := New(Config{Archive: newFakeArchive(), UDPAddr: "127.0.0.1:0", MediaIP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	body := multipartBody(crlf(sdpOffer("sendonly", "96", "97")), string(readTestdata(b, "rfc7865.xml")))
	msg := []byte("INVITE sip:srs@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n" +
		"To: <sip:srs@x>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@127.0.0.1>;+sip.src\r\nRequire: siprec\r\n" +
		"Content-Type: multipart/mixed;boundary=b\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	b.Run("baseline sipgo parse", func(b *testing.B) {
		for b.Loop() {
			if _, err := srv.parser.ParseSIP(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gate admit", func(b *testing.B) {
		for b.Loop() {
			if !srv.admit(msg, "UDP", "127.0.0.1:5060", nil) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("gate framing (TCP) and admit", func(b *testing.B) {
		l := srv.gateListener(nil, nil)
		c := &gatedConn{Conn: discardConn{}, l: l, remote: "127.0.0.1:5060", first: true, msgStart: time.Now()}
		for b.Loop() {
			c.frame(msg)
			if len(c.out) != 1 {
				b.Fatal("not framed")
			}
			c.out = c.out[:0]
		}
	})
}
