package cases

import (
	"context"
	"crypto/ed25519"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/ukcal"
)

// Store is what the desk needs of the catalogue.
type Store interface {
	callvault.CaseStore
	Users(ctx context.Context) ([]*callvault.User, error)
	Delegations(ctx context.Context, delegateID string) ([]*callvault.Delegation, error)
	AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error
	// The chain of custody of a bundle is read by object (the case, its recordings).
	callvault.AuditObjectStore
}

// Finder finds recordings through the subject index (callvault.RecordingStore's methods).
type Finder interface {
	FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error)
	Recording(ctx context.Context, id string) (*callvault.Recording, error)
}

// Notifier tells the DPO of a new case "in writing at once" (the policy), for example by the
// mail outbox. It is called after the case is stored; its failure does not undo the case.
type Notifier interface {
	CaseOpened(ctx context.Context, c *callvault.Case, dpos []*callvault.User) error
}

// Holder keeps a case's included recordings from deletion while the case is open (legal holds,
// built apart: callvault.HoldStore with Hold.CaseID). The default does nothing. actor is who
// made the decision (the DPO's actor string).
type Holder interface {
	// Hold puts recordingID on hold for caseID; Release ends that case's hold on it (holds of
	// other cases and holds placed by hand stay).
	Hold(ctx context.Context, actor, caseID, recordingID, reason string) error
	Release(ctx context.Context, actor, caseID, recordingID, reason string) error
}

type noHolder struct{}

func (noHolder) Hold(context.Context, string, string, string, string) error    { return nil }
func (noHolder) Release(context.Context, string, string, string, string) error { return nil }

// Service runs the case desk, asking Rules at every step.
type Service struct {
	Rules      *access.Rules
	Store      Store
	Recordings Finder
	// PhoneRegion is the region of numbers written in national form ("" means GB).
	PhoneRegion string
	// HolidayRegion is whose bank holidays the subject access clock counts (default
	// england-and-wales).
	HolidayRegion ukcal.Region
	Notifier      Notifier
	Holder        Holder
	// Holds, if set, serves holds placed by hand (PlaceHold, ReleaseHold, ListHolds) and the
	// desk's overdue hold reviews; without it they answer not found.
	Holds HoldKeeper
	// Archive opens recordings for bundles (audited); SigningKey signs them (the vault's
	// audit key). Without them bundles are refused.
	Archive    callvault.AuditedOpener
	SigningKey ed25519.PrivateKey
	Now        func() time.Time
	// AfterAudit, if set, is called after each audit event (checkpoints).
	AfterAudit func(ctx context.Context)

	flags flagLimiter // staff flags per person (flag.go)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) after(ctx context.Context) {
	if s.AfterAudit != nil {
		s.AfterAudit(ctx)
	}
}

func (s *Service) holder() Holder {
	if s.Holder == nil {
		return noHolder{}
	}
	return s.Holder
}

func (s *Service) region() ukcal.Region {
	if s.HolidayRegion == "" {
		return ukcal.DefaultRegion
	}
	return s.HolidayRegion
}

func (s *Service) event(ctx context.Context, p *callvault.Principal, action string, c *callvault.Case, detail map[string]any) *callvault.AuditEvent {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["reference"] = c.Reference
	detail["type"] = string(c.Type)
	return &callvault.AuditEvent{Time: s.now(), Actor: string(p.Actor), Action: action, Object: "case:" + c.ID,
		RequestID: callvault.RequestIDFrom(ctx), Detail: callvault.AuditDetail(detail)}
}

// check asks the rules whether p may do a on a case of type t.
func (s *Service) check(p *callvault.Principal, a callvault.Action, t callvault.CaseType) error {
	d := s.Rules.Decide(p, a, access.Object{CaseType: t, Now: s.now()})
	if !d.Allow {
		return &access.Denied{Decision: d}
	}
	return nil
}

// load returns the case id if p may do a on it; a case p may not run is not found.
func (s *Service) load(ctx context.Context, p *callvault.Principal, a callvault.Action, id string) (*callvault.Case, error) {
	if !callvault.ValidID(id) {
		return nil, callvault.Errorf(callvault.KindNotFound, "no such case")
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	if d := s.Rules.Decide(p, a, access.Object{CaseType: c.Type, Case: c, Now: s.now()}); !d.Allow {
		return nil, &access.Denied{Decision: d}
	}
	return c, nil
}

// step appends a history line to c.
func (s *Service) step(c *callvault.Case, p *callvault.Principal, step, detail string) {
	c.History = append(c.History, callvault.CaseStep{At: s.now(), Actor: string(p.Actor), Step: step, Status: string(c.Status), Detail: detail})
}

// update stores c with its audit event and runs the hooks.
func (s *Service) update(ctx context.Context, c *callvault.Case, ev *callvault.AuditEvent) error {
	if err := s.Store.UpdateCase(ctx, c, ev); err != nil {
		return err
	}
	s.after(ctx)
	return nil
}

// Get returns the case id.
func (s *Service) Get(ctx context.Context, p *callvault.Principal, id string) (*callvault.Case, error) {
	return s.load(ctx, p, callvault.ActCaseRead, id)
}
