package identity

import (
	"sync"
	"time"
)

// nameLocks counts wrong sign-ins per attempted user name that is no usable account (unknown,
// disabled, or without a password yet), the way the catalogue counts them for real accounts:
// MaxFailures in a row lock the name for LockoutFor. Without it an unknown name would answer
// "wrong user name or password" forever while a real one answers "locked", telling which names
// exist. It lives in one process (each node counts what it sees); a real account's lockout is
// in the catalogue.
type nameLocks struct {
	mu   sync.Mutex
	seen map[string]*nameLock
}

type nameLock struct {
	fails  int
	until  time.Time // locked until; zero: not locked
	latest time.Time
}

const maxTrackedNames = 100000

// locked returns the end of name's lockout if it is locked at now.
func (l *nameLocks) locked(name string, now time.Time) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.seen[name]
	if n == nil || !now.Before(n.until) {
		return time.Time{}, false
	}
	return n.until, true
}

// fail counts one wrong sign-in as name and reports whether it locked the name (and until when).
func (l *nameLocks) fail(name string, now time.Time, max int, lockFor time.Duration) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]*nameLock{}
	}
	n := l.seen[name]
	if n == nil {
		if len(l.seen) >= maxTrackedNames {
			for k, old := range l.seen { // forget names neither locked nor tried for a lockout's time
				if !now.Before(old.until) && now.Sub(old.latest) >= lockFor {
					delete(l.seen, k)
				}
			}
		}
		n = &nameLock{}
		l.seen[name] = n
	}
	n.latest = now
	n.fails++
	if n.fails >= max {
		n.fails, n.until = 0, now.Add(lockFor)
		return n.until, true
	}
	return time.Time{}, false
}
