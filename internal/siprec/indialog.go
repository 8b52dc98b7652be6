package siprec

import (
	"net/netip"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/callvault/callvault"
)

// inDialog returns the session of an in-dialog request (re-INVITE, UPDATE, BYE, CANCEL), or
// answers the request and returns nil. The Call-ID alone is no proof: the request must come
// from an allowed address and from where the dialog was set up (403, see sameOrigin), and
// carry the dialog's tags (481); a request with a CSeq below the dialog's last one is out of
// order (500, RFC 3261 section 12.2.2). Without these, anyone who learnt a Call-ID could end,
// pause or rewrite the metadata of a recording.
func (s *Server) inDialog(req *sip.Request, tx sip.ServerTransaction) *session {
	ss := s.session(req)
	switch {
	case ss == nil:
		s.reject(tx, req, 481, "Call/Transaction Does Not Exist", errNoSession)
		return nil
	case !s.allowed(req):
		s.reject(tx, req, 403, "Forbidden", errForbidden)
		return nil
	}
	ss.mu.Lock()
	if !ss.sameOrigin(req) {
		ss.mu.Unlock()
		s.reject(tx, req, 403, "Forbidden", errForbidden, sip.NewHeader("Warning", `399 callvault "in-dialog request from another address or connection than the dialog's"`))
		return nil
	}
	ok, inOrder := ss.matches(req), true
	if ok && !req.IsCancel() {
		seq := req.CSeq().SeqNo
		if seq < ss.remoteCSeq {
			inOrder = false
		} else {
			ss.remoteCSeq = seq
		}
	}
	ss.mu.Unlock()
	switch {
	case !ok:
		s.reject(tx, req, 481, "Call/Transaction Does Not Exist", errNoSession)
		return nil
	case !inOrder:
		s.reject(tx, req, 500, "Server Internal Error", errBadRequest, sip.NewHeader("Warning", `399 callvault "CSeq lower than the dialog's last: request out of order"`))
		return nil
	}
	return ss
}

// sameOrigin reports whether req comes from where the dialog was set up: over UDP from the
// INVITE's address, over TCP or TLS over the INVITE's connection. Call-ID and tags travel in
// clear text (and in logs); without this anyone who learnt them could end a recording or move
// its media. The caller holds mu.
func (ss *session) sameOrigin(req *sip.Request) bool {
	return ss.fromOrigin(req.Transport(), req.Source())
}

// fromOrigin is sameOrigin for a message that came over transport from source (ip:port). The
// caller holds mu.
func (ss *session) fromOrigin(transport, source string) bool {
	if !strings.EqualFold(transport, ss.dlg.transport) {
		return false
	}
	if sip.IsReliable(transport) {
		return source == ss.dlg.source
	}
	ap, err := netip.ParseAddrPort(source)
	return err == nil && ap.Addr().Unmap() == ss.peer
}

// matches reports whether req carries the dialog's tags: the client's in From, the server's in
// To (a CANCEL of the initial INVITE has none). The caller holds mu.
func (ss *session) matches(req *sip.Request) bool {
	to := ""
	if h := req.To(); h != nil {
		to, _ = h.Params.Get("tag")
	}
	return fromTag(req) == ss.remoteTag && (to == ss.localTag || (req.IsCancel() && to == ""))
}

// onModify handles a re-INVITE or UPDATE: new SDP (pause, resume, codec or stream changes)
// and/or partial metadata.
func (s *Server) onModify(req *sip.Request, tx sip.ServerTransaction, invite bool) {
	ss := s.inDialog(req, tx)
	if ss == nil {
		return
	}
	b, err := s.readBody(req)
	if err != nil {
		s.rejectErr(tx, req, err, false)
		return
	}
	now := time.Now()
	var meta *Metadata
	var metaErr error
	if b.metadata != nil {
		meta, metaErr = ParseMetadata(b.metadata)
	}
	// The payment-line check comes before anything that may refuse the request: a transfer to
	// an unrecorded line must stop the recording even when the same re-INVITE's SDP is not
	// acceptable (488) or an earlier offer still awaits its ACK (491).
	applied := false
	if meta != nil {
		if _, _, hit := s.unrec.matchMetadata(meta, s.cfg.Region); hit {
			ss.mu.Lock()
			ss.applyMetadata(meta, b.metadata, string(req.Method), now)
			ss.unlock()
			applied = true
		}
	}
	var offer []*offerStream
	if b.sdp != nil {
		if offer, err = parseOffer(b.sdp); err != nil && !(callvault.IsKind(err, callvault.KindUnsupported) && held(offer)) {
			// (An offer that sends nothing at all, every m-line at port 0, inactive or at
			// 0.0.0.0, pauses the session even without a codec the recorder takes.)
			s.rejectErr(tx, req, err, true)
			return
		}
		if s.refuseMedia(tx, req, offer) {
			return
		}
	}
	if metaErr != nil {
		s.rejectErr(tx, req, metaErr, false)
		return
	}
	ss.mu.Lock()
	if !ss.invitePend.IsZero() && now.Sub(ss.invitePend) < 64*s.t1 && (invite || offer != nil) {
		ss.unlock()
		s.reject(tx, req, 491, "Request Pending", errGlare, sip.NewHeader("Retry-After", "1"))
		return
	}
	if meta != nil && !applied {
		ss.applyMetadata(meta, b.metadata, string(req.Method), now)
	}
	if offer != nil {
		ss.touch(now)
		if !ss.finished {
			s.applyOffer(ss, offer)
		}
		ss.offer = offer
		ss.setPause(false, allInactive(offer), ActorSIPREC, now)
	}
	var answer []byte
	if offer != nil || invite {
		answer = ss.buildAnswer()
		ss.answer = answer
	}
	var acked <-chan struct{}
	if invite {
		acked = ss.expectAck(req.CSeq().SeqNo, now)
	}
	tag := ss.localTag
	ss.unlock()
	if res := s.respondAnswer(tx, req, tag, answer); res != nil && invite {
		s.startRetransmit(ss, tx, req, res, acked)
	}
}

// applyOffer takes a new offer's streams: new payload maps, new source addresses, media for
// added m-lines. The caller holds ss.mu.
func (s *Server) applyOffer(ss *session, offer []*offerStream) {
	for i, o := range offer {
		if i >= len(ss.media) {
			ss.media = append(ss.media, &media{ch: channelRight})
			if meta := ss.meta; meta != nil {
				if c := meta.channelFor(o.label); c != channelNone {
					ss.media[i].ch = c
				}
			}
		}
		m := ss.media[i]
		switch {
		case !o.usable():
		case m.stream != nil:
			m.stream.SetPayloads(o.payloads)
			if err := applySRTP(m.stream, o); err != nil {
				s.log.Warn("siprec: cannot take the stream's new SRTP keys", "call_id", ss.callID, "error", err)
			}
			if o.addr.IsValid() && !o.inactive {
				m.stream.ExpectSource(o.addr, ss.peer) // the media may have moved
			}
		default:
			if err := s.startMedia(ss, m, o); err != nil {
				s.log.Warn("siprec: cannot add a stream", "call_id", ss.callID, "error", err)
			}
		}
	}
}

// session returns the active session of an in-dialog request.
func (s *Server) session(req *sip.Request) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[callID(req)]
}

func (s *Server) onUpdate(req *sip.Request, tx sip.ServerTransaction) { s.onModify(req, tx, false) }

func (s *Server) onAck(req *sip.Request, tx sip.ServerTransaction) {
	ss := s.session(req)
	if ss == nil || !s.allowed(req) {
		return
	}
	ss.mu.Lock()
	if cseq := req.CSeq(); cseq != nil && ss.matches(req) && ss.sameOrigin(req) {
		ss.gotAck(cseq.SeqNo)
	}
	acked := ss.acked
	ss.mu.Unlock()
	if acked {
		s.mu.Lock()
		delete(s.pending, ss.callID)
		s.mu.Unlock()
	}
}

func (s *Server) onBye(req *sip.Request, tx sip.ServerTransaction) {
	ss := s.inDialog(req, tx)
	if ss == nil {
		return
	}
	s.respond(tx, req, 200, "OK", nil)
	ss.mu.Lock()
	ss.finishLocked(endBYE, time.Now(), nil)
	ss.unlock()
	s.forget(ss)
}

// onCancel handles a CANCEL that matched no pending transaction: the INVITE was already
// answered, so the CANCEL has no effect (RFC 3261 section 9.2) unless the session was never
// acknowledged, which then ends without storing anything. (A CANCEL that reaches the INVITE
// before its answer is handled by the transaction and onInvite.)
func (s *Server) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	ss := s.inDialog(req, tx)
	if ss == nil {
		return
	}
	s.respond(tx, req, 200, "OK", nil)
	ss.mu.Lock()
	aborted := !ss.acked
	if aborted {
		ss.finishLocked("cancelled", time.Now(), callvault.Errorf(callvault.KindInvalid, "recording session cancelled"))
	}
	ss.unlock()
	if aborted {
		s.forget(ss)
	}
}
