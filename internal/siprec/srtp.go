package siprec

import (
	"slices"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rtp"
)

// Media protection: an SBC that records across networks it does not own sends SRTP keyed by
// SDES (RFC 4568), whose keys travel in the SDP. The recorder takes them only when the SDP
// itself was protected, over SIP over TLS: keys sent over UDP or TCP are readable by anyone on
// the path, so such an offer is refused (488) rather than recorded under a false sense of
// security. Config.RequireSRTP refuses plain RTP as well. Keys are never logged.

// savp reports whether proto is an SRTP profile keyed in the SDP (RFC 3711, RFC 5124).
func savp(proto string) bool {
	return strings.EqualFold(proto, "RTP/SAVP") || strings.EqualFold(proto, "RTP/SAVPF")
}

// acceptCrypto picks the first a=crypto line of an RTP/SAVP m-line the recorder can take (the
// offerer lists them in its order of preference) and prepares the answer's; with none, the
// m-line is not recordable and cryptoErr says why.
func acceptCrypto(o *offerStream, md *sdpMedia) {
	var first error
	for _, a := range md.attrs {
		if a.key != "crypto" {
			continue
		}
		o.sdes = true
		c, err := parseCrypto(a.value)
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		o.crypto, o.answerCrypto = c, c.answerLine()
		return
	}
	o.accept, o.rtpmaps, o.payloads = nil, nil, rtp.PayloadMap{}
	if first == nil {
		first = callvault.Errorf(callvault.KindUnsupported, "%s m-line without a=crypto: only SDES keys are supported (not DTLS-SRTP or MIKEY)", strings.ToUpper(o.proto))
	}
	o.cryptoErr = callvault.WrapError(callvault.KindUnsupported, first, "no a=crypto line of the SRTP m-line can be taken")
}

// Error kinds of refused media, counted in errors_total.
const (
	errSDESInClear  = "sdes_in_clear" // SDES keys over SIP without TLS
	errSRTPRequired = "srtp_required" // plain RTP while Config.RequireSRTP is set
)

// refuseMedia answers 488 and returns true when the offer breaks the media protection rules:
// SDES keys over SIP without TLS, or plain RTP while SRTP is required. Nothing of the session
// changes then.
func (s *Server) refuseMedia(tx sip.ServerTransaction, req *sip.Request, offer []*offerStream) bool {
	kind, msg := "", ""
	tls := strings.EqualFold(req.Transport(), "TLS")
	for _, o := range offer {
		switch {
		case o.sdes && !tls:
			kind, msg = errSDESInClear, "SDES keys (a=crypto) over SIP without TLS are readable on the network: send SRTP offers over SIP over TLS (sips)"
		case s.cfg.RequireSRTP && o.usable() && o.crypto == nil && !o.inactive && kind == "":
			kind, msg = errSRTPRequired, "plain RTP is refused: this recorder requires SRTP (RTP/SAVP with a=crypto, over SIP over TLS)"
		}
	}
	if kind == "" {
		return false
	}
	s.metrics.error(kind)
	s.refused("siprec: offer refused", req.Source(), len(req.Body()), msg, "method", req.Method, "call_id", callID(req), "transport", req.Transport(), "status", 488)
	s.respond(tx, req, 488, "Not Acceptable Here", nil, sip.NewHeader("Warning", `399 callvault "`+msg+`"`))
	return true
}

// applySRTP hands the stream the offer's SRTP keys (none for plain RTP).
func applySRTP(st *rtp.Stream, o *offerStream) error {
	if o.crypto == nil {
		return st.SetSRTP(nil)
	}
	return st.SetSRTP(o.crypto.srtp())
}

// recordSRTP notes the media protection in the recording's attributes: the SRTP suites used
// ("srtp"), and the packets dropped for failing authentication or replaying. The caller holds
// mu.
func (ss *session) recordSRTP() {
	var suites []string
	for _, o := range ss.offer {
		if o.crypto != nil && !slices.Contains(suites, o.crypto.suite.name) {
			suites = append(suites, o.crypto.suite.name)
		}
	}
	if len(suites) > 0 {
		ss.rec.Attributes["srtp"] = strings.Join(suites, ",")
	}
	var auth, replay int64
	for _, m := range ss.media {
		if m.stream != nil {
			st := m.stream.Stats()
			auth, replay = auth+st.SRTPAuthFailed, replay+st.SRTPReplayed
		}
	}
	if auth > 0 {
		ss.rec.Attributes["srtp_auth_failed"] = strconv.FormatInt(auth, 10)
	}
	if replay > 0 {
		ss.rec.Attributes["srtp_replayed"] = strconv.FormatInt(replay, 10)
	}
}
