package siprec

import (
	"context"
	"time"

	"github.com/callvault/callvault"
)

// event builds an audit event. Object is the SIP Call-ID (the recording has no ID until the
// archive commits it); detail facts never include digits or audio.
func event(actor callvault.Actor, action, callID string, detail map[string]string) callvault.AuditEvent {
	facts := make(map[string]any, len(detail))
	for k, v := range detail {
		facts[k] = v
	}
	return callvault.AuditEvent{
		Time: time.Now().UTC(), Actor: string(actor), Action: action, Object: "sip:" + callID, Detail: callvault.AuditDetail(facts),
	}
}

// emit passes an audit event to Config.OnEvent. It must not be called with a session's lock
// held: OnEvent writes to the catalogue, and a slow write would hold up every request that
// needs the session (use session.emit, which queues, instead).
func (s *Server) emit(actor callvault.Actor, action, callID string, detail map[string]string) {
	s.send([]callvault.AuditEvent{event(actor, action, callID, detail)})
}

func (s *Server) send(evs []callvault.AuditEvent) {
	if s.cfg.OnEvent == nil {
		return
	}
	for _, ev := range evs {
		s.cfg.OnEvent(context.Background(), ev)
	}
}

// emit queues an audit event of the session; unlock passes it on. The caller holds mu.
func (s *session) emit(actor callvault.Actor, action string, detail map[string]string) {
	s.events = append(s.events, event(actor, action, s.callID, detail))
}

// unlock releases mu, then passes on the audit events queued meanwhile, in order.
func (s *session) unlock() {
	evs := s.events
	s.events = nil
	s.mu.Unlock()
	s.srv.send(evs)
}
