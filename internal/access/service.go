package access

import (
	"context"
	"errors"
	"time"

	"github.com/callvault/callvault"
)

// Defaults of the workflow settings.
const (
	DefaultGrantExpiry = 7 * 24 * time.Hour
	DefaultMaxExpiry   = 90 * 24 * time.Hour
	DefaultPause       = 5 * time.Minute
	// MaxMatches bounds the recordings one request may match: a request that matches more is
	// browsing, and is refused with a request to narrow it.
	MaxMatches = 200
)

// Store is what the workflows need of the catalogue.
type Store interface {
	callvault.AccessStore
	callvault.DelegationStore
	User(ctx context.Context, id string) (*callvault.User, error)
	UserByName(ctx context.Context, name string) (*callvault.User, error)
	Users(ctx context.Context) ([]*callvault.User, error)
	AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error
}

// Finder finds recordings through the subject index (callvault.RecordingStore's method).
type Finder interface {
	FindRecordings(ctx context.Context, f callvault.RecordingFilter) ([]*callvault.Recording, error)
	Recording(ctx context.Context, id string) (*callvault.Recording, error)
}

// Notifier tells people about the workflow, for example by e-mail (the mail outbox). It is
// called after the change has committed; it must not block for long and must not carry call
// details beyond the request's reference and a link. The default does nothing.
type Notifier interface {
	// RequestCreated: r waits for a decision by deciders (exactly those who may decide it).
	RequestCreated(ctx context.Context, r *callvault.AccessRequest, deciders []*callvault.User) error
	// RequestDecided: r was approved or rejected; requester is the person who asked.
	RequestDecided(ctx context.Context, r *callvault.AccessRequest, requester *callvault.User) error
}

type noNotifier struct{}

func (noNotifier) RequestCreated(context.Context, *callvault.AccessRequest, []*callvault.User) error {
	return nil
}

func (noNotifier) RequestDecided(context.Context, *callvault.AccessRequest, *callvault.User) error {
	return nil
}

// notifyDecided tells the requester of r that it was decided. A notifier's failure is its own
// to report: the decision stands.
func (s *Service) notifyDecided(ctx context.Context, r *callvault.AccessRequest) {
	if u, err := s.Store.User(ctx, r.RequesterID); err == nil {
		_ = s.notifier().RequestDecided(ctx, r, u)
	}
}

// Service runs access requests, their decisions, grants, delegations and listening, asking
// Rules at every step.
type Service struct {
	Rules      *Rules
	Store      Store
	Recordings Finder
	// Archive opens recordings; it must implement callvault.AuditedOpener.
	Archive callvault.AuditedOpener
	// Region is the default region for telephone numbers written in national form.
	Region string
	// MaxExpiry bounds how long an approver may make a grant last; default DefaultMaxExpiry.
	MaxExpiry time.Duration
	// Pause is how long a listening may rest before the next request for it is a new,
	// audited listening; default DefaultPause.
	Pause    time.Duration
	Notifier Notifier
	Now      func() time.Time
	// AfterAudit, if set, is called after each audit event (checkpoints).
	AfterAudit func(ctx context.Context)

	listening listenings
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

func (s *Service) notifier() Notifier {
	if s.Notifier == nil {
		return noNotifier{}
	}
	return s.Notifier
}

func (s *Service) event(ctx context.Context, p *callvault.Principal, action, object string, detail map[string]any) *callvault.AuditEvent {
	return &callvault.AuditEvent{Time: s.now(), Actor: string(p.Actor), Action: action, Object: object,
		RequestID: callvault.RequestIDFrom(ctx), Detail: callvault.AuditDetail(detail)}
}

// Denied is a refusal by the rules. Its Kind follows the decision's Code: KindNotFound for
// not_found, KindForbidden otherwise; Code names the HTTP problem type.
type Denied struct{ Decision Decision }

func (d *Denied) Error() string { return d.Decision.Reason }

// Unwrap gives the refusal its Kind and safe message.
func (d *Denied) Unwrap() error {
	kind := callvault.KindForbidden
	if d.Decision.Code == CodeNotFound {
		kind = callvault.KindNotFound
	}
	return &callvault.Error{Kind: kind, Message: d.Decision.Reason}
}

// DeniedCode returns the problem code of a refusal in err's chain, or "".
func DeniedCode(err error) string {
	var d *Denied
	if errors.As(err, &d) {
		return d.Decision.Code
	}
	return ""
}

// audited are the actions whose refusals are audit events (access.denied): attempts to decide
// or to reach recordings.
var audited = map[callvault.Action]bool{
	callvault.ActRequestApprove: true, callvault.ActRequestReject: true, callvault.ActRecordingRead: true,
	callvault.ActRecordingListen: true, callvault.ActRecordingDownload: true, callvault.ActGrantRevoke: true,
	callvault.ActDelegationCreate: true, callvault.ActDelegationRevoke: true,
}

// Check asks the rules and returns a *Denied for a refusal. Refusals of the actions that touch
// recordings or decisions are audited.
func (s *Service) Check(ctx context.Context, p *callvault.Principal, a callvault.Action, o Object, object string) (Decision, error) {
	if o.Now.IsZero() {
		o.Now = s.now()
	}
	d := s.Rules.Decide(p, a, o)
	if d.Allow {
		return d, nil
	}
	if audited[a] && p != nil {
		ev := s.event(ctx, p, callvault.ActionAccessDenied, object, map[string]any{"action": string(a), "reason": d.Reason, "code": d.Code})
		if err := s.Store.AppendAudit(ctx, ev); err != nil {
			return d, err
		}
		s.after(ctx)
	}
	return d, &Denied{Decision: d}
}

// delegationsOf returns the delegations to p (all of them; the rules check which are live).
func (s *Service) delegationsOf(ctx context.Context, p *callvault.Principal) ([]*callvault.Delegation, error) {
	if p == nil || !p.IsUser() {
		return nil, nil
	}
	return s.Store.Delegations(ctx, p.ID)
}
