package pci

import (
	"context"
	"log/slog"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/mail"
)

// Recipients says who is told when card data was keyed: the DPO. Until people and roles
// exist, StaticRecipients (the dpo_email setting) answers; later an implementation returning
// the addresses of the users with role dpo takes its place.
type Recipients interface {
	// DPOAddresses returns the DPO's e-mail addresses; none is not an error (the alert is
	// then audited and logged only).
	DPOAddresses(ctx context.Context) ([]string, error)
}

// StaticRecipients is a fixed list of addresses (the dpo_email setting).
type StaticRecipients []string

// DPOAddresses implements Recipients.
func (s StaticRecipients) DPOAddresses(context.Context) ([]string, error) { return s, nil }

// Store is what the alert writes to: the audit log and the outbox.
type Store interface {
	AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error
	EnqueueMail(ctx context.Context, m *callvault.MailMessage, ev *callvault.AuditEvent) error
}

// Alerter raises the card-data alert of a stored recording.
type Alerter struct {
	Store Store
	DPO   Recipients // nil: no one is mailed
	// Link returns where in callvault the DPO reviews a recording (an absolute URL).
	Link func(recordingID string) string
	// AfterAudit, if set, is called after the event is committed (for checkpointing).
	AfterAudit func(ctx context.Context)
	Logger     *slog.Logger
	Now        func() time.Time
}

func (a *Alerter) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Alerter) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// CardDataKeyed records that card data was keyed during recording r (already stored and
// flagged by the archive): an audit event callvault.ActionPCICardDataKeyed naming the
// recording, and, in the same transaction, a message to the DPO in the outbox. Without a DPO
// address the event is still written, and a warning says that no one was told. The event,
// the message and the log name the recording only: never the digits, a number or a party.
func (a *Alerter) CardDataKeyed(ctx context.Context, r *callvault.Recording, actor callvault.Actor) error {
	if a.Store == nil {
		return callvault.Errorf(callvault.KindInternal, "pci: the catalogue has no outbox for the card data alert")
	}
	var to []string
	if a.DPO != nil {
		var err error
		if to, err = a.DPO.DPOAddresses(ctx); err != nil {
			return err
		}
	}
	detail := map[string]any{"source": r.Source, "masked_spans": r.Attributes[callvault.AttrDTMFMasked], "dpo_mailed": len(to)}
	ev := &callvault.AuditEvent{
		Time:      a.now(),
		Actor:     string(actor),
		RequestID: callvault.RequestIDFrom(ctx),
		Action:    callvault.ActionPCICardDataKeyed,
		Object:    "recording:" + r.ID,
	}
	if len(to) == 0 {
		ev.Detail = callvault.AuditDetail(detail)
		if err := a.Store.AppendAudit(ctx, ev); err != nil {
			return err
		}
		a.afterAudit(ctx)
		a.logger().Warn("card data keyed on a recorded line; no DPO e-mail address is set (dpo_email), so no one was mailed",
			"recording", r.ID)
		return nil
	}
	link := ""
	if a.Link != nil {
		link = a.Link(r.ID)
	}
	msg, err := mail.NewPCIAlertMail(to, r.ID, link)
	if err != nil {
		return err
	}
	detail["mail"] = msg.ID
	ev.Detail = callvault.AuditDetail(detail)
	if err := a.Store.EnqueueMail(ctx, msg, ev); err != nil {
		return err
	}
	a.afterAudit(ctx)
	a.logger().Info("card data keyed on a recorded line; the DPO is told", "recording", r.ID, "mail", msg.ID,
		"recipients", len(to))
	return nil
}

func (a *Alerter) afterAudit(ctx context.Context) {
	if a.AfterAudit != nil {
		a.AfterAudit(ctx)
	}
}
