package siprec

import (
	"strconv"
	"strings"

	"github.com/callvault/callvault"
)

// The lenient SDP reader. Session recording clients in the field send SDP that a strict RFC 4566
// parser refuses although the media is perfectly recordable: no t= line (the OpenSIPS siprec
// module), a c= line only per m-line, LF-only line ends, trailing or doubled spaces, unknown
// line types and attributes. The recorder needs only the m-lines, the connection addresses,
// the directions, the rtpmaps and the labels, so it reads just those and ignores the rest. It
// refuses only what leaves nothing to record: no readable m-line at all, or too many of them.

// maxSDPLines bounds the lines of an offer: a recording session's offer has a few dozen.
const maxSDPLines = 1000

// sdpDesc is what the reader takes from an SDP body.
type sdpDesc struct {
	conn  *sdpConn // session-level c=, nil if absent
	attrs []sdpAttr
	media []*sdpMedia
}

// sdpMedia is one m-line with the c= and a= lines under it.
type sdpMedia struct {
	media   string   // "audio", "video", ...; "" if the m-line is unreadable
	port    int      // 0 if the m-line is unreadable or removes the stream
	proto   string   // e.g. "RTP/AVP"
	formats []string // payload types in order of preference
	conn    *sdpConn // media-level c=, nil if absent
	attrs   []sdpAttr
}

// sdpConn is a c= line: its address without TTL or count ("" if unreadable).
type sdpConn struct{ addr string }

// sdpAttr is an a= line: "a=key:value" or the property "a=key".
type sdpAttr struct{ key, value string }

// attribute returns the value of the first attribute named key and whether there is one.
func attribute(attrs []sdpAttr, key string) (string, bool) {
	for _, a := range attrs {
		if a.key == key {
			return a.value, true
		}
	}
	return "", false
}

// readSDP reads an SDP body leniently (see above). It returns KindInvalid only for a body with
// no readable m-line, or with more than maxMediaLines or maxSDPLines.
func readSDP(b []byte) (*sdpDesc, error) {
	d := &sdpDesc{}
	var cur *sdpMedia
	lines := 0
	for rest := string(b); rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSpace(line) // also drops the \r of CRLF
		if line == "" {
			continue
		}
		if lines++; lines > maxSDPLines {
			return nil, callvault.Errorf(callvault.KindInvalid, "SDP offer has more than %d lines", maxSDPLines)
		}
		typ, value, ok := strings.Cut(line, "=")
		typ = strings.TrimSpace(typ)
		if !ok || len(typ) != 1 {
			continue // not an SDP line; nothing the recorder needs
		}
		value = strings.TrimSpace(value)
		switch typ[0] {
		case 'm':
			if len(d.media) == maxMediaLines {
				return nil, callvault.Errorf(callvault.KindInvalid, "SDP offer has more than %d m-lines", maxMediaLines)
			}
			cur = readMediaLine(value)
			d.media = append(d.media, cur)
		case 'c':
			c := readConnLine(value)
			switch {
			case cur != nil:
				cur.conn = c
			case d.conn == nil:
				d.conn = c
			}
		case 'a':
			key, val, _ := strings.Cut(value, ":")
			a := sdpAttr{key: strings.ToLower(strings.TrimSpace(key)), value: strings.TrimSpace(val)}
			if cur != nil {
				cur.attrs = append(cur.attrs, a)
			} else {
				d.attrs = append(d.attrs, a)
			}
		}
	}
	if len(d.media) == 0 {
		return nil, callvault.Errorf(callvault.KindInvalid, "SDP offer has no m-line")
	}
	for _, m := range d.media {
		if m.media != "" {
			return d, nil
		}
	}
	return nil, callvault.Errorf(callvault.KindInvalid, "no m-line of the SDP offer reads as \"m=<media> <port> <proto> <formats>\"")
}

// readMediaLine reads "audio 49170[/2] RTP/AVP 0 8 101". An unreadable line gives an m-line with
// port 0, which the answer declines (an answer has one m-line per offered one, RFC 3264).
func readMediaLine(v string) *sdpMedia {
	f := strings.Fields(v)
	if len(f) < 3 {
		return &sdpMedia{}
	}
	portStr, _, _ := strings.Cut(f[1], "/")
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		port = 0
	}
	m := &sdpMedia{media: strings.ToLower(f[0]), port: port, proto: f[2]}
	for _, pt := range f[3:] {
		if len(m.formats) < 64 {
			m.formats = append(m.formats, pt)
		}
	}
	return m
}

// readConnLine reads "IN IP4 192.0.2.1[/ttl[/count]]".
func readConnLine(v string) *sdpConn {
	f := strings.Fields(v)
	if len(f) < 3 {
		return &sdpConn{}
	}
	addr, _, _ := strings.Cut(f[2], "/")
	return &sdpConn{addr: addr}
}
