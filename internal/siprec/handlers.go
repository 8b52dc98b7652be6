package siprec

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rtp"
)

// ActorSIPREC is the actor of recordings captured by this server.
const ActorSIPREC callvault.Actor = "siprec"

// supportedOptions are the option tags of Require the server implements (RFC 7866).
var supportedOptions = map[string]bool{"siprec": true}

var allowHeader = sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE")

// errIngestReturned unblocks the pump when the archive stops reading (for example a duplicate).
var errIngestReturned = errors.New("siprec: the archive stopped reading the recording")

// reject answers a request that cannot be served, counting it by kind.
func (s *Server) reject(tx sip.ServerTransaction, req *sip.Request, code int, reason, kind string, hdrs ...sip.Header) {
	s.metrics.error(kind)
	s.refused("siprec: request rejected", req.Source(), len(req.Body()), reason, "method", req.Method, "call_id", callID(req), "status", code)
	s.respond(tx, req, code, reason, nil, hdrs...)
}

// rejectErr maps a parsing error to a SIP status: unsupported media 415 or 488, too large 513,
// anything else 400.
func (s *Server) rejectErr(tx sip.ServerTransaction, req *sip.Request, err error, sdpStage bool) {
	msg := callvault.ErrorMessage(err)
	switch callvault.ErrorKind(err) {
	case callvault.KindUnsupported:
		if sdpStage {
			s.reject(tx, req, 488, "Not Acceptable Here", errUnsupported, sip.NewHeader("Warning", `399 callvault "`+sanitize(msg)+`"`))
			return
		}
		s.reject(tx, req, 415, "Unsupported Media Type", errUnsupported,
			sip.NewHeader("Accept", "application/sdp, application/rs-metadata+xml, multipart/mixed"))
	case callvault.KindTooLarge:
		s.reject(tx, req, 513, "Message Too Large", errBadRequest)
	default:
		s.reject(tx, req, 400, "Bad Request", errBadRequest, sip.NewHeader("Warning", `399 callvault "`+sanitize(msg)+`"`))
	}
}

// sanitize makes text safe for a quoted header value.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return ' '
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// readBody checks the size and splits the body of req.
func (s *Server) readBody(req *sip.Request) (body, error) {
	b := req.Body()
	if len(b) > s.cfg.MaxBodyBytes {
		return body{}, callvault.Errorf(callvault.KindTooLarge, "body of %d bytes exceeds the %d-byte limit", len(b), s.cfg.MaxBodyBytes)
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	if len(b) > 0 && ct == "" {
		return body{}, callvault.Errorf(callvault.KindInvalid, "body without Content-Type")
	}
	return parseBody(ct, b)
}

// requireOptions returns the option tags of all Require headers.
func requireOptions(req *sip.Request) []string {
	var out []string
	for _, h := range req.GetHeaders("Require") {
		for _, v := range strings.Split(h.Value(), ",") {
			if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// allowed reports whether the request's source address may send recordings. (The gate has
// checked it already when the datagram or connection arrived; this guards requests that reach
// the handlers by another way.)
func (s *Server) allowed(req *sip.Request) bool {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return len(s.cfg.AllowFrom) == 0 && req.Source() == ""
	}
	return s.allowedAddr(ap.Addr().Unmap())
}

// contact returns the Contact header of the server's responses for req's transport.
func (s *Server) contact(req *sip.Request) sip.Header {
	var addr net.Addr
	transport := strings.ToLower(req.Transport())
	switch transport {
	case "tcp":
		addr = s.TCPAddr()
	case "tls":
		addr = s.TLSAddr()
	default:
		addr = s.UDPAddr()
		transport = "udp"
	}
	host, port := s.cfg.MediaIP, "5060"
	if addr != nil {
		if h, p, err := net.SplitHostPort(addr.String()); err == nil {
			port = p
			if ip, err := netip.ParseAddr(h); err == nil && !ip.IsUnspecified() {
				host = h
			}
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	scheme := "sip"
	if transport == "tls" {
		scheme = "sips"
	}
	return sip.NewHeader("Contact", "<"+scheme+":callvault@"+host+":"+port+";transport="+transport+">")
}

func (s *Server) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if tag, _ := req.To().Params.Get("tag"); tag != "" {
		s.onModify(req, tx, true)
		return
	}
	id := callID(req)
	s.mu.Lock()
	closed, existing := s.closed, s.sessions[id]
	s.mu.Unlock()
	switch {
	case closed:
		s.reject(tx, req, 503, "Service Unavailable", "shutdown")
		return
	case !s.allowed(req):
		s.reject(tx, req, 403, "Forbidden", errForbidden)
		return
	case fromTag(req) == "":
		s.reject(tx, req, 400, "Bad Request", errBadRequest, sip.NewHeader("Warning", `399 callvault "From without a tag"`))
		return
	case existing != nil:
		// The same INVITE again (a retransmission on a new transaction): repeat the answer,
		// but only to the dialog's own client.
		existing.mu.Lock()
		answer, tag, same := existing.answer, existing.localTag, fromTag(req) == existing.remoteTag && existing.sameOrigin(req)
		existing.mu.Unlock()
		if !same {
			s.reject(tx, req, 400, "Bad Request", errBadRequest, sip.NewHeader("Warning", `399 callvault "Call-ID in use by another dialog"`))
			return
		}
		s.respondAnswer(tx, req, tag, answer)
		return
	}
	opts := requireOptions(req)
	var unsupported []string
	hasSiprec := false
	for _, o := range opts {
		if o == "siprec" {
			hasSiprec = true
		}
		if !supportedOptions[o] {
			unsupported = append(unsupported, o)
		}
	}
	if len(unsupported) > 0 {
		s.reject(tx, req, 420, "Bad Extension", errUnsupported, sip.NewHeader("Unsupported", strings.Join(unsupported, ", ")))
		return
	}
	b, err := s.readBody(req)
	if err != nil {
		s.rejectErr(tx, req, err, false)
		return
	}
	src := false
	if c := req.Contact(); c != nil {
		src = strings.Contains(strings.ToLower(c.Value()), "+sip.src")
	}
	if !hasSiprec && !src && b.metadata == nil {
		s.reject(tx, req, 421, "Extension Required", errUnsupported, sip.NewHeader("Require", "siprec"))
		return
	}
	if b.sdp == nil {
		s.reject(tx, req, 488, "Not Acceptable Here", errUnsupported, sip.NewHeader("Warning", `399 callvault "INVITE without an SDP offer"`))
		return
	}
	offer, err := parseOffer(b.sdp)
	if err != nil {
		s.rejectErr(tx, req, err, true)
		return
	}
	if s.refuseMedia(tx, req, offer) {
		return
	}
	var meta *Metadata
	if b.metadata != nil {
		if meta, err = ParseMetadata(b.metadata); err != nil {
			s.rejectErr(tx, req, err, false)
			return
		}
		if _, _, hit := s.unrec.matchMetadata(meta, s.cfg.Region); hit {
			s.metrics.error(errDeclinedPCI)
			s.log.Info("siprec: session declined: an unrecorded line takes part", "call_id", id)
			s.emit(callvault.ActorSystem, callvault.ActionRecordingDeclined, id, map[string]string{"session": meta.SessionID, "reason": "unrecorded line"})
			s.respond(tx, req, 603, "Decline", nil)
			return
		}
	}
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil && s.pendingFrom(ap.Addr().Unmap()) >= s.cfg.MaxPendingPerSource {
		s.metrics.error(errTooMany)
		s.refused("siprec: INVITE refused", req.Source(), len(req.Body()), "too many sessions awaiting their ACK from this address", "limit", s.cfg.MaxPendingPerSource)
		s.respond(tx, req, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "5"))
		return
	}
	ss, err := s.newSession(req, offer, meta, b.metadata)
	if err != nil {
		s.metrics.error(errNoPorts)
		s.log.Warn("siprec: cannot start a recording session", "call_id", id, "error", err)
		s.respond(tx, req, 503, "Service Unavailable", nil, sip.NewHeader("Retry-After", "5"))
		return
	}
	ss.mu.Lock()
	answer := ss.answer
	acked := ss.expectAck(req.CSeq().SeqNo, time.Now())
	ss.unlock()
	if s.beforeAnswer != nil {
		s.beforeAnswer(id)
	}
	// A CANCEL that reached the INVITE before its answer has been answered 487 by the
	// transaction (RFC 3261 section 9.2), and the 200 OK is then never sent: the session ends
	// here, storing nothing. Checked after sending too, in case the CANCEL came in between.
	var res *sip.Response
	if !canceled(tx) {
		res = s.respondAnswer(tx, req, ss.localTag, answer)
	}
	if res == nil || canceled(tx) {
		reason, abort := "aborted", callvault.Errorf(callvault.KindUnavailable, "the recording session's answer could not be sent")
		if canceled(tx) {
			reason, abort = "cancelled", callvault.Errorf(callvault.KindInvalid, "recording session cancelled before it was answered")
			s.log.Info("siprec: INVITE cancelled before the answer; nothing is recorded", "call_id", id)
		}
		ss.mu.Lock()
		ss.finishLocked(reason, time.Now(), abort)
		ss.unlock()
		s.forget(ss)
		return
	}
	s.log.Info("siprec: recording session started", "call_id", id, "source", req.Source(), "transport", req.Transport())
	if s.testHook != nil {
		ss.mu.Lock()
		ports := make([]int, len(ss.media))
		for i, m := range ss.media {
			if m.pair != nil {
				ports[i] = m.pair.Port
			}
		}
		ss.mu.Unlock()
		defer s.testHook(id, ports)
	}
	s.startRetransmit(ss, tx, req, res, acked)
}

// canceled reports whether a CANCEL terminated the INVITE transaction (answered 487).
func canceled(tx sip.ServerTransaction) bool {
	return errors.Is(tx.Err(), sip.ErrTransactionCanceled)
}

// fromTag returns the tag of the request's From header.
func fromTag(req *sip.Request) string {
	if f := req.From(); f != nil {
		tag, _ := f.Params.Get("tag")
		return tag
	}
	return ""
}

// startRetransmit retransmits a 2xx answer over UDP until its ACK arrives (see retransmit).
func (s *Server) startRetransmit(ss *session, tx sip.ServerTransaction, req *sip.Request, res *sip.Response, acked <-chan struct{}) {
	if sip.IsReliable(req.Transport()) {
		return
	}
	s.spawn(func() { s.retransmit(ss, tx, res, acked) })
}

// respondAnswer sends 200 OK with an SDP answer and the dialog's tag. It returns the response
// sent, or nil if it could not be sent.
func (s *Server) respondAnswer(tx sip.ServerTransaction, req *sip.Request, tag string, answer []byte) *sip.Response {
	res := sip.NewResponseFromRequest(req, 200, "OK", answer)
	if to := res.To(); to != nil && tag != "" {
		to.Params.Add("tag", tag)
	}
	res.AppendHeader(s.contact(req))
	res.AppendHeader(allowHeader)
	res.AppendHeader(sip.NewHeader("Supported", "siprec"))
	if len(answer) > 0 {
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	}
	if err := tx.Respond(res); err != nil {
		s.log.Warn("siprec: cannot send 200 OK", "call_id", callID(req), "error", err)
		return nil
	}
	return res
}

// newSession allocates the media, starts the archive's ingest and the media pump, and
// registers the session.
func (s *Server) newSession(req *sip.Request, offer []*offerStream, meta *Metadata, raw []byte) (*session, error) {
	now := time.Now()
	id := callID(req)
	ss := &session{
		srv: s, callID: id, localTag: callvault.NewID()[24:], created: now,
		stop: make(chan struct{}), done: make(chan struct{}),
		sdpID: uint64(now.UnixNano() & 0x7fffffffffff),
	}
	ss.remoteTag = fromTag(req)
	ss.remoteCSeq = req.CSeq().SeqNo
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil {
		ss.peer = ap.Addr().Unmap()
	}
	ss.dlg = newDialog(req, ss.localTag)
	ss.touch(now)
	// One rate per recording: 16 kHz if any stream prefers G.722, so that wideband audio is
	// kept; G.711 streams are then upsampled (see internal/rtp).
	rate := 8000
	for _, o := range offer {
		if o.wideband() {
			rate = 16000
		}
	}
	pr, pw := io.Pipe()
	recorder, err := rtp.NewRecorder(pw, rtp.RecorderConfig{SampleRate: rate, Metrics: &s.metrics.rtp})
	if err != nil {
		return nil, err
	}
	ss.recorder, ss.pw = recorder, pw
	recorder.Start(now) // the recording's origin is its StartedAt, whatever packet comes first
	ss.rec = &callvault.Recording{
		Source: callvault.SourceSIPREC, StartedAt: now.UTC(), AnnouncementPlayed: callvault.AnnouncementUnknown,
		Attributes: map[string]string{"sip_call_id": id},
	}
	ss.mu.Lock()
	defer ss.unlock()
	if meta != nil {
		ss.applyMetadata(meta, raw, "INVITE", now)
	}
	ss.rec.SourceID = sourceID(id, ss.sessionID())
	if h := req.GetHeader(s.cfg.AnnouncementHeader); h != nil {
		if a := parseAnnouncement(h.Value()); a != callvault.AnnouncementUnknown {
			ss.rec.AnnouncementPlayed = a
		}
	}
	chans := assignChannels(offer, ss.meta)
	for i, o := range offer {
		m := &media{ch: chans[i]}
		ss.media = append(ss.media, m)
		if !o.usable() {
			continue
		}
		if err := s.startMedia(ss, m, o); err != nil {
			for _, m := range ss.media {
				m.pair.Close()
			}
			pw.CloseWithError(err)
			return nil, err
		}
	}
	ss.offer = offer
	ss.answer = ss.buildAnswer()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		for _, m := range ss.media {
			m.pair.Close()
		}
		return nil, callvault.Errorf(callvault.KindUnavailable, "siprec: server is closing")
	}
	s.sessions[id] = ss
	s.pending[id] = ss.peer
	s.metrics.active.Inc()
	ss.counted.Store(true)
	ss.ingesting = true
	s.wg.Add(2)
	s.mu.Unlock()
	go s.ingest(ss, pr)
	go func() {
		defer s.wg.Done()
		ss.pump()
	}()
	if allInactive(offer) {
		ss.setPause(false, true, ActorSIPREC, now)
	}
	return ss, nil
}

// startMedia binds a port pair for an m-line and starts reading it, from the offer's address
// only (see rtp.Stream.ExpectSource). The caller holds ss.mu.
func (s *Server) startMedia(ss *session, m *media, o *offerStream) error {
	pair, err := s.ports.Listen()
	if err != nil {
		return err
	}
	ch := rtp.Both
	switch m.ch {
	case channelLeft:
		ch = rtp.Left
	case channelRight:
		ch = rtp.Right
	}
	st := ss.recorder.AddStream(ch, o.payloads)
	st.ExpectSource(o.addr, ss.peer)
	if err := applySRTP(st, o); err != nil {
		pair.Close()
		return err
	}
	conn := pair.RTP
	if !s.spawn(func() { st.Serve(conn, ss.touch) }) {
		pair.Close()
		return callvault.Errorf(callvault.KindUnavailable, "siprec: server is closing")
	}
	m.pair, m.stream = pair, st
	return nil
}

// ingest hands the recording to the archive and waits for it to be committed. A recording
// that the archive refuses or fails to store is audited as well as logged: the call was
// recorded, and its loss must be as visible as its storage would have been.
func (s *Server) ingest(ss *session, pr *io.PipeReader) {
	defer s.wg.Done()
	defer close(ss.done)
	rec, created, err := s.cfg.Archive.Ingest(s.ctx, callvault.IngestRequest{
		Actor: ActorSIPREC, Recording: ss.rec, Audio: pr,
		Digits: ss.recorder.Digits, // RFC 4733 events, for the masker (rtp/events.go)
		Sidecar: func() []byte {
			ss.mu.Lock()
			defer ss.mu.Unlock()
			return ss.metaLog.bytes()
		},
	})
	pr.CloseWithError(errIngestReturned)
	ss.mu.Lock()
	abort, session, reason := ss.abort, ss.sessionID(), ss.endReason
	ss.mu.Unlock()
	switch {
	case err != nil && abort != nil && errors.Is(err, abort):
		s.log.Info("siprec: recording session aborted; nothing stored", "call_id", ss.callID)
	case err != nil:
		s.metrics.error(errIngest)
		s.log.Error("siprec: recording not stored", "call_id", ss.callID, "error", err)
		s.emit(ActorSIPREC, callvault.ActionRecordingFailed, ss.callID, map[string]string{
			"session": session, "end_reason": reason, "error_kind": string(callvault.ErrorKind(err)), "error": callvault.ErrorMessage(err)})
	case !created:
		s.log.Info("siprec: recording already in the archive", "call_id", ss.callID, "id", rec.ID)
	default:
		s.metrics.finalised.Inc()
		s.log.Info("siprec: recording stored", "call_id", ss.callID, "id", rec.ID)
	}
}

// sourceID is the recording's stable id at the source: the SIP Call-ID and the RFC 7865
// session id, so that a retried session is not stored twice.
func sourceID(callID, sessionID string) string {
	if sessionID == "" {
		return callID
	}
	return callID + "|" + sessionID
}

func atoiPT(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 127 {
		return 0
	}
	return n
}

// allInactive reports whether an offer pauses the recording: every stream the recorder takes
// is inactive, or, when it takes none, the offer sends nothing at all (see held).
func allInactive(offer []*offerStream) bool {
	any := false
	for _, o := range offer {
		if o.usable() {
			any = true
			if !o.inactive {
				return false
			}
		}
	}
	return any || held(offer)
}

// assignChannels maps the offer's m-lines to recording channels: by metadata (the stream's
// sender is the caller or another party, or several: mixed), else by order (first left, second
// right; a single m-line is a mixed recording on both channels).
func assignChannels(offer []*offerStream, meta *Metadata) []channel {
	chans := make([]channel, len(offer))
	var unassigned []int
	usable := 0
	for i, o := range offer {
		if !o.usable() {
			continue
		}
		usable++
		if meta != nil {
			chans[i] = meta.channelFor(o.label)
		}
		if chans[i] == channelNone {
			unassigned = append(unassigned, i)
		}
	}
	taken := map[channel]bool{}
	for _, c := range chans {
		taken[c] = true
	}
	for _, i := range unassigned {
		switch {
		case usable == 1:
			chans[i] = channelBoth
		case !taken[channelLeft]:
			chans[i] = channelLeft
		default:
			chans[i] = channelRight
		}
		taken[chans[i]] = true
	}
	return chans
}

// buildAnswer returns the SDP answer for the current offer. The caller holds ss.mu.
func (ss *session) buildAnswer() []byte {
	ports := make([]int, len(ss.offer))
	for i, o := range ss.offer {
		if i < len(ss.media) && ss.media[i].pair != nil && o.port != 0 && !ss.finished {
			ports[i] = ss.media[i].pair.Port
		}
	}
	ss.sdpVersion++
	return answerSDP(ss.sdpID, ss.sdpVersion, ss.srv.cfg.MediaIP, ss.offer, ports, ss.paused())
}

func (s *Server) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	s.respond(tx, req, 200, "OK", nil, allowHeader,
		sip.NewHeader("Accept", "application/sdp, application/rs-metadata+xml, multipart/mixed"),
		sip.NewHeader("Supported", "siprec"))
}
