package main

import (
	"context"
	"strconv"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/identity"
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

var (
	_ access.Notifier       = mailNotifier{}
	_ identity.NoticeMailer = mailNotifier{}
)

// notifier returns the notifier of the access workflow: the one a caller set on Main, else the
// outbox when the catalogue keeps one.
func (m *Main) notifier() access.Notifier {
	if m.Notifier != nil {
		return m.Notifier
	}
	if n, ok := m.outbox(); ok {
		return n
	}
	return nil
}

// noticeMailer returns the outbox as the staff notice's mailer, or nil without one.
func (m *Main) noticeMailer() identity.NoticeMailer {
	if n, ok := m.outbox(); ok {
		return n
	}
	return nil
}

// outbox returns the mail notifier over the catalogue's outbox, if it keeps one.
func (m *Main) outbox() (mailNotifier, bool) {
	store, ok := m.Catalogue.(callvault.MailStore)
	if !ok {
		return mailNotifier{}, false
	}
	now := m.Now
	if now == nil {
		now = time.Now
	}
	return mailNotifier{store: store, base: m.Config.publicURL(), now: now, wake: m.wakeMail}, true
}

// MailNotice queues one message asking to read version of the staff notice, for one person:
// the version and a link, never the text. The audit event names actor (who sent the notice)
// and the user, not the address.
func (n mailNotifier) MailNotice(ctx context.Context, actor callvault.Actor, version int, to *callvault.User) error {
	if to == nil || to.Email == "" || to.Disabled() {
		return nil
	}
	ref := strconv.Itoa(version)
	msg, err := mail.NewStaffNoticeMail([]string{to.Email}, ref, n.base+"/notice")
	if err != nil {
		return err
	}
	return n.enqueue(ctx, msg, actor, map[string]any{"kind": msg.Kind, "reference": ref, "user": to.ID, "recipients": 1})
}

func (n mailNotifier) RequestCreated(ctx context.Context, r *callvault.AccessRequest, deciders []*callvault.User) error {
	return n.send(ctx, r, deciders, "/approvals/"+r.ID, mail.NewAccessRequestMail)
}

func (n mailNotifier) RequestDecided(ctx context.Context, r *callvault.AccessRequest, requester *callvault.User) error {
	return n.send(ctx, r, []*callvault.User{requester}, "/requests", mail.NewAccessDecisionMail)
}

func (n mailNotifier) send(ctx context.Context, r *callvault.AccessRequest, to []*callvault.User, page string,
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
	msg, err := build(addrs, r.ID, n.base+page)
	if err != nil {
		return err
	}
	return n.enqueue(ctx, msg, callvault.ActorSystem, map[string]any{"kind": msg.Kind, "reference": r.ID, "recipients": len(addrs)})
}

// enqueue writes msg to the outbox with its mail.queued audit event and wakes the sender.
func (n mailNotifier) enqueue(ctx context.Context, msg *callvault.MailMessage, actor callvault.Actor, detail map[string]any) error {
	ev := &callvault.AuditEvent{
		Time:      n.now(),
		Actor:     string(actor),
		RequestID: callvault.RequestIDFrom(ctx),
		Action:    callvault.ActionMailQueued,
		Object:    "mail:" + msg.ID,
		Detail:    callvault.AuditDetail(detail),
	}
	if err := n.store.EnqueueMail(ctx, msg, ev); err != nil {
		return err
	}
	n.wake()
	return nil
}
