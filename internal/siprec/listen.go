package siprec

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"math"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// sipgo reads each datagram into a buffer of this size; its default (32 KiB) silently cut
// larger messages (which then failed to parse). 65535 holds any UDP datagram, so that a body
// up to MaxBodyBytes arrives whole, and one over it is answered 513.
func init() { sip.TransportBufferReadSize = math.MaxUint16 }

// maxHeaderBytes bounds the header block of a message on a stream transport.
const maxHeaderBytes = 32 << 10

// The gate is what every datagram and connection meets before sipgo sees it (one deadline
// and admission policy for every transport): the allow-list, per-source connection caps,
// deadlines on every read and write of a connection, the framing of stream messages with
// their size limits, and a parse and check of every message. A message that fails is answered
// 400 or 513 when it can be (statelessly: it never reaches a transaction) and logged as one
// rate-limited line without its content. sipgo parses again what the gate lets through.

// sourceAddr returns the IP address of a network address, unmapped; invalid if it has none.
func sourceAddr(a net.Addr) netip.Addr {
	if a == nil {
		return netip.Addr{}
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// allowedAddr reports whether ip may send recordings (see Config.AllowFrom).
func (s *Server) allowedAddr(ip netip.Addr) bool {
	if len(s.cfg.AllowFrom) == 0 {
		return true
	}
	if !ip.IsValid() {
		return false
	}
	for _, p := range s.cfg.AllowFrom {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// admit parses and checks one whole message from source. It reports whether sipgo may have
// it; when not, it has counted and logged the refusal and sent reply (if not nil) a response
// when the message is a request that can be answered.
//
// An in-dialog request of a live session that comes from another address (UDP) or connection
// (TCP/TLS) than the one that set the dialog up is refused here, 403, before sipgo sees it:
// sipgo would otherwise take the request's Via as where the dialog's responses go, and a forged
// request over a second connection, once that connection closed, would leave the real dialog's
// answers with nowhere to go.
func (s *Server) admit(data []byte, transport, source string, reply func([]byte)) bool {
	if len(bytes.Trim(data, "\r\n\x00")) == 0 {
		return true // keep-alive
	}
	msg, err := s.parser.ParseSIP(data)
	if err != nil {
		reason := parseReason(err)
		code, text := 400, "Bad Request"
		if errors.Is(err, sip.ErrMessageTooLarge) {
			code, text = 513, "Message Too Large"
		}
		s.refuse(data, source, code, text, reason, reply)
		return false
	}
	if req, ok := msg.(*sip.Request); ok {
		if err := checkRequest(req); err != nil {
			s.refuse(data, source, 400, "Bad Request", err.Error(), reply)
			return false
		}
		if !s.fromDialogOrigin(req, transport, source) {
			s.metrics.error(errForbidden)
			s.refused("siprec: in-dialog request from another origin", source, len(data), "not where the dialog was set up", "status", 403, "method", string(req.Method))
			if reply != nil {
				head := data
				if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
					head = head[:i]
				}
				if res := statelessResponse(head, 403, "Forbidden", "in-dialog request from another address or connection than the dialog's"); res != nil {
					reply(res)
				}
			}
			return false
		}
	}
	return true
}

// fromDialogOrigin reports whether req, arriving over transport from source, may reach the
// session it names: true unless it is an in-dialog request (a To tag) of a live session that
// was set up from elsewhere (see session.fromOrigin).
func (s *Server) fromDialogOrigin(req *sip.Request, transport, source string) bool {
	if h := req.To(); h == nil {
		return true
	} else if tag, _ := h.Params.Get("tag"); tag == "" {
		return true
	}
	id := req.CallID()
	if id == nil {
		return true
	}
	s.mu.Lock()
	ss := s.sessions[id.Value()]
	s.mu.Unlock()
	if ss == nil {
		return true // sipgo's handlers answer 481
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.dlg.transport == "" || ss.fromOrigin(transport, source)
}

// refuse counts, logs and (when it can) answers a message the gate does not let through.
func (s *Server) refuse(data []byte, source string, code int, text, reason string, reply func([]byte)) {
	s.metrics.error(errMalformed)
	s.refused("siprec: SIP message refused", source, len(data), reason, "status", code)
	if reply == nil {
		return
	}
	head := data
	if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
		head = head[:i]
	}
	if res := statelessResponse(head, code, text, reason); res != nil {
		reply(res)
	}
}

// gatedPacketConn is the UDP socket as sipgo sees it: datagrams from addresses outside the
// allow-list are dropped unread, and malformed ones refused.
type gatedPacketConn struct {
	net.PacketConn
	s *Server
}

func (c *gatedPacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(b)
		if err != nil {
			return n, addr, err
		}
		if !c.s.allowedAddr(sourceAddr(addr)) {
			c.s.metrics.error(errForbidden)
			c.s.refused("siprec: datagram from a source not allowed", addr.String(), n, "not in the allow-list")
			continue
		}
		reply := func(res []byte) { c.PacketConn.WriteTo(res, addr) } // (a datagram's write does not block)
		if c.s.admit(b[:n], "UDP", addr.String(), reply) {
			return n, addr, nil
		}
	}
}

// gatedListener accepts TCP connections (and does the TLS handshake over them) for sipgo:
// connections from addresses outside the allow-list are closed at once, as are those beyond
// MaxConnsPerSource from one address.
type gatedListener struct {
	net.Listener
	s         *Server
	tls       *tls.Config // nil for plain TCP
	transport string      // "TCP" or "TLS", as sipgo names it

	mu    sync.Mutex
	conns map[netip.Addr]int
}

func (s *Server) gateListener(l net.Listener, tlsConfig *tls.Config) *gatedListener {
	g := &gatedListener{Listener: l, s: s, tls: tlsConfig, transport: "TCP", conns: map[netip.Addr]int{}}
	if tlsConfig != nil {
		g.transport = "TLS"
	}
	return g
}

func (l *gatedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := sourceAddr(c.RemoteAddr())
		if !l.s.allowedAddr(ip) {
			l.s.metrics.error(errForbidden)
			l.s.refused("siprec: connection from a source not allowed", c.RemoteAddr().String(), 0, "not in the allow-list")
			c.Close()
			continue
		}
		l.mu.Lock()
		n := l.conns[ip]
		if n >= l.s.cfg.MaxConnsPerSource {
			l.mu.Unlock()
			l.s.metrics.error(errTooMany)
			l.s.refused("siprec: connection refused", c.RemoteAddr().String(), 0, "too many connections from this address", "limit", l.s.cfg.MaxConnsPerSource)
			c.Close()
			continue
		}
		l.conns[ip] = n + 1
		l.mu.Unlock()
		inner := c
		if l.tls != nil {
			inner = tls.Server(c, l.tls)
		}
		now := time.Now()
		return &gatedConn{Conn: inner, l: l, ip: ip, remote: c.RemoteAddr().String(), buf: make([]byte, 16<<10), started: now, msgStart: now, first: true}, nil
	}
}

func (l *gatedListener) release(ip netip.Addr) {
	l.mu.Lock()
	if l.conns[ip]--; l.conns[ip] <= 0 {
		delete(l.conns, ip)
	}
	l.mu.Unlock()
}

// gatedConn is a SIP stream connection as sipgo sees it. It frames messages itself (by
// Content-Length, RFC 3261 section 18.3) and hands sipgo whole, checked messages only. Every
// read has a deadline: a message (and, on a new connection, the TLS handshake and the first
// message) must arrive whole within MessageTimeout of its first byte; between messages the
// connection may stay idle IdleTimeout, or for as long as a dialog it set up is live (the
// dialog's in-dialog requests come over it, see inDialog). Every write has a deadline too.
type gatedConn struct {
	net.Conn
	l      *gatedListener
	ip     netip.Addr
	remote string

	closeOnce sync.Once

	// read state (sipgo reads from one goroutine)
	buf      []byte
	out      [][]byte // what sipgo has yet to read: whole messages and keep-alives
	err      error    // returned once out is drained
	msg      []byte   // the message being framed
	headEnd  int      // length of its header block with the blank line; 0 until seen
	need     int      // total length of the message once its header block is known
	started  time.Time
	msgStart time.Time // when the current message's first byte came
	first    bool      // no whole message yet
}

func (c *gatedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() { c.l.release(c.ip) })
	return err
}

func (c *gatedConn) Write(b []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.l.s.cfg.MessageTimeout))
	return c.Conn.Write(b)
}

func (c *gatedConn) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		c.fill()
	}
	n := copy(p, c.out[0])
	if n == len(c.out[0]) {
		c.out = c.out[1:]
	} else {
		c.out[0] = c.out[0][n:]
	}
	return n, nil
}

// fill reads once from the connection and frames what came.
func (c *gatedConn) fill() {
	s := c.l.s
	inMessage := len(c.msg) > 0 || c.first
	deadline := time.Now().Add(s.cfg.IdleTimeout)
	if inMessage {
		deadline = c.msgStart.Add(s.cfg.MessageTimeout)
	}
	c.Conn.SetReadDeadline(deadline)
	n, err := c.Conn.Read(c.buf)
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if !inMessage && s.dialogOn(c.l.transport, c.remote) {
				return // kept open for its dialog: read on
			}
			reason := "idle"
			if inMessage {
				reason = "message not complete in time"
				if c.first && len(c.msg) == 0 {
					reason = "nothing sent in time"
				}
			}
			s.metrics.error(errConnTimeout)
			s.refused("siprec: SIP connection closed", c.remote, len(c.msg), reason, "transport", c.l.transport)
			c.Close()
			c.err = io.EOF
			return
		}
		c.err = err
		return
	}
	c.frame(c.buf[:n])
}

// frame splits data into keep-alives and messages, queueing for sipgo those that pass admit.
func (c *gatedConn) frame(data []byte) {
	s := c.l.s
	for len(data) > 0 && c.err == nil {
		if len(c.msg) == 0 {
			// Between messages: CRLF keep-alives (RFC 5626 section 3.5.1) go to sipgo as they are.
			i := 0
			for i < len(data) && (data[i] == '\r' || data[i] == '\n') {
				i++
			}
			if i > 0 {
				c.out = append(c.out, bytes.Clone(data[:i]))
				data = data[i:]
				continue
			}
			if !c.first {
				c.msgStart = time.Now()
			}
		}
		if c.headEnd == 0 {
			take := min(len(data), maxHeaderBytes+4-len(c.msg))
			from := max(0, len(c.msg)-3)
			c.msg = append(c.msg, data[:take]...)
			data = data[take:]
			end := headerEnd(c.msg[from:])
			if end < 0 {
				if len(c.msg) >= maxHeaderBytes {
					c.fail(513, "Message Too Large", "header block too large")
				}
				continue
			}
			c.headEnd = from + end
			length, ok := contentLength(c.msg[:c.headEnd])
			switch {
			case !ok:
				c.fail(400, "Bad Request", "malformed or missing Content-Length")
				continue
			case length > s.cfg.MaxBodyBytes:
				c.fail(513, "Message Too Large", "body over the limit")
				continue
			}
			c.need = c.headEnd + length
			// Bytes past the header block that were appended belong to the body or the next
			// message: give back what is beyond this message.
			if len(c.msg) > c.need {
				extra := c.msg[c.need:]
				data = append(bytes.Clone(extra), data...)
				c.msg = c.msg[:c.need]
			}
		}
		if len(c.msg) < c.need {
			take := min(len(data), c.need-len(c.msg))
			c.msg = append(c.msg, data[:take]...)
			data = data[take:]
		}
		if len(c.msg) == c.need {
			msg := c.msg
			c.msg, c.headEnd, c.need, c.first = nil, 0, 0, false
			if s.admit(msg, c.l.transport, c.remote, c.reply) {
				c.out = append(c.out, msg)
			}
		}
	}
}

// fail answers the message being framed (when it can) and closes the connection: the stream
// cannot be framed past it.
func (c *gatedConn) fail(code int, text, reason string) {
	head := c.msg
	if c.headEnd > 0 {
		head = c.msg[:c.headEnd]
	}
	c.l.s.refuse(head, c.remote, code, text, reason, c.reply)
	c.Close()
	c.msg, c.err = nil, io.EOF
}

func (c *gatedConn) reply(res []byte) { c.Write(res) }

// headerEnd returns the length of the header block in b including its blank line (CRLF CRLF
// or, leniently, LF LF), or -1.
func headerEnd(b []byte) int {
	i, j := bytes.Index(b, []byte("\r\n\r\n")), bytes.Index(b, []byte("\n\n"))
	switch {
	case i >= 0 && (j < 0 || i+2 <= j):
		return i + 4
	case j >= 0:
		return j + 2
	}
	return -1
}

// contentLength returns the Content-Length (or compact "l") of a header block: required on a
// stream transport (RFC 3261 section 18.3), a decimal number, given once. sipgo frames again
// what the gate lets through, and takes the last of several Content-Length headers: were the
// gate to read a header block differently, a message hidden in another's body would reach sipgo
// unchecked. So a second Content-Length makes the header block malformed, and a folded line
// (RFC 3261 section 7.3.1) continues the header before it, as sipgo reads it.
func contentLength(head []byte) (int, bool) {
	n, found := 0, false
	for i, line := range strings.Split(string(head), "\r\n") { // sipgo's lines end with CRLF only
		if i > 0 && (strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")) {
			continue // a folded line: part of the header before it
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "content-length" && name != "l" {
			continue
		}
		value = strings.TrimSpace(value)
		v, err := strconv.Atoi(value)
		if err != nil || v < 0 || strings.HasPrefix(value, "+") || found {
			return 0, false
		}
		n, found = v, true
	}
	return n, found
}
