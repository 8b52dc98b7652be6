package authfail

import (
	"context"
	"log/slog"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// Store is what the recorder needs of the catalogue.
type Store interface {
	AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error
}

// Recorder audits requests refused for a bad or revoked API token: the first from an
// address in each window is appended to the audit log at once, later ones in the window are
// counted, so guessing leaves a trace without letting anyone flood the log. The count is written
// with the next event from that address or, if none comes, as a summary event once the window
// has ended (at the next failure from any address) or at shutdown, so no failure goes unrecorded.
// It is safe for concurrent use.
type Recorder struct {
	Store  Store
	Logger *slog.Logger // append failures are logged here; default slog.Default()
	// Window is how long after an address's first written failure its later ones are only
	// counted; default one minute.
	Window time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time

	mu    sync.Mutex
	byIP  map[string]*ipFailures
	swept time.Time
	due   time.Time // earliest end of a window holding unwritten failures; zero if none
}

type ipFailures struct {
	since      time.Time // start of the current window
	suppressed int       // failures in the window not yet written
}

// pendingFailures are the unwritten failures of one address's window.
type pendingFailures struct {
	ip    string
	since time.Time
	n     int
}

const authFailureReason = "invalid or revoked API token"

// New returns a recorder appending to store, with a one-minute window.
func New(store Store, logger *slog.Logger) *Recorder {
	return &Recorder{Store: store, Logger: logger, Window: time.Minute}
}

func (a *Recorder) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Recorder) window() time.Duration {
	if a.Window > 0 {
		return a.Window
	}
	return time.Minute
}

// Record counts a refused request from remoteAddr (host:port or a bare address); it is
// httpserver.Config.OnAuthFailure. Only the first failure per address and window costs
// an audit append (one small commit) before the refusal is answered, plus the summaries of
// other addresses' ended windows when there are any.
func (a *Recorder) Record(ctx context.Context, remoteAddr string) {
	ip, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		ip = remoteAddr
	}
	now := a.now()
	a.mu.Lock()
	if a.byIP == nil {
		a.byIP = map[string]*ipFailures{}
	}
	var ended []pendingFailures
	if !a.due.IsZero() && !now.Before(a.due) {
		ended = a.takeLocked(func(k string, f *ipFailures) bool { return k != ip && now.Sub(f.since) >= a.window() })
	}
	if now.Sub(a.swept) > a.window() { // forget quiet addresses, so the map stays small
		for k, f := range a.byIP {
			if now.Sub(f.since) > a.window() && f.suppressed == 0 {
				delete(a.byIP, k)
			}
		}
		a.swept = now
	}
	f := a.byIP[ip]
	if f != nil && now.Sub(f.since) < a.window() {
		f.suppressed++
		if end := f.since.Add(a.window()); a.due.IsZero() || end.Before(a.due) {
			a.due = end
		}
		a.mu.Unlock()
		a.writeSummaries(ctx, ended)
		return
	}
	earlier := 0
	if f != nil {
		earlier = f.suppressed
	}
	a.byIP[ip] = &ipFailures{since: now}
	a.mu.Unlock()
	a.writeSummaries(ctx, ended)

	ev := &callvault.AuditEvent{Time: now, Actor: "anonymous", Action: callvault.ActionLoginFailed, Object: "client:" + ip,
		RequestID: callvault.RequestIDFrom(ctx), Detail: callvault.AuditDetail(map[string]any{
			"reason": authFailureReason, "earlier_failures_not_logged": earlier})}
	a.append(ctx, ev, ip)
}

// Flush writes every unwritten count, whether or not its window has ended. Call it after the
// HTTP server has stopped, before the server's stop event.
func (a *Recorder) Flush(ctx context.Context) {
	a.mu.Lock()
	pending := a.takeLocked(func(string, *ipFailures) bool { return true })
	a.mu.Unlock()
	a.writeSummaries(ctx, pending)
}

// takeLocked removes and returns the unwritten counts of the addresses pick selects, oldest
// window first, and recomputes due from what is left. a.mu is held.
func (a *Recorder) takeLocked(pick func(ip string, f *ipFailures) bool) []pendingFailures {
	var out []pendingFailures
	a.due = time.Time{}
	for k, f := range a.byIP {
		if f.suppressed == 0 {
			continue
		}
		if pick(k, f) {
			out = append(out, pendingFailures{ip: k, since: f.since, n: f.suppressed})
			f.suppressed = 0
			continue
		}
		if end := f.since.Add(a.window()); a.due.IsZero() || end.Before(a.due) {
			a.due = end
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].since.Equal(out[j].since) {
			return out[i].since.Before(out[j].since)
		}
		return out[i].ip < out[j].ip
	})
	return out
}

// writeSummaries appends one event per address for failures that were counted but not written.
// They belong to no request: the request id is left out.
func (a *Recorder) writeSummaries(ctx context.Context, pending []pendingFailures) {
	for _, p := range pending {
		ev := &callvault.AuditEvent{Time: a.now(), Actor: "anonymous", Action: callvault.ActionLoginFailed, Object: "client:" + p.ip,
			Detail: callvault.AuditDetail(map[string]any{
				"reason": authFailureReason, "earlier_failures_not_logged": p.n,
				"window_start": p.since.UTC().Format(time.RFC3339Nano), "summary": true})}
		a.append(ctx, ev, p.ip)
	}
}

func (a *Recorder) append(ctx context.Context, ev *callvault.AuditEvent, ip string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.Store.AppendAudit(actx, ev); err != nil {
		logger := a.Logger
		if logger == nil {
			logger = slog.Default()
		}
		logger.Warn("cannot audit a failed token", "client", ip, "err", err)
	}
}
