package tokens

import (
	"context"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// Store is what the service needs of the catalogue.
type Store interface {
	callvault.TokenStore
	AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error
}

// Service creates, lists and revokes tokens. The zero value is not usable: set Store.
type Service struct {
	Store Store
	// Now is the clock; default time.Now.
	Now func() time.Time
	// AfterAudit, if set, is called after each audit event (checkpoints).
	AfterAudit func(ctx context.Context)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) after(ctx context.Context) {
	if s.AfterAudit != nil {
		s.AfterAudit(ctx)
	}
}

// ValidName reports whether name can name a token: 1 to 100 characters without spaces.
func ValidName(name string) bool {
	return name != "" && len(name) <= 100 && !strings.ContainsAny(name, " \t\r\n")
}

// Create makes a token named name with role and returns it with its secret, which is not kept
// (only its hash) and cannot be shown again. The creation is audited by actor with the name
// and role. Errors: KindInvalid (a role that is not a token role, a bad name), KindConflict (a
// token has that name).
func (s *Service) Create(ctx context.Context, actor callvault.Actor, name string, role callvault.Role) (*callvault.Token, string, error) {
	name = strings.TrimSpace(name)
	if !role.Valid() {
		return nil, "", callvault.Errorf(callvault.KindInvalid, "%q is not a token role", role)
	}
	if !ValidName(name) {
		return nil, "", callvault.Errorf(callvault.KindInvalid, "a token name is 1 to 100 characters without spaces")
	}
	secret, hash := callvault.NewTokenSecret()
	now := s.now()
	t := &callvault.Token{ID: callvault.NewID(), Name: name, Role: role, Hash: hash, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	ev := &callvault.AuditEvent{Time: now, Actor: string(actor), Action: callvault.ActionTokenCreate,
		Object: "token:" + t.ID, Detail: callvault.AuditDetail(map[string]any{"name": t.Name, "role": t.Role})}
	if err := s.Store.CreateToken(ctx, t, ev); err != nil {
		return nil, "", err
	}
	s.after(ctx)
	return t, secret, nil
}

// List returns every token, revoked ones included, oldest first. Listing is a read of the
// vault's access configuration: it is audited by actor before anything is returned.
func (s *Service) List(ctx context.Context, actor callvault.Actor) ([]*callvault.Token, error) {
	tokens, err := s.Store.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	ev := &callvault.AuditEvent{Time: s.now(), Actor: string(actor), Action: callvault.ActionTokenList, Object: "tokens",
		Detail: callvault.AuditDetail(map[string]any{"tokens": len(tokens)})}
	if err := s.Store.AppendAudit(ctx, ev); err != nil {
		return nil, err
	}
	s.after(ctx)
	return tokens, nil
}

// Revoke ends the token id at once, audited by actor. Errors: KindNotFound if no live token
// has that ID.
func (s *Service) Revoke(ctx context.Context, actor callvault.Actor, id string) error {
	ev := &callvault.AuditEvent{Time: s.now(), Actor: string(actor), Action: callvault.ActionTokenRevoke, Object: "token:" + id}
	if err := s.Store.RevokeToken(ctx, id, ev); err != nil {
		return err
	}
	s.after(ctx)
	return nil
}
