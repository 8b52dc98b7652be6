package access

import (
	"context"
	"sync"

	"github.com/callvault/callvault"
)

// recheckEvery is how many bytes a guarded answer reads between two looks at its grant in the
// store (a revocation on another node); an expiry, and a revocation made through this
// process, are seen before every read.
const recheckEvery = 1 << 20

// guardedAudio is a recording opened under a grant for one request. Each read first asks the
// rules again whether the grant still covers the recording, so a revocation or an expiry stops
// a long answer (a whole-file download, a player's open-ended Range) at the next bytes read,
// not only at the next request. Once refused it stays refused.
type guardedAudio struct {
	callvault.Audio
	s   *Service
	ctx context.Context
	p   *callvault.Principal
	act callvault.Action
	id  string

	mu      sync.Mutex
	grant   *callvault.Grant
	unread  int64 // bytes read since the grant was last read from the store
	refused error
}

func (s *Service) guard(ctx context.Context, p *callvault.Principal, act callvault.Action, id string, g *callvault.Grant, a callvault.Audio) *guardedAudio {
	gc := *g
	return &guardedAudio{Audio: a, s: s, ctx: ctx, p: p, act: act, id: id, grant: &gc}
}

// ReadAt reads from the recording while the grant is live.
func (a *guardedAudio) ReadAt(b []byte, off int64) (int, error) {
	if err := a.check(len(b)); err != nil {
		return 0, err
	}
	return a.Audio.ReadAt(b, off)
}

func (a *guardedAudio) check(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refused != nil {
		return a.refused
	}
	if a.s.listening.wasRevoked(a.grant.ID) || a.unread >= recheckEvery {
		g, err := a.s.Store.Grant(a.ctx, a.grant.ID)
		switch {
		case callvault.IsKind(err, callvault.KindNotFound):
			g = nil
		case err != nil:
			return err
		}
		a.grant, a.unread = g, 0
	}
	a.unread += int64(n)
	if _, err := a.s.Check(a.ctx, a.p, a.act, Object{Grant: a.grant, RecordingID: a.id}, "recording:"+a.id); err != nil {
		a.refused = err
		return err
	}
	return nil
}
