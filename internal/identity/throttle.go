package identity

import (
	"sync"
	"time"
)

// throttle counts failed sign-ins per client address in fixed windows. It lives in one
// process: each node throttles what it sees, which bounds guessing per node; the per-account
// lockout, kept in the catalogue, bounds it across nodes.
type throttle struct {
	mu   sync.Mutex
	seen map[string]*window
}

type window struct {
	start time.Time
	fails int
}

const maxTrackedAddresses = 100000

// blocked reports whether addr has used up its failures in the current window.
func (t *throttle) blocked(addr string, now time.Time, limit int, span time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.seen[addr]
	return w != nil && now.Sub(w.start) < span && w.fails >= limit
}

// fail counts one failure of addr.
func (t *throttle) fail(addr string, now time.Time, span time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.seen == nil {
		t.seen = map[string]*window{}
	}
	w := t.seen[addr]
	if w == nil || now.Sub(w.start) >= span {
		if len(t.seen) >= maxTrackedAddresses {
			for a, old := range t.seen { // forget windows that have passed
				if now.Sub(old.start) >= span {
					delete(t.seen, a)
				}
			}
		}
		w = &window{start: now}
		t.seen[addr] = w
	}
	w.fails++
}
