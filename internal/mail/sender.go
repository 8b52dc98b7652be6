package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/callvault/callvault"
)

// Defaults of a Sender.
const (
	DefaultBatch      = 10
	DefaultMinBackoff = 30 * time.Second
	DefaultMaxBackoff = time.Hour
	DefaultPoll       = 10 * time.Second
	defaultSendTime   = 30 * time.Second // a delivery's bound, for the claim's length
)

// Sender delivers the outbox. Every node may run one: claims keep two senders from holding one
// message at once. Run loops around RunOnce; tests call RunOnce.
type Sender struct {
	Store     callvault.MailStore
	Transport Transport
	Holder    string       // names this sender in claims; unique per process
	Logger    *slog.Logger // never given addresses, bodies or credentials
	Now       func() time.Time

	Batch      int           // messages claimed at a time; default DefaultBatch
	MinBackoff time.Duration // wait after the first failure; doubles per failure
	MaxBackoff time.Duration // longest wait between attempts
	Poll       time.Duration // Run's wait between runs when not woken
	SendTime   time.Duration // how long one delivery may take (sets the claim's length)
	// AfterAudit, if set, is called after a mail.sent event was appended (checkpoints).
	AfterAudit func(context.Context)

	wakeOnce sync.Once
	wake     chan struct{}
}

// Result counts what one RunOnce did.
type Result struct {
	Sent, Failed, Refused int
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func orDefault[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Backoff is the wait after the attempts-th failed attempt: min, 2*min, 4*min, ... up to max.
func Backoff(attempts int, min, max time.Duration) time.Duration {
	d := min
	for i := 1; i < attempts && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d
}

// Wake makes Run start its next round at once (after new mail was enqueued).
func (s *Sender) Wake() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Sender) init() {
	s.wakeOnce.Do(func() { s.wake = make(chan struct{}, 1) })
}

// Run calls RunOnce until ctx ends, every Poll or when woken. A delivery in progress when ctx
// ends is finished and recorded (so a normal restart sends nothing twice); messages claimed and
// not yet tried are released for the next sender.
func (s *Sender) Run(ctx context.Context) {
	s.init()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.logger().Warn("mail sender: cannot read or update the outbox; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(orDefault(s.Poll, DefaultPoll)):
		}
	}
}

// RunOnce claims due messages a batch at a time and delivers each, until none is due or ctx
// ends. A message that fails is tried again after Backoff; one that Verify refuses (not built
// by a constructor) is never sent and is tried again only after MaxBackoff, so that it stays
// visible in the outbox's status with its reason.
func (s *Sender) RunOnce(ctx context.Context) (Result, error) {
	var res Result
	if s.Holder == "" {
		return res, callvault.Errorf(callvault.KindInvalid, "mail sender: no holder name")
	}
	batch := orDefault(s.Batch, DefaultBatch)
	// The claim outlasts the slowest batch, so that no other sender takes a message this one
	// is still working on; a sender that dies leaves its claim to expire.
	claimFor := time.Duration(batch)*orDefault(s.SendTime, defaultSendTime) + time.Minute
	for ctx.Err() == nil {
		now := s.now()
		ms, err := s.Store.ClaimMail(ctx, s.Holder, now, now.Add(claimFor), batch)
		if err != nil {
			return res, err
		}
		for i, m := range ms {
			if ctx.Err() != nil {
				s.release(ctx, ms[i:])
				return res, nil
			}
			if err := s.deliver(ctx, m, &res); err != nil {
				s.release(ctx, ms[i+1:])
				return res, err
			}
		}
		if len(ms) < batch {
			break
		}
	}
	return res, nil
}

// deliver sends one claimed message and records the outcome. The delivery and its record are
// not cancelled by ctx: once a message is handed to the server its sending must be recorded.
func (s *Sender) deliver(ctx context.Context, m *callvault.MailMessage, res *Result) error {
	dctx := context.WithoutCancel(ctx)
	log := s.logger().With("mail", m.ID, "kind", m.Kind, "attempt", m.Attempts+1)
	if err := Verify(m); err != nil {
		res.Refused++
		log.Error("mail sender: refused to send a message not built by its constructor", "err", err)
		return s.Store.MarkMailFailed(dctx, m.ID, s.Holder, s.now().Add(orDefault(s.MaxBackoff, DefaultMaxBackoff)),
			"refused: "+callvault.ErrorMessage(err))
	}
	sctx, cancel := context.WithTimeout(dctx, orDefault(s.SendTime, defaultSendTime))
	err := s.Transport.Send(sctx, m)
	cancel()
	if err != nil {
		res.Failed++
		wait := Backoff(m.Attempts+1, orDefault(s.MinBackoff, DefaultMinBackoff), orDefault(s.MaxBackoff, DefaultMaxBackoff))
		log.Warn("mail sender: delivery failed; will retry", "retry_in", wait, "err", err)
		return s.Store.MarkMailFailed(dctx, m.ID, s.Holder, s.now().Add(wait), err.Error())
	}
	ev := &callvault.AuditEvent{
		Time:   s.now(),
		Actor:  string(callvault.ActorSystem),
		Action: callvault.ActionMailSent,
		Object: m.ID,
		Detail: callvault.AuditDetail(map[string]any{
			"kind": string(m.Kind), "reference": m.Reference, "recipients": len(m.To), "attempt": m.Attempts + 1,
		}),
	}
	if err := s.Store.MarkMailSent(dctx, m.ID, s.Holder, s.now(), ev); err != nil {
		if callvault.IsKind(err, callvault.KindConflict) {
			// Another sender took the message over while this one was sending (its claim ran
			// out): it may be delivered twice, with the same Message-ID.
			log.Warn("mail sender: sent, but the claim was taken over meanwhile; the message may arrive twice")
			res.Sent++
			return nil
		}
		return err
	}
	res.Sent++
	log.Info("mail sent")
	if s.AfterAudit != nil {
		s.AfterAudit(dctx)
	}
	return nil
}

// release gives back claimed messages that were not tried.
func (s *Sender) release(ctx context.Context, ms []*callvault.MailMessage) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var errs []error
	for _, m := range ms {
		errs = append(errs, s.Store.ReleaseMail(rctx, m.ID, s.Holder))
	}
	if err := errors.Join(errs...); err != nil {
		s.logger().Warn("mail sender: cannot release claimed messages; they are retried when the claim ends", "err", err)
	}
}
