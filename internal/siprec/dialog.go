package siprec

import (
	"context"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Default SIP timers (RFC 3261 section 17.1.1.1).
const (
	defaultT1 = 500 * time.Millisecond // round-trip estimate: first 2xx retransmission interval
	defaultT2 = 4 * time.Second        // longest retransmission interval
)

// dialog is what the server needs to send requests within a session's dialog (the UAS side
// of RFC 3261 section 12.1.1): the remote target, the route set, the tags and its own CSeq.
type dialog struct {
	target    sip.Uri       // the client's Contact
	from      *sip.ToHeader // the INVITE's To with the server's tag: the From of our requests
	to        *sip.FromHeader
	routes    []string // Record-Route values, in order
	transport string
	source    string // where the INVITE came from: requests go back there
	cseq      uint32
}

// newDialog records the dialog created by req, answered with localTag.
func newDialog(req *sip.Request, localTag string) dialog {
	d := dialog{transport: req.Transport(), source: req.Source()}
	if c := req.Contact(); c != nil {
		d.target = *c.Address.Clone()
	} else {
		d.target = *req.From().Address.Clone()
	}
	if to := req.To(); to != nil {
		h := sip.HeaderClone(to).(*sip.ToHeader)
		if tag, _ := h.Params.Get("tag"); tag == "" {
			h.Params.Add("tag", localTag)
		}
		d.from = h
	}
	if from := req.From(); from != nil {
		d.to = sip.HeaderClone(from).(*sip.FromHeader)
	}
	for _, rr := range req.GetHeaders("Record-Route") {
		d.routes = append(d.routes, rr.Value())
	}
	return d
}

// byeRequest builds a BYE within the dialog, with a Reason header (RFC 3326) saying why.
func (d *dialog) byeRequest(callID, reason string) *sip.Request {
	d.cseq++
	req := sip.NewRequest(sip.BYE, d.target)
	from := d.from.AsFrom()
	to := d.to.AsTo()
	cid := sip.CallIDHeader(callID)
	maxFwd := sip.MaxForwardsHeader(70)
	req.AppendHeader(&from)
	req.AppendHeader(&to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: d.cseq, MethodName: sip.BYE})
	req.AppendHeader(&maxFwd)
	for _, r := range d.routes {
		req.AppendHeader(sip.NewHeader("Route", r))
	}
	req.AppendHeader(sip.NewHeader("Reason", `SIP ;cause=408 ;text="`+sanitize(reason)+`"`))
	req.SetTransport(d.transport)
	if len(d.routes) == 0 {
		req.SetDestination(d.source)
	}
	return req
}

// bye tells the client that the server ended the session (no media, no ACK), so that it stops
// sending and does not keep a dialog the server has forgotten. It runs in its own goroutine and
// gives up after 64*T1 (RFC 3261 timer F) or when the server closes.
func (s *Server) bye(ss *session, reason string) {
	ss.mu.Lock()
	if ss.byeSent || ss.dlg.from == nil || ss.dlg.to == nil {
		ss.mu.Unlock()
		return
	}
	ss.byeSent = true
	req := ss.dlg.byeRequest(ss.callID, reason)
	ss.mu.Unlock()
	s.spawn(func() {
		ctx, cancel := context.WithTimeout(s.byeCtx, 64*s.t1)
		defer cancel()
		res, err := s.client.Do(ctx, req)
		switch {
		case err != nil:
			s.log.Info("siprec: BYE to the recording client failed", "call_id", ss.callID, "reason", reason, "error", err)
		case !res.IsSuccess():
			s.log.Info("siprec: BYE to the recording client refused", "call_id", ss.callID, "reason", reason, "status", res.StatusCode)
		default:
			s.log.Debug("siprec: session ended by BYE", "call_id", ss.callID, "reason", reason)
		}
	})
}

// retransmit resends the 2xx answer to an INVITE over an unreliable transport until its ACK
// arrives (RFC 3261 section 13.3.1.4): after T1, then at doubling intervals up to T2, for at
// most 64*T1. The janitor ends the session when the ACK never comes.
func (s *Server) retransmit(ss *session, tx sip.ServerTransaction, res *sip.Response, acked <-chan struct{}) {
	interval := s.t1
	timer := time.NewTimer(interval)
	defer timer.Stop()
	giveUp := time.Now().Add(64 * s.t1)
	for {
		select {
		case <-acked:
			return
		case <-ss.stop:
			return
		case <-s.byeCtx.Done():
			return
		case now := <-timer.C:
			if now.After(giveUp) {
				return
			}
			// Decided under the session's lock, which gotAck holds: a retransmission is
			// either before the ACK's arrival or not sent at all.
			ss.mu.Lock()
			select {
			case <-acked:
				ss.mu.Unlock()
				return
			default:
			}
			ss.retransmits.Add(1)
			ss.retrans.sent(time.Now())
			ss.mu.Unlock()
			if err := tx.Respond(res); err != nil {
				s.log.Debug("siprec: cannot retransmit 200 OK", "call_id", ss.callID, "error", err)
				return
			}
			interval = min(2*interval, s.t2)
			timer.Reset(interval)
		}
	}
}

// retransLog records when 2xx retransmissions were sent and when the ACK they wait for came,
// as the server saw it, so that tests can check the schedule whatever the scheduler did.
type retransLog struct {
	mu    sync.Mutex
	times []time.Time // retransmissions
	acks  []time.Time
}

func (l *retransLog) sent(t time.Time) {
	l.mu.Lock()
	l.times = append(l.times, t)
	l.mu.Unlock()
}

func (l *retransLog) acked(t time.Time) {
	l.mu.Lock()
	l.acks = append(l.acks, t)
	l.mu.Unlock()
}

// snapshot returns the retransmission and ACK times so far.
func (l *retransLog) snapshot() (sent, acks []time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times...), append([]time.Time(nil), l.acks...)
}
