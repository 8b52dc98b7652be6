package main

import (
	"context"
	"fmt"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/ukcal"
)

// openCases builds the DPO's case desk over the open catalogue.
func (m *Main) openCases(ps interface {
	callvault.PeopleStore
	callvault.RecordingStore
}, rules *access.Rules) error {
	store, ok := m.Catalogue.(callvault.CaseStore)
	if !ok {
		return fmt.Errorf("the catalogue %T does not keep cases", m.Catalogue)
	}
	region, err := ukcal.ParseRegion(m.Config.HolidayRegion)
	if err != nil {
		return err
	}
	m.Cases = &cases.Service{
		Rules:         rules,
		Store:         caseStore{CaseStore: store, PeopleStore: ps, AuditStore: m.Catalogue},
		Recordings:    ps,
		PhoneRegion:   m.Config.Region,
		HolidayRegion: region,
		Now:           m.Now,
		AfterAudit:    m.afterAudit,
		Archive:       m.Archive,
		SigningKey:    m.Keys.SigningKey(),
		// Holder: legal holds (branch retain) wire in here: a cases.Holder that places a hold
		// per included recording and releases it when the case closes.
	}
	if store, ok := m.Catalogue.(callvault.MailStore); ok {
		now := m.Now
		if now == nil {
			now = time.Now
		}
		m.Cases.Notifier = mailNotifier{store: store, base: m.Config.publicURL(), now: now, wake: m.wakeMail}
	}
	return nil
}

// caseStore joins the catalogue's cases and users for the desk.
type caseStore struct {
	callvault.CaseStore
	callvault.PeopleStore
	callvault.AuditStore
}

var _ cases.Notifier = mailNotifier{}

// CaseOpened e-mails the DPO(s) that case c was opened, through the outbox: its reference and
// a link, nothing about whom or what it concerns.
func (n mailNotifier) CaseOpened(ctx context.Context, c *callvault.Case, dpos []*callvault.User) error {
	var addrs []string
	for _, u := range dpos {
		if u != nil && u.Email != "" && !u.Disabled() {
			addrs = append(addrs, u.Email)
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	msg, err := mail.NewCaseOpenedMail(addrs, c.Reference, n.base+"/cases/"+c.ID)
	if err != nil {
		return err
	}
	ev := &callvault.AuditEvent{Time: n.now(), Actor: string(callvault.ActorSystem), RequestID: callvault.RequestIDFrom(ctx),
		Action: callvault.ActionMailQueued, Object: "mail:" + msg.ID,
		Detail: callvault.AuditDetail(map[string]any{"kind": msg.Kind, "reference": c.Reference, "recipients": len(addrs)})}
	if err := n.store.EnqueueMail(ctx, msg, ev); err != nil {
		return err
	}
	n.wake()
	return nil
}
