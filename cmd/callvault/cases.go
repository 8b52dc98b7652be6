package main

import (
	"context"
	"fmt"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/retention"
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
	audit, ok := m.Catalogue.(callvault.AuditObjectStore)
	if !ok {
		return fmt.Errorf("the catalogue %T does not read audit events by object", m.Catalogue)
	}
	region, err := ukcal.ParseRegion(m.Config.HolidayRegion)
	if err != nil {
		return err
	}
	m.Cases = &cases.Service{
		Rules:         rules,
		Store:         caseStore{CaseStore: store, PeopleStore: ps, AuditStore: m.Catalogue, AuditObjectStore: audit},
		Recordings:    ps,
		PhoneRegion:   m.Config.Region,
		HolidayRegion: region,
		Now:           m.Now,
		AfterAudit:    m.afterAudit,
		Archive:       m.Archive,
		SigningKey:    m.Keys.SigningKey(),
	}
	if hs, ok := m.Catalogue.(callvault.HoldStore); ok {
		m.Cases.Holder = caseHolder{holds: m.holds(hs), now: m.Now}
		m.Cases.Holds = holdKeeper{holds: m.holds(hs)}
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
	callvault.AuditObjectStore
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

// caseHolder keeps a case's included recordings on legal hold while the case is open: one hold
// per (case, recording), placed on inclusion and released on exclusion or when the case closes.
// Holds of other cases and holds placed by hand stay.
type caseHolder struct {
	holds *retention.Holds
	now   func() time.Time
}

// caseHoldReview is when a case's hold comes up for review on the DPO's desk.
const caseHoldReview = 90 * 24 * time.Hour

func (h caseHolder) active(ctx context.Context, caseID, recordingID string) ([]*callvault.Hold, error) {
	all, err := h.holds.List(ctx, callvault.HoldFilter{RecordingID: recordingID, ActiveOnly: true})
	if err != nil {
		return nil, err
	}
	var out []*callvault.Hold
	for _, x := range all {
		if x.CaseID == caseID {
			out = append(out, x)
		}
	}
	return out, nil
}

func (h caseHolder) Hold(ctx context.Context, actor, caseID, recordingID, reason string) error {
	if have, err := h.active(ctx, caseID, recordingID); err != nil || len(have) > 0 {
		return err
	}
	now := time.Now
	if h.now != nil {
		now = h.now
	}
	_, err := h.holds.Place(ctx, retention.PlaceRequest{RecordingID: recordingID, CaseID: caseID, Reason: reason,
		ReviewAt: now().Add(caseHoldReview), Actor: actor})
	return err
}

func (h caseHolder) Release(ctx context.Context, actor, caseID, recordingID, reason string) error {
	have, err := h.active(ctx, caseID, recordingID)
	if err != nil {
		return err
	}
	for _, x := range have {
		if _, err := h.holds.Release(ctx, x.ID, actor, reason); err != nil {
			return err
		}
	}
	return nil
}
