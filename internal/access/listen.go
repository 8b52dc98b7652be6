package access

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// A listening is one person hearing one recording in one session under one grant. Its first
// request is an audit event (recording.listen, or recording.download) naming the grant, the
// access request and the range asked for; the many Range requests of a player seeking within it
// are not, until it rests longer than Pause: the next request then starts a new, audited
// listening. The opened audio is kept with the listening, so a seek decrypts only the chunks it
// reads. The grant is checked again on every request, so a revocation or an expiry takes effect
// on the next byte asked for.
type listenings struct {
	mu    sync.Mutex
	open  map[listenKey]*listening
	ended []*listening // dropped, their summaries not yet audited
	// revoked are the grants revoked through this process, so answers being served under them
	// stop at their next read (guardedAudio).
	revoked map[string]bool
}

type listenKey struct{ session, recording, grant string }

type listening struct {
	ready    chan struct{} // closed once audio (or err) is set
	err      error
	audio    callvault.Audio
	lastUsed time.Time
	users    int // requests reading it now; it is closed only when none is
	stale    bool

	// For the recording.listen_end summary: who, under what, which ranges, how many requests.
	actor              callvault.Actor
	recording, grant   string
	request            string
	started            time.Time
	ranges             []string
	requests           int
	summarised, silent bool
}

// maxRanges bounds the distinct ranges a listening's summary lists.
const maxRanges = 64

// maxRangeSpec bounds a Range header as the audit log keeps it: the header is the client's
// text (up to the server's header limit), and a listening's summary lists up to maxRanges.
const maxRangeSpec = 100

// auditedRange is rangeSpec as audit events carry it: "all" for none, cut to maxRangeSpec
// bytes (marked "...") when longer.
func auditedRange(rangeSpec string) string {
	switch {
	case rangeSpec == "":
		return "all"
	case len(rangeSpec) > maxRangeSpec:
		return strings.ToValidUTF8(rangeSpec[:maxRangeSpec], "") + "..."
	}
	return rangeSpec
}

func (l *listening) served(rangeSpec string) {
	rangeSpec = auditedRange(rangeSpec)
	l.requests++
	if len(l.ranges) < maxRanges && !slices.Contains(l.ranges, rangeSpec) {
		l.ranges = append(l.ranges, rangeSpec)
	}
}

const maxListenings = 1024

// Opened is a recording opened for one request. Its Audio refuses reads once the grant has
// been revoked or has expired. Release must be called when the answer is done.
type Opened struct {
	Audio callvault.Audio
	Grant *callvault.Grant
	// Release gives the audio back to its listening.
	Release func()
}

// liveGrant returns the newest live grant of p covering recording id, or nil.
func (s *Service) liveGrant(ctx context.Context, p *callvault.Principal, id string) (*callvault.Grant, error) {
	if p == nil || !p.IsUser() || !callvault.ValidID(id) {
		return nil, nil
	}
	gs, err := s.Store.LiveGrants(ctx, p.ID, id, s.now())
	if err != nil || len(gs) == 0 {
		return nil, err
	}
	for _, g := range gs {
		if g.Download {
			return g, nil // prefer a grant that allows what more requests ask
		}
	}
	return gs[0], nil
}

// Recording returns the metadata of recording id for p, under a live grant; anything else is
// not found. Each read is audited (recording.read).
func (s *Service) Recording(ctx context.Context, p *callvault.Principal, id string) (*callvault.Recording, *callvault.Grant, error) {
	g, err := s.liveGrant(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.Check(ctx, p, callvault.ActRecordingRead, Object{Grant: g, RecordingID: id}, "recording:"+id); err != nil {
		return nil, nil, err
	}
	rec, err := s.Recordings.Recording(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ev := s.event(ctx, p, callvault.ActionRecordingMetadata, "recording:"+id, map[string]any{"grant": g.ID})
	ev.Purpose = "request:" + g.RequestID
	if err := s.Store.AppendAudit(ctx, ev); err != nil {
		return nil, nil, err
	}
	s.after(ctx)
	r := *rec
	r.Header, r.Sidecar = nil, nil
	return &r, g, nil
}

// Listen opens recording id for p under a live grant (download asks for a grant that allows
// it). rangeSpec is the request's Range header, for the audit event. Anything but a live grant
// of p over id is not found.
func (s *Service) Listen(ctx context.Context, p *callvault.Principal, id string, download bool, rangeSpec string) (*Opened, error) {
	g, err := s.liveGrant(ctx, p, id)
	if err != nil {
		return nil, err
	}
	act := callvault.ActRecordingListen
	if download {
		act = callvault.ActRecordingDownload
	}
	if _, err := s.Check(ctx, p, act, Object{Grant: g, RecordingID: id}, "recording:"+id); err != nil {
		return nil, err
	}
	pause := s.Pause
	if pause <= 0 {
		pause = DefaultPause
	}
	now := s.now()
	key := listenKey{p.SessionID, id, g.ID}
	s.listening.mu.Lock()
	if s.listening.open == nil {
		s.listening.open = map[listenKey]*listening{}
	}
	l := s.listening.open[key]
	if l != nil && (now.Sub(l.lastUsed) > pause || download) {
		s.listening.dropLocked(key, l)
		l = nil
	}
	if l != nil {
		// Join the listening, waiting for it to finish opening if another request is opening it.
		l.lastUsed, l.users = now, l.users+1
		l.served(rangeSpec)
		s.listening.mu.Unlock()
		release := s.listening.release(key, l)
		<-l.ready
		if l.err != nil {
			release()
			return nil, l.err
		}
		return &Opened{Audio: s.guard(ctx, p, act, id, g, l.audio), Grant: g, Release: release}, nil
	}
	// Start a listening; requests for it that arrive while it opens wait for it.
	l = &listening{ready: make(chan struct{}), lastUsed: now, users: 1, actor: p.Actor, recording: id, grant: g.ID,
		request: g.RequestID, started: now, silent: download}
	l.served(rangeSpec)
	s.listening.sweepLocked(now, pause)
	if download {
		l.stale = true // a download is its own event and keeps nothing open
	} else {
		s.listening.open[key] = l
	}
	s.listening.mu.Unlock()
	release := s.listening.release(key, l)

	action := callvault.ActionRecordingListen
	if download {
		action = callvault.ActionRecordingDownload
	}
	detail := map[string]any{"grant": g.ID, "range": auditedRange(rangeSpec)}
	if p.SessionID != "" {
		detail["session"] = p.SessionID[:min(16, len(p.SessionID))]
	}
	a, err := s.Archive.OpenAudited(ctx, id, &callvault.AuditEvent{Actor: string(p.Actor), Action: action,
		Purpose: "request:" + g.RequestID, Detail: callvault.AuditDetail(detail)})
	s.listening.mu.Lock()
	l.audio, l.err = a, err
	if err != nil {
		l.silent = true // nothing was heard: no summary
		s.listening.dropLocked(key, l)
	}
	close(l.ready)
	s.listening.mu.Unlock()
	if err != nil {
		release()
		return nil, err
	}
	if err := s.flushEnded(ctx); err != nil {
		release()
		return nil, err
	}
	return &Opened{Audio: s.guard(ctx, p, act, id, g, a), Grant: g, Release: release}, nil
}

// flushEnded appends a recording.listen_end event for every listening that has ended: the
// ranges it served and how many requests asked for them.
func (s *Service) flushEnded(ctx context.Context) error {
	s.listening.mu.Lock()
	ended := s.listening.ended
	s.listening.ended = nil
	s.listening.mu.Unlock()
	for i, l := range ended {
		ev := &callvault.AuditEvent{Time: s.now(), Actor: string(l.actor), Action: callvault.ActionRecordingListenEnd,
			Object: "recording:" + l.recording, Purpose: "request:" + l.request, RequestID: callvault.RequestIDFrom(ctx),
			Detail: callvault.AuditDetail(map[string]any{"grant": l.grant, "ranges": l.ranges, "requests": l.requests,
				"started": l.started.Format(time.RFC3339), "last": l.lastUsed.Format(time.RFC3339)})}
		if err := s.Store.AppendAudit(ctx, ev); err != nil {
			s.listening.mu.Lock()
			s.listening.ended = append(s.listening.ended, ended[i:]...) // kept for the next try
			s.listening.mu.Unlock()
			return err
		}
		s.after(ctx)
	}
	return nil
}

// release returns a function that gives one use of l back, closing it if it is stale and unused.
func (ls *listenings) release(key listenKey, l *listening) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			ls.mu.Lock()
			defer ls.mu.Unlock()
			l.users--
			if l.stale && l.users == 0 && l.audio != nil {
				l.audio.Close()
			}
		})
	}
}

// dropLocked removes l and closes it once no request reads it.
func (ls *listenings) dropLocked(key listenKey, l *listening) {
	if ls.open[key] == l {
		delete(ls.open, key)
	}
	l.stale = true
	if l.users == 0 && l.audio != nil {
		l.audio.Close()
	}
	if !l.summarised && !l.silent {
		l.summarised = true
		ls.ended = append(ls.ended, l)
	}
}

// sweepLocked drops listenings at rest longer than pause, and the oldest beyond maxListenings.
func (ls *listenings) sweepLocked(now time.Time, pause time.Duration) {
	for k, l := range ls.open {
		if now.Sub(l.lastUsed) > pause {
			ls.dropLocked(k, l)
		}
	}
	for len(ls.open) >= maxListenings {
		var oldest listenKey
		var ol *listening
		for k, l := range ls.open {
			if ol == nil || l.lastUsed.Before(ol.lastUsed) {
				oldest, ol = k, l
			}
		}
		ls.dropLocked(oldest, ol)
	}
}

// maxRevoked bounds the grants remembered as revoked; beyond it, answers find a revocation in
// the store within recheckEvery bytes.
const maxRevoked = 4096

func (ls *listenings) wasRevoked(grant string) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.revoked[grant]
}

func (ls *listenings) forgetGrant(grant string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.revoked == nil || len(ls.revoked) >= maxRevoked {
		ls.revoked = map[string]bool{}
	}
	ls.revoked[grant] = true
	for k, l := range ls.open {
		if k.grant == grant {
			ls.dropLocked(k, l)
		}
	}
}

// Close ends every open listening and audits their summaries.
func (s *Service) Close(ctx context.Context) error {
	s.listening.mu.Lock()
	for k, l := range s.listening.open {
		s.listening.dropLocked(k, l)
	}
	s.listening.mu.Unlock()
	return s.flushEnded(ctx)
}
