package siprec

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/callvault/callvault"
)

// checkRequest enforces RFC 3261's rules on the parts of a request that every later step
// relies on (section 8.1.1): the SIP version, a Call-ID (sessions are keyed by it), a CSeq whose
// method is the request's, From, To and Via. It returns KindInvalid naming the fault.
func checkRequest(req *sip.Request) error {
	switch {
	case req.SipVersion != "SIP/2.0":
		return callvault.Errorf(callvault.KindInvalid, "unsupported SIP version; want SIP/2.0")
	case req.CallID() == nil || strings.TrimSpace(req.CallID().Value()) == "":
		return callvault.Errorf(callvault.KindInvalid, "no Call-ID")
	case req.CSeq() == nil:
		return callvault.Errorf(callvault.KindInvalid, "no CSeq")
	case req.CSeq().MethodName != req.Method:
		return callvault.Errorf(callvault.KindInvalid, "CSeq method differs from the request's")
	case req.From() == nil:
		return callvault.Errorf(callvault.KindInvalid, "no From")
	case req.To() == nil:
		return callvault.Errorf(callvault.KindInvalid, "no To")
	case req.Via() == nil:
		return callvault.Errorf(callvault.KindInvalid, "no Via")
	}
	return nil
}

// parseReason names why the parser refused a message, in words that hold nothing of the
// message itself (sipgo's error texts may quote it).
func parseReason(err error) string {
	switch {
	case errors.Is(err, sip.ErrMessageTooLarge):
		return "message too large"
	case errors.Is(err, sip.ErrParseReadBodyIncomplete), errors.Is(err, sip.ErrParseEOF):
		return "incomplete message"
	case errors.Is(err, sip.ErrParseLineNoCRLF):
		return "line without CRLF"
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "not a SIP message"):
		return "not a SIP message"
	case strings.Contains(strings.ToLower(msg), "version"):
		return "unsupported SIP version"
	case strings.Contains(strings.ToLower(msg), "content-length"), strings.Contains(msg, "ParseUint"):
		return "malformed Content-Length"
	}
	return "malformed message"
}

// statelessResponse builds a response to the request whose header block is head, from its
// raw lines, for a request that cannot be parsed or framed (RFC 3261 section 8.2.6: Via,
// From, To, Call-ID and CSeq are copied; a To without a tag gets one). It returns nil when
// head is not a request or has no Via to answer along.
func statelessResponse(head []byte, code int, reason, warning string) []byte {
	lines := bytes.Split(bytes.ReplaceAll(head, []byte("\r\n"), []byte("\n")), []byte("\n"))
	if len(lines) == 0 {
		return nil
	}
	start := strings.Fields(string(lines[0]))
	if len(start) < 2 || strings.HasPrefix(start[0], "SIP/") || start[0] == "ACK" {
		return nil // a response, or an ACK (never answered), or garbage
	}
	var b strings.Builder
	b.WriteString("SIP/2.0 ")
	b.WriteString(strconv.Itoa(code) + " " + reason + "\r\n")
	via := false
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(string(l), ":")
		if !ok {
			continue
		}
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if len(value) > 1024 || strings.ContainsAny(value, "\r\n") {
			continue
		}
		switch name {
		case "via", "v":
			via = true
			b.WriteString("Via: " + value + "\r\n")
		case "from", "f":
			b.WriteString("From: " + value + "\r\n")
		case "to", "t":
			if !strings.Contains(strings.ToLower(value), ";tag=") {
				value += ";tag=" + callvault.NewID()[24:]
			}
			b.WriteString("To: " + value + "\r\n")
		case "call-id", "i":
			b.WriteString("Call-ID: " + value + "\r\n")
		case "cseq":
			b.WriteString("CSeq: " + value + "\r\n")
		}
	}
	if !via {
		return nil
	}
	if warning != "" {
		b.WriteString(`Warning: 399 callvault "` + sanitize(warning) + "\"\r\n")
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return []byte(b.String())
}
