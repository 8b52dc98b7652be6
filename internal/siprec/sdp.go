package siprec

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rtp"
)

// maxMediaLines bounds the m-lines of an offer; a recording session has one per direction and
// participant, never dozens.
const maxMediaLines = 16

// offerStream is one m-line of an SDP offer and what the server makes of it.
type offerStream struct {
	media    string     // "audio", "video", ...
	port     int        // offered port; 0 removes the stream
	proto    string     // e.g. "RTP/AVP"
	formats  []string   // offered payload types, in order
	label    string     // a=label
	inactive bool       // a=inactive, a=recvonly, connection address 0.0.0.0 or port 0: no media comes
	addr     netip.Addr // the connection address media comes from; invalid if 0.0.0.0 or a name

	// What the answer accepts: the payload types the recorder decodes, in offer order.
	accept   []string
	rtpmaps  []string // "PT NAME/RATE" lines for the accepted dynamic and static types
	payloads rtp.PayloadMap

	// SRTP (see srtp.go): the a=crypto line the answer takes on an RTP/SAVP m-line (nil for
	// plain RTP), the answer's own a=crypto value, whether the offer sent SDES keys at all, and
	// why none of its lines could be taken.
	crypto       *sdesCrypto
	answerCrypto string
	sdes         bool
	cryptoErr    error
}

// wideband reports whether the stream's preferred audio codec (the first accepted, in the
// offer's order of preference) is G.722, whose audio is 16 kHz.
func (o *offerStream) wideband() bool {
	for _, f := range o.accept {
		if enc := o.payloads[atoiPT(f)]; enc.Audio() {
			return enc == rtp.EncodingG722
		}
	}
	return false
}

// usable reports whether the server can record the stream.
func (o *offerStream) usable() bool { return len(o.accept) > 0 }

// parseOffer reads an SDP offer with the lenient reader (readSDP). It returns KindInvalid for
// a body without m-lines, and KindUnsupported (488) when no m-line has a codec the recorder
// takes or, for RTP/SAVP, an a=crypto line it takes (see acceptCrypto). Whether SRTP keys may
// be taken over the request's transport is refuseMedia's concern.
func parseOffer(b []byte) ([]*offerStream, error) {
	sd, err := readSDP(b)
	if err != nil {
		return nil, err
	}
	sessDir := direction(sd.attrs)
	var out []*offerStream
	usable := false
	for _, md := range sd.media {
		o := &offerStream{
			media:   md.media,
			port:    md.port,
			proto:   md.proto,
			formats: md.formats,
		}
		o.label, _ = attribute(md.attrs, "label")
		dir := direction(md.attrs)
		if dir == "" {
			dir = sessDir
		}
		conn := sd.conn
		if md.conn != nil {
			conn = md.conn
		}
		o.addr = connAddr(conn)
		o.inactive = dir == "inactive" || dir == "recvonly" || zeroAddr(conn) || o.port == 0
		if o.media == "audio" && o.port != 0 && (strings.EqualFold(o.proto, "RTP/AVP") || savp(o.proto)) {
			acceptFormats(o, md)
			if savp(o.proto) {
				acceptCrypto(o, md)
			}
		}
		usable = usable || o.usable()
		out = append(out, o)
	}
	if !usable {
		for _, o := range out {
			if o.cryptoErr != nil {
				return out, o.cryptoErr
			}
		}
		return out, callvault.Errorf(callvault.KindUnsupported,
			"no m-line of the SDP offer has a codec the recorder takes (RTP/AVP or RTP/SAVP with PCMU, PCMA or G722)")
	}
	return out, nil
}

// acceptFormats sets what the answer accepts of the m-line: the payload types the recorder
// decodes, the audio codecs first (in the offer's order of preference) and then telephone
// events and comfort noise, so that a client that reads the answer's first format as the codec
// to send never picks telephone-event.
func acceptFormats(o *offerStream, md *sdpMedia) {
	names := map[string]string{}
	for _, a := range md.attrs {
		if f := strings.Fields(a.value); a.key == "rtpmap" && len(f) >= 2 {
			if _, dup := names[f[0]]; !dup {
				names[f[0]] = f[1]
			}
		}
	}
	o.payloads = rtp.PayloadMap{}
	var audio, other []string // payload types
	maps := map[string]string{}
	for _, f := range o.formats {
		pt, err := strconv.Atoi(f)
		if _, seen := maps[f]; err != nil || pt < 0 || pt > 127 || seen || f != strconv.Itoa(pt) {
			continue
		}
		enc := rtp.StaticEncoding(pt)
		name, mapped := names[f]
		if mapped {
			enc = rtp.EncodingByName(name)
		}
		if enc == rtp.EncodingNone {
			continue
		}
		if !mapped {
			name = map[rtp.Encoding]string{rtp.EncodingPCMU: "PCMU/8000", rtp.EncodingPCMA: "PCMA/8000",
				rtp.EncodingG722: "G722/8000", rtp.EncodingComfortNoise: "CN/8000"}[enc]
		}
		maps[f] = name
		o.payloads[pt] = enc
		if enc.Audio() {
			audio = append(audio, f)
		} else {
			other = append(other, f)
		}
	}
	if len(audio) == 0 { // events or comfort noise alone are no recording
		o.accept, o.rtpmaps, o.payloads = nil, nil, rtp.PayloadMap{}
		return
	}
	o.accept = append(audio, other...)
	o.rtpmaps = nil
	for _, f := range o.accept {
		o.rtpmaps = append(o.rtpmaps, f+" "+maps[f])
	}
}

func direction(attrs []sdpAttr) string {
	for _, a := range attrs {
		switch a.key {
		case "sendonly", "recvonly", "sendrecv", "inactive":
			return a.key
		}
	}
	return ""
}

func zeroAddr(c *sdpConn) bool {
	return c != nil && (c.addr == "0.0.0.0" || c.addr == "::")
}

// connAddr returns the IP address of a c= line, or an invalid address for none, a host name,
// an unspecified or a multicast address (media cannot be tied to those).
func connAddr(c *sdpConn) netip.Addr {
	if c == nil {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(c.addr)
	if err != nil || a.IsUnspecified() || a.IsMulticast() {
		return netip.Addr{}
	}
	return a.Unmap()
}

// held reports whether the offer sends no media at all: every m-line has port 0, is inactive
// or recvonly, or has the connection address 0.0.0.0. In a session that exists, such an offer
// is a pause (or hold) even when it names no codec the recorder takes.
func held(offer []*offerStream) bool {
	for _, o := range offer {
		if !o.inactive {
			return false
		}
	}
	return len(offer) > 0
}

// answerSDP builds the answer: one m-line per offered stream, same order, recvonly (inactive
// while the session is paused or stopped); declined streams get port 0.
func answerSDP(sessID, version uint64, ip string, offer []*offerStream, ports []int, inactive bool) []byte {
	addrType := "IP4"
	if strings.Contains(ip, ":") {
		addrType = "IP6"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=callvault %d %d IN %s %s\r\ns=callvault recording\r\nc=IN %s %s\r\nt=0 0\r\n",
		sessID, version, addrType, ip, addrType, ip)
	for i, o := range offer {
		port := ports[i]
		if port == 0 || !o.usable() {
			formats := o.formats
			if len(formats) == 0 {
				formats = []string{"0"}
			}
			media, proto := o.media, o.proto
			if media == "" {
				media = "audio"
			}
			if proto == "" {
				proto = "RTP/AVP"
			}
			fmt.Fprintf(&b, "m=%s 0 %s %s\r\n", media, proto, strings.Join(formats, " "))
			if o.label != "" {
				fmt.Fprintf(&b, "a=label:%s\r\n", o.label)
			}
			continue
		}
		proto := "RTP/AVP"
		if o.crypto != nil {
			proto = strings.ToUpper(o.proto) // RTP/SAVP, or RTP/SAVPF as offered
		}
		fmt.Fprintf(&b, "m=audio %d %s %s\r\n", port, proto, strings.Join(o.accept, " "))
		for _, m := range o.rtpmaps {
			fmt.Fprintf(&b, "a=rtpmap:%s\r\n", m)
		}
		for _, f := range o.accept {
			if strings.HasPrefix(strings.ToLower(nameOf(o, f)), "telephone-event") {
				fmt.Fprintf(&b, "a=fmtp:%s 0-16\r\n", f)
			}
		}
		if o.crypto != nil {
			fmt.Fprintf(&b, "a=crypto:%s\r\n", o.answerCrypto)
		}
		if o.label != "" {
			fmt.Fprintf(&b, "a=label:%s\r\n", o.label)
		}
		if inactive || o.inactive {
			b.WriteString("a=inactive\r\n")
		} else {
			b.WriteString("a=recvonly\r\n")
		}
	}
	return []byte(b.String())
}

func nameOf(o *offerStream, pt string) string {
	for _, m := range o.rtpmaps {
		if p, name, _ := strings.Cut(m, " "); p == pt {
			return name
		}
	}
	return ""
}
