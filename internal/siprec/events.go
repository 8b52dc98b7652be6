package siprec

import (
	"context"
	"time"

	"github.com/callvault/callvault"
)

// emit passes an audit event to Config.OnEvent. Object is the SIP Call-ID (the recording has no
// ID until the archive commits it); detail facts never include digits or audio.
func (s *Server) emit(actor callvault.Actor, action, callID string, detail map[string]string) {
	if s.cfg.OnEvent == nil {
		return
	}
	facts := make(map[string]any, len(detail))
	for k, v := range detail {
		facts[k] = v
	}
	s.cfg.OnEvent(context.Background(), callvault.AuditEvent{
		Time: time.Now().UTC(), Actor: string(actor), Action: action, Object: "sip:" + callID, Detail: callvault.AuditDetail(facts),
	})
}
