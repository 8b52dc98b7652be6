package audit

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// FuzzVerifyStream checks that no export, however malformed, makes VerifyStream panic, and that
// an input it accepts without problems is a well-formed chain.
func FuzzVerifyStream(f *testing.F) {
	pub, key, _ := ed25519.GenerateKey(nil)
	var buf bytes.Buffer
	var prev *callvault.AuditEvent
	for i := range 3 {
		ev := &callvault.AuditEvent{Time: t0.Add(time.Duration(i) * time.Second), Actor: "system", Action: "x"}
		if prev == nil {
			ev.Seal(0, "")
		} else {
			ev.Seal(prev.Seq, prev.Hash)
		}
		b, _ := jsonLine(ev)
		buf.Write(b)
		prev = ev
	}
	f.Add(buf.Bytes(), int64(2))
	f.Add([]byte("{}\n"), int64(0))
	f.Fuzz(func(t *testing.T, in []byte, cpSeq int64) {
		cp := SignCheckpoint(key, cpSeq, prev.Hash, t0)
		rep, err := VerifyStream(bytes.NewReader(in), pub, []callvault.Checkpoint{*cp}, nil)
		if err != nil {
			return
		}
		if rep.OK() && rep.Events > 0 && rep.HeadSeq < cpSeq {
			t.Fatalf("export ending at %d accepted despite a checkpoint at %d", rep.HeadSeq, cpSeq)
		}
	})
}
