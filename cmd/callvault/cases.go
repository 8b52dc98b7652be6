package main

import (
	"context"
	"fmt"

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
	if n, ok := m.notifier().(mailNotifier); ok {
		m.Cases.Notifier = n
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

// CaseOpened e-mails the DPO(s) that case c was opened: its reference and a link, nothing else.
func (n mailNotifier) CaseOpened(ctx context.Context, c *callvault.Case, dpos []*callvault.User) error {
	return n.queue(ctx, c.Reference, n.base+"/cases/"+c.ID, dpos, mail.NewCaseOpenedMail)
}
