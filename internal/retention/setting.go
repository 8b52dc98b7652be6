package retention

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/callvault/callvault"
)

// Setting is the retention period every node uses: the highest version stored in the catalogue
// (set by a Director in the browser), or the configuration's retention_months while none is
// stored. The stored value is cached for Fresh (callvault.RetentionSettingFreshness by
// default), so ingest costs no query most of the time and every node follows a change within
// seconds; a change on this node is seen at once.
type Setting struct {
	Store  callvault.RetentionSettingStore // nil: only the configuration's value
	Config int                             // retention_months of the configuration file
	Stats  callvault.RetentionStore        // counts the recordings a change moves
	Fresh  time.Duration
	Now    func() time.Time
	// AfterAudit, if set, is called after a change is committed (for checkpointing).
	AfterAudit func(ctx context.Context)

	mu     sync.Mutex
	latest *callvault.RetentionSetting // nil: none stored
	readAt time.Time
	valid  bool
}

func (s *Setting) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Months returns the period in force: the stored one, else the configuration's (6 if unset).
func (s *Setting) Months(ctx context.Context) (int, error) {
	st, err := s.Stored(ctx)
	if err != nil {
		return 0, err
	}
	if st != nil {
		return st.Months, nil
	}
	if s.Config <= 0 {
		return 6, nil
	}
	return s.Config, nil
}

// Stored returns the latest stored version (nil when none is), from the cache while fresh.
func (s *Setting) Stored(ctx context.Context) (*callvault.RetentionSetting, error) {
	if s.Store == nil {
		return nil, nil
	}
	fresh := s.Fresh
	if fresh == 0 {
		fresh = callvault.RetentionSettingFreshness
	}
	now := s.now()
	s.mu.Lock()
	if s.valid && now.Sub(s.readAt) < fresh && !now.Before(s.readAt) {
		v := s.latest
		s.mu.Unlock()
		return v, nil
	}
	s.mu.Unlock()
	v, err := s.Store.LatestRetentionSetting(ctx)
	switch {
	case callvault.IsKind(err, callvault.KindNotFound):
		v = nil
	case err != nil:
		return nil, err
	}
	s.mu.Lock()
	s.latest, s.readAt, s.valid = v, now, true
	s.mu.Unlock()
	return v, nil
}

func (s *Setting) forget() {
	s.mu.Lock()
	s.valid = false
	s.mu.Unlock()
}

// History returns the stored versions, newest first (none while the configuration rules).
func (s *Setting) History(ctx context.Context) ([]*callvault.RetentionSetting, error) {
	if s.Store == nil {
		return nil, nil
	}
	return s.Store.RetentionSettings(ctx)
}

// SettingChange is a new period: From is the period its author saw (a change from another is
// refused), Reason says why.
type SettingChange struct {
	From   int
	Months int
	Reason string
}

// Impact is what a change of period does, for the confirmation step: every live recording gets
// a new deletion date (held ones stay held, whatever the date); with a shorter period, those
// now past it are deleted at the next sweep unless held.
type Impact struct {
	From, To int
	// Moved counts the live recordings whose deletion date the change moves.
	Moved int64
	// Shorter is true when the new period is shorter than the one in force.
	Shorter bool
}

// Check validates c against the period in force and says what it would do. Errors: KindInvalid
// naming the field (months out of 1..120 or unchanged, a missing or over-long reason);
// KindConflict when the period changed since c.From was read.
func (s *Setting) Check(ctx context.Context, c SettingChange) (*Impact, error) {
	if s.Store == nil {
		return nil, callvault.Errorf(callvault.KindUnavailable, "this vault's catalogue does not keep the retention period")
	}
	reason := strings.TrimSpace(c.Reason)
	var bad callvault.FieldErrors
	if c.Months < callvault.MinRetentionMonths || c.Months > callvault.MaxRetentionMonths {
		bad.Add("months", fmt.Sprintf("must be a whole number of months from %d to %d", callvault.MinRetentionMonths, callvault.MaxRetentionMonths))
	}
	switch {
	case reason == "":
		bad.Add("reason", "is required: say why the period changes (it goes into the audit log)")
	case utf8.RuneCountInString(reason) > callvault.MaxRetentionReasonLength:
		bad.Add("reason", fmt.Sprintf("is longer than %d characters", callvault.MaxRetentionReasonLength))
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	s.forget()
	cur, err := s.Months(ctx)
	if err != nil {
		return nil, err
	}
	if c.From != cur {
		return nil, callvault.Errorf(callvault.KindConflict, "the retention period changed while you edited it: it is now %d months; read it and make your change again", cur)
	}
	if c.Months == cur {
		bad.Add("months", fmt.Sprintf("is the period in force already (%d months)", cur))
		return nil, bad.Err()
	}
	im := &Impact{From: cur, To: c.Months, Shorter: c.Months < cur}
	if s.Stats != nil {
		// Every live recording follows the period (the recompute moves them all), so a change
		// of months moves each one's deletion date to another month.
		st, err := s.Stats.RetentionStats(ctx, s.now())
		if err != nil {
			return nil, err
		}
		im.Moved = st.Live
	}
	return im, nil
}

// Set stores c as the next version, by actor, audited (retention.set: old and new months, who,
// reason) in the same transaction. The retention job then moves every recording's deletion
// date and re-wraps its header to its new month's key epoch. Errors as Check.
func (s *Setting) Set(ctx context.Context, actor callvault.Actor, c SettingChange) (*callvault.RetentionSetting, error) {
	im, err := s.Check(ctx, c)
	if err != nil {
		return nil, err
	}
	defer s.forget()
	version := 1
	if st, err := s.Stored(ctx); err != nil {
		return nil, err
	} else if st != nil {
		version = st.Version + 1
	}
	v := &callvault.RetentionSetting{Version: version, Months: c.Months, Reason: strings.TrimSpace(c.Reason), Author: string(actor), CreatedAt: s.now().UTC()}
	ev := &callvault.AuditEvent{Time: v.CreatedAt, Actor: string(actor), RequestID: callvault.RequestIDFrom(ctx),
		Action: callvault.ActionRetentionSet, Object: "retention",
		Detail: callvault.AuditDetail(map[string]any{"version": version, "old_months": im.From, "new_months": im.To, "reason": v.Reason, "recordings": im.Moved})}
	if err := s.Store.AddRetentionSetting(ctx, v, ev); err != nil {
		if callvault.IsKind(err, callvault.KindConflict) {
			return nil, callvault.Errorf(callvault.KindConflict, "someone else changed the retention period at the same time; read it and make your change again")
		}
		return nil, err
	}
	if s.AfterAudit != nil {
		s.AfterAudit(ctx)
	}
	return v, nil
}

// SettleTime is how long after a change of the stored period the retention job waits before
// it recomputes the deletion dates: every node's cached value (Fresh) has expired by then, so
// no recording arriving with the old period is committed after the recompute passed it.
const SettleTime = 10 * time.Second

// Settled returns the period in force and whether the recompute may follow it now: false for
// SettleTime after a stored change (the job then leaves the dates as they are, and its next
// run recomputes them).
func (s *Setting) Settled(ctx context.Context) (months int, settled bool, err error) {
	s.forget()
	st, err := s.Stored(ctx)
	if err != nil {
		return 0, false, err
	}
	months, err = s.Months(ctx)
	if err != nil {
		return 0, false, err
	}
	return months, st == nil || !s.now().Before(st.CreatedAt.Add(SettleTime)), nil
}
