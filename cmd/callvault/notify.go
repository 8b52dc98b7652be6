package main

import (
	"context"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/mail"
)

// mailNotifier tells people about access requests by e-mail: it queues a message in the
// catalogue's outbox (sent by the mail job, retried, never lost on restart) holding only the
// request's ID and a link, never what the request says.
type mailNotifier struct {
	store callvault.MailStore
	base  string // public URL of the vault
	now   func() time.Time
	wake  func()
}

var _ access.Notifier = mailNotifier{}

// notifier returns the notifier of the access workflow: the one a caller set on Main, else the
// outbox when the catalogue keeps one.
func (m *Main) notifier() access.Notifier {
	if m.Notifier != nil {
		return m.Notifier
	}
	store, ok := m.Catalogue.(callvault.MailStore)
	if !ok {
		return nil
	}
	now := m.Now
	if now == nil {
		now = time.Now
	}
	return mailNotifier{store: store, base: m.Config.publicURL(), now: now, wake: m.wakeMail}
}

func (n mailNotifier) RequestCreated(ctx context.Context, r *callvault.AccessRequest, deciders []*callvault.User) error {
	return n.send(ctx, r, deciders, mail.NewAccessRequestMail)
}

func (n mailNotifier) RequestDecided(ctx context.Context, r *callvault.AccessRequest, requester *callvault.User) error {
	return n.send(ctx, r, []*callvault.User{requester}, mail.NewAccessDecisionMail)
}

func (n mailNotifier) send(ctx context.Context, r *callvault.AccessRequest, to []*callvault.User,
	build func(to []string, reference, link string) (*callvault.MailMessage, error)) error {
	var addrs []string
	for _, u := range to {
		if u != nil && u.Email != "" && !u.Disabled() {
			addrs = append(addrs, u.Email)
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	msg, err := build(addrs, r.ID, n.base+"/requests/"+r.ID)
	if err != nil {
		return err
	}
	ev := &callvault.AuditEvent{
		Time:      n.now(),
		Actor:     string(callvault.ActorSystem),
		RequestID: callvault.RequestIDFrom(ctx),
		Action:    callvault.ActionMailQueued,
		Object:    "mail:" + msg.ID,
		Detail: callvault.AuditDetail(map[string]any{
			"kind": msg.Kind, "reference": r.ID, "recipients": len(addrs),
		}),
	}
	if err := n.store.EnqueueMail(ctx, msg, ev); err != nil {
		return err
	}
	n.wake()
	return nil
}
