package siprec

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rtp"
)

// Server is a SIPREC recording server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	ports   *rtp.PortPool
	unrec   *unrecorded
	mediaIP netip.Addr

	parser   *sip.Parser           // the gate's (see admit)
	logLimit *logLimiter           // refusals' log lines
	pending  map[string]netip.Addr // Call-IDs of new sessions awaiting their ACK, with their source; under mu

	ua     *sipgo.UserAgent
	sip    *sipgo.Server
	client *sipgo.Client // the server's own requests (BYE)
	t1, t2 time.Duration // SIP timers; tests shorten them

	byeCtx    context.Context // cancelled by Close: stops BYEs and 2xx retransmissions
	byeCancel context.CancelFunc

	ctx    context.Context // lives until Close; Ingest runs under it
	cancel context.CancelFunc
	wg     sync.WaitGroup // pumps, ingests and listeners

	mu          sync.Mutex
	udp         net.PacketConn
	tcp, tls    net.Listener
	sessions    map[string]*session // by Call-ID
	closed      bool
	janitorStop chan struct{}

	// Set by tests: testHook is called when a session has answered its INVITE, beforeAnswer
	// just before the answer is sent.
	testHook     func(callID string, ports []int)
	beforeAnswer func(callID string)
}

// New returns a server for cfg. It returns KindInvalid for a bad configuration.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ip, _ := netip.ParseAddr(cfg.MediaIP)
	ports, err := rtp.NewPortPool(ip, cfg.RTPPortMin, cfg.RTPPortMax)
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "siprec: cannot register metrics")
	}
	parser := sip.NewParser()
	parser.MaxMessageLength = maxHeaderBytes + cfg.MaxBodyBytes
	quiet := slog.New(quietHandler{cfg.Logger.Handler()})
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("callvault"), sipgo.WithUserAgentParser(parser),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(quiet)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(quiet),
			// (sipgo's default logs the response to slog's default logger)
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				quiet.Debug("response matching no transaction (a retransmission)", "status", r.StatusCode)
			})))
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "siprec: cannot create the SIP user agent")
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(cfg.Logger))
	if err != nil {
		ua.Close()
		return nil, callvault.WrapError(callvault.KindInternal, err, "siprec: cannot create the SIP server")
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname(cfg.MediaIP))
	if err != nil {
		ua.Close()
		return nil, callvault.WrapError(callvault.KindInternal, err, "siprec: cannot create the SIP client")
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, metrics: m, ports: ports, unrec: newUnrecorded(cfg.Unrecorded, cfg.Region),
		mediaIP: ip, ua: ua, sip: srv, client: client, sessions: map[string]*session{},
		parser: parser, logLimit: newLogLimiter(time.Now), pending: map[string]netip.Addr{},
		t1: defaultT1, t2: defaultT2,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.byeCtx, s.byeCancel = context.WithCancel(context.Background())
	srv.OnInvite(s.onInvite)
	srv.OnAck(s.onAck)
	srv.OnBye(s.onBye)
	srv.OnCancel(s.onCancel)
	srv.OnOptions(s.onOptions)
	srv.OnUpdate(s.onUpdate)
	return s, nil
}

// Start binds the configured transports and serves them until Close. Port 0 picks a free port;
// UDPAddr and TCPAddr then report it.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return callvault.Errorf(callvault.KindUnavailable, "siprec: server is closed")
	}
	fail := func(err error, what string) error {
		s.closeListeners()
		return callvault.WrapError(callvault.KindUnavailable, err, "siprec: cannot listen on "+what)
	}
	if a := s.cfg.UDPAddr; a != "" {
		c, err := net.ListenPacket("udp", a)
		if err != nil {
			return fail(err, "UDP "+a)
		}
		s.udp = c
		s.serve(func() error { return s.sip.ServeUDP(&gatedPacketConn{PacketConn: c, s: s}) })
	}
	if a := s.cfg.TCPAddr; a != "" {
		l, err := net.Listen("tcp", a)
		if err != nil {
			return fail(err, "TCP "+a)
		}
		s.tcp = l
		gl := s.gateListener(l, nil)
		s.serve(func() error { return s.sip.ServeTCP(gl) })
	}
	if a := s.cfg.TLSAddr; a != "" {
		l, err := net.Listen("tcp", a)
		if err != nil {
			return fail(err, "TLS "+a)
		}
		s.tls = l
		gl := s.gateListener(l, s.cfg.TLSConfig)
		s.serve(func() error { return s.sip.ServeTLS(gl) })
	}
	if len(s.cfg.AllowFrom) == 0 {
		s.log.Warn("siprec: no allow-list: any host that reaches the SIP port may start recordings; set --sip-allow to the SBCs' addresses")
	}
	s.janitorStop = make(chan struct{})
	s.wg.Add(1)
	go s.janitor(s.janitorStop)
	return nil
}

// spawn runs fn on a goroutine that Close waits for, unless Close has begun: a goroutine
// added to the wait group after Close started waiting could outlive it. It reports whether
// fn was started.
func (s *Server) spawn(fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}

func (s *Server) serve(fn func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(); err != nil && s.ctx.Err() == nil {
			s.log.Debug("siprec: listener stopped", "error", err)
		}
	}()
}

// closeListeners closes the bound listeners. The caller holds mu.
func (s *Server) closeListeners() {
	if s.udp != nil {
		s.udp.Close()
	}
	if s.tcp != nil {
		s.tcp.Close()
	}
	if s.tls != nil {
		s.tls.Close()
	}
}

// UDPAddr returns the bound UDP address, or nil.
func (s *Server) UDPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.udp == nil {
		return nil
	}
	return s.udp.LocalAddr()
}

// TCPAddr returns the bound TCP address, or nil.
func (s *Server) TCPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tcp == nil {
		return nil
	}
	return s.tcp.Addr()
}

// TLSAddr returns the bound TLS address, or nil.
func (s *Server) TLSAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tls == nil {
		return nil
	}
	return s.tls.Addr()
}

// Close stops accepting calls, finalises every active call (its recording is committed as if
// the call had ended), waits for the archive to commit them, and releases all ports.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.closeListeners()
	active := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		active = append(active, ss)
	}
	s.mu.Unlock()
	now := time.Now()
	for _, ss := range active {
		ss.mu.Lock()
		ss.finishLocked(endShutdown, now, nil)
		ss.unlock()
	}
	s.cancelJanitor()
	s.byeCancel()
	s.wg.Wait()
	s.cancel()
	s.client.Close()
	return s.ua.Close()
}

// cancelJanitor stops the janitor; Ingest contexts stay alive until the recordings are
// committed.
func (s *Server) cancelJanitor() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.janitorStop != nil {
		close(s.janitorStop)
		s.janitorStop = nil
	}
}

// janitor ends calls whose media stopped for RTPTimeout (never while paused), and abandons
// sessions whose INVITE was never acknowledged.
func (s *Server) janitor(stop chan struct{}) {
	defer s.wg.Done()
	t := time.NewTicker(janitorInterval(min(s.cfg.RTPTimeout, s.cfg.AckTimeout)))
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			s.sweep(now)
		}
	}
}

func janitorInterval(timeout time.Duration) time.Duration {
	return min(max(timeout/4, 10*time.Millisecond), time.Second)
}

// sweep applies the timeouts once: a session whose INVITE (or re-INVITE) was answered without
// an ACK ends after ackTimeout (a new session stores nothing), and so does one without media for
// RTPTimeout while not paused; so does, RTPTimeout after its recording stopped, a session kept
// up after a transfer to an unrecorded line. The client gets a BYE in each case.
func (s *Server) sweep(now time.Time) {
	s.mu.Lock()
	active := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		active = append(active, ss)
	}
	s.mu.Unlock()
	for _, ss := range active {
		reason := ""
		ss.mu.Lock()
		switch {
		case ss.finished && ss.pciStopped && now.Sub(ss.finishedAt) > s.cfg.RTPTimeout:
			reason = "recording stopped: an unrecorded line joined"
		case ss.finished:
		case !ss.invitePend.IsZero() && now.Sub(ss.invitePend) > s.ackTimeout(ss):
			s.metrics.error(errAborted)
			reason = "no ACK for the 200 OK"
			var abort error
			if !ss.acked {
				abort = callvault.Errorf(callvault.KindInvalid, "recording session was never acknowledged (no ACK)")
			}
			s.log.Info("siprec: no ACK; ending the session", "call_id", ss.callID)
			ss.finishLocked(endNoAck, now, abort)
		case !ss.paused() && now.Sub(time.Unix(0, ss.lastMedia.Load())) > s.cfg.RTPTimeout:
			s.metrics.error(errRTPTimeout)
			reason = "no media (RTP timeout)"
			s.log.Info("siprec: no media; ending the recording", "call_id", ss.callID, "timeout", s.cfg.RTPTimeout)
			ss.finishLocked(endTimeout, now, nil)
			ss.emit(callvault.ActorSystem, callvault.ActionRecordingEnded, map[string]string{
				"session": ss.sessionID(), "reason": endTimeout, "timeout": s.cfg.RTPTimeout.String()})
		}
		ss.unlock()
		if reason != "" {
			s.forget(ss)
			s.bye(ss, reason)
		}
	}
}

// ackTimeout is how long the ACK of a session's answered INVITE may take: 64*T1 for a
// re-INVITE (RFC 3261 section 13.3.1.4), but only AckTimeout for a new session, which holds
// RTP ports that a flood of unacknowledged INVITEs would otherwise keep from real calls. The
// caller holds ss.mu.
func (s *Server) ackTimeout(ss *session) time.Duration {
	if ss.acked {
		return 64 * s.t1
	}
	return min(64*s.t1, s.cfg.AckTimeout)
}

// forget removes a finished session from the table (a later BYE gets 481).
func (s *Server) forget(ss *session) {
	s.mu.Lock()
	if s.sessions[ss.callID] == ss {
		delete(s.sessions, ss.callID)
		delete(s.pending, ss.callID)
	}
	s.mu.Unlock()
}

// pendingFrom returns how many new sessions from ip await their ACK.
func (s *Server) pendingFrom(ip netip.Addr) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, a := range s.pending {
		if a == ip {
			n++
		}
	}
	return n
}

// dialogOn reports whether a live session's dialog was set up over the connection from
// remote on transport (its in-dialog requests must come over it; see sameOrigin).
func (s *Server) dialogOn(transport, remote string) bool {
	s.mu.Lock()
	active := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		active = append(active, ss)
	}
	s.mu.Unlock()
	for _, ss := range active {
		ss.mu.Lock()
		on := !ss.finished && ss.dlg.source == remote && strings.EqualFold(ss.dlg.transport, transport)
		ss.mu.Unlock()
		if on {
			return true
		}
	}
	return false
}

// LiveSession is a recording session in progress.
type LiveSession struct {
	CallID    string // the SIP Call-ID
	SessionID string // the RFC 7865 session id, if the metadata gave one
	Ports     []int  // the local RTP port of each m-line, in order; 0 for a declined one
	Paused    bool
}

// Live lists the sessions being recorded (not those whose recording has ended), for
// operators and tests.
func (s *Server) Live() []LiveSession {
	s.mu.Lock()
	active := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		active = append(active, ss)
	}
	s.mu.Unlock()
	var out []LiveSession
	for _, ss := range active {
		ss.mu.Lock()
		if !ss.finished {
			l := LiveSession{CallID: ss.callID, SessionID: ss.sessionID(), Paused: ss.paused()}
			for _, m := range ss.media {
				port := 0
				if m.pair != nil {
					port = m.pair.Port
				}
				l.Ports = append(l.Ports, port)
			}
			out = append(out, l)
		}
		ss.mu.Unlock()
	}
	return out
}

// lookup returns the active session whose Call-ID or RFC 7865 session id is id, or nil.
// A Call-ID is unique; a session id may be shared by several live calls (a retried session,
// two SBC legs of one call), and then the result is nil and candidates lists their Call-IDs,
// sorted: a caller acting on a recording must not pick one at random.
func (s *Server) lookup(id string) *session {
	ss, _ := s.lookupAll(id)
	return ss
}

func (s *Server) lookupAll(id string) (*session, []string) {
	s.mu.Lock()
	if ss := s.sessions[id]; ss != nil {
		s.mu.Unlock()
		return ss, nil
	}
	active := make([]*session, 0, len(s.sessions))
	for _, ss := range s.sessions {
		active = append(active, ss)
	}
	s.mu.Unlock()
	var found, ended []*session
	for _, ss := range active {
		ss.mu.Lock()
		match, finished := ss.sessionID() == id, ss.finished
		ss.mu.Unlock()
		switch {
		case match && finished:
			ended = append(ended, ss)
		case match:
			found = append(found, ss)
		}
	}
	switch len(found) {
	case 0:
		if len(ended) > 0 {
			return ended[0], nil // reported as ended
		}
		return nil, nil
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, ss := range found {
		ids[i] = ss.callID
	}
	slices.Sort(ids)
	return nil, ids
}

// Pause stops keeping audio of the session (Call-ID or RFC 7865 session id) until Resume; the
// interval is stored as silence and listed in the recording's "pauses" attribute. It returns
// KindNotFound for an unknown session, and KindConflict for one that has ended, that the API
// has paused already, or for a session id that several live calls share (the message names
// their Call-IDs; nothing is paused). A pause by the client's offer (a=inactive) is the client's own: the API
// may pause such a session too, and the recording goes on only once both have resumed.
func (s *Server) Pause(ctx context.Context, session string, actor callvault.Actor) error {
	return s.setPause(session, true, actor)
}

// Resume ends a Pause. It returns KindNotFound for an unknown session, and KindConflict for
// one that has ended or that the API has not paused.
func (s *Server) Resume(ctx context.Context, session string, actor callvault.Actor) error {
	return s.setPause(session, false, actor)
}

func (s *Server) setPause(id string, on bool, actor callvault.Actor) error {
	ss, candidates := s.lookupAll(id)
	if len(candidates) > 0 {
		return callvault.Errorf(callvault.KindConflict, "recording session id %q is shared by %d live calls; name one by its SIP Call-ID: %s",
			id, len(candidates), strings.Join(candidates, ", "))
	}
	if ss == nil {
		return callvault.Errorf(callvault.KindNotFound, "no active recording session %q", id)
	}
	ss.mu.Lock()
	defer ss.unlock()
	switch {
	case ss.finished:
		return callvault.Errorf(callvault.KindConflict, "recording session %q has ended", id)
	case ss.apiPaused == on && on:
		return callvault.Errorf(callvault.KindConflict, "recording session %q is paused already", id)
	case ss.apiPaused == on:
		return callvault.Errorf(callvault.KindConflict, "recording session %q is not paused by the API; nothing to resume", id)
	}
	ss.setPause(true, on, actor, time.Now())
	return nil
}

// respond sends a response built from req, logging failures.
func (s *Server) respond(tx sip.ServerTransaction, req *sip.Request, code int, reason string, body []byte, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Warn("siprec: cannot send response", "call_id", callID(req), "status", code, "error", err)
	}
}

func callID(req *sip.Request) string {
	if h := req.CallID(); h != nil {
		return h.Value()
	}
	return ""
}
