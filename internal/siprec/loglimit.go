package siprec

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Rate of the log lines about refused messages and connections: a peer that sends garbage,
// or one that is not allowed to send at all, must not be able to fill the disk through the log.
const (
	refusalLogRate  = 10 // lines per second, on average
	refusalLogBurst = 20
)

// logLimiter is a token bucket for log lines. A line it refuses is counted, and the count is
// reported with the next line it lets through.
type logLimiter struct {
	mu         sync.Mutex
	now        func() time.Time
	tokens     float64
	last       time.Time
	suppressed int
}

func newLogLimiter(now func() time.Time) *logLimiter {
	return &logLimiter{now: now, tokens: refusalLogBurst}
}

// setClock replaces the limiter's clock (tests).
func (l *logLimiter) setClock(now func() time.Time) {
	l.mu.Lock()
	l.now = now
	l.mu.Unlock()
}

// allow reports whether a line may be written now, and how many were suppressed before it.
func (l *logLimiter) allow() (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.last.IsZero() {
		l.tokens = min(refusalLogBurst, l.tokens+now.Sub(l.last).Seconds()*refusalLogRate)
	}
	l.last = now
	if l.tokens < 1 {
		l.suppressed++
		return false, 0
	}
	l.tokens--
	suppressed, l.suppressed = l.suppressed, 0
	return true, suppressed
}

// refused logs a refused message or connection as one short structured line: where it came
// from, its size and why, never its content (it may carry names and numbers). Lines are
// rate-limited; what was left out is counted in the next line.
func (s *Server) refused(msg, source string, size int, reason string, attrs ...any) {
	ok, suppressed := s.logLimit.allow()
	if !ok {
		return
	}
	args := append([]any{"source", source, "size", size, "reason", reason}, attrs...)
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	s.log.Info(msg, args...)
}

// quietHandler is the handler of sipgo's own logger. sipgo logs a message it cannot parse
// whole, at ERROR, with the message's text (names, numbers, metadata) in the "data" attribute.
// Messages reach sipgo only after the gate has parsed them (see admit), so this is a second
// line of defence: attributes that may quote a message are dropped, and errors of single connections (a
// peer's timeout or reset) are debug lines.
type quietHandler struct{ slog.Handler }

// quietKeys are the attributes of sipgo's log records that may quote a message: the whole of
// it, or its start line (whose Request-URI may be a phone number).
var quietKeys = map[string]bool{"data": true, "msg": true, "req": true, "res": true}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	level := r.Level
	if level > slog.LevelDebug {
		level = slog.LevelDebug
	}
	out := slog.NewRecord(r.Time, level, "sipgo: "+r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if !quietKeys[a.Key] {
			out.AddAttrs(a)
		}
		return true
	})
	if !h.Handler.Enabled(ctx, out.Level) {
		return nil
	}
	return h.Handler.Handle(ctx, out)
}

func (h quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	keep := make([]slog.Attr, 0, len(as))
	for _, a := range as {
		if !quietKeys[a.Key] {
			keep = append(keep, a)
		}
	}
	return quietHandler{h.Handler.WithAttrs(keep)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}
