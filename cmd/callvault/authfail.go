package main

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// authFailures audits requests refused for a bad or revoked API token: the first from an
// address in each window is appended to the audit log at once, later ones in the window are
// counted and reported with the next event from that address, so guessing leaves a trace
// without letting anyone flood the log.
type authFailures struct {
	m      *Main
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	byIP  map[string]*ipFailures
	swept time.Time
}

type ipFailures struct {
	since      time.Time // start of the current window
	suppressed int       // failures in the window not yet written
}

func newAuthFailures(m *Main) *authFailures {
	return &authFailures{m: m, window: time.Minute, now: time.Now, byIP: map[string]*ipFailures{}}
}

// record is httpserver.Config.OnAuthFailure. Only the first failure per address and window costs
// an audit append (one small commit) before the refusal is answered.
func (a *authFailures) record(ctx context.Context, remoteAddr string) {
	ip, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		ip = remoteAddr
	}
	now := a.now()
	a.mu.Lock()
	if now.Sub(a.swept) > a.window { // forget quiet addresses, so the map stays small
		for k, f := range a.byIP {
			if now.Sub(f.since) > a.window && f.suppressed == 0 {
				delete(a.byIP, k)
			}
		}
		a.swept = now
	}
	f := a.byIP[ip]
	if f != nil && now.Sub(f.since) < a.window {
		f.suppressed++
		a.mu.Unlock()
		return
	}
	earlier := 0
	if f != nil {
		earlier = f.suppressed
	}
	a.byIP[ip] = &ipFailures{since: now}
	a.mu.Unlock()

	ev := &callvault.AuditEvent{Time: now, Actor: "anonymous", Action: callvault.ActionLoginFailed, Object: "client:" + ip,
		RequestID: callvault.RequestIDFrom(ctx), Detail: callvault.AuditDetail(map[string]any{
			"reason": "invalid or revoked API token", "earlier_failures_not_logged": earlier})}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.m.Catalogue.AppendAudit(actx, ev); err != nil {
		a.m.Logger.Warn("cannot audit a failed token", "client", ip, "err", err)
	}
}
