package siprec

import (
	"context"
	"time"

	"github.com/callvault/callvault"
)

// actionRecordingEnded is the audit action of a capture the server ended on its own (no media
// for Config.RTPTimeout), with the reason in the detail. It belongs in the root package's list
// of actions (as callvault.ActionRecordingEnded) and stays here until it is added there.
const actionRecordingEnded = "recording.ended"

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
