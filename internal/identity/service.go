package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// Settings are the sign-in settings. Zero values take the defaults below.
type Settings struct {
	MinPasswordLength int           // default 12
	MaxFailures       int           // wrong passwords that lock an account; default 10
	LockoutFor        time.Duration // default 15 minutes
	SessionIdle       time.Duration // a session unused this long ends; default 30 minutes
	SessionMax        time.Duration // a session ends this long after sign-in; default 12 hours
	SetupLinkTTL      time.Duration // a set-password link expires after; default 72 hours
	// AddressFailures is how many failed sign-ins one client address may make in
	// AddressWindow before it is refused (429) until the window passes; default 50 in 15 minutes.
	AddressFailures int
	AddressWindow   time.Duration
}

func (s Settings) withDefaults() Settings {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if s.MinPasswordLength <= 0 {
		s.MinPasswordLength = DefaultMinPasswordLength
	}
	if s.MaxFailures <= 0 {
		s.MaxFailures = 10
	}
	if s.AddressFailures <= 0 {
		s.AddressFailures = 50
	}
	def(&s.LockoutFor, 15*time.Minute)
	def(&s.SessionIdle, 30*time.Minute)
	def(&s.SessionMax, 12*time.Hour)
	def(&s.SetupLinkTTL, 72*time.Hour)
	def(&s.AddressWindow, 15*time.Minute)
	return s
}

// Store is what the service needs of the catalogue.
type Store interface {
	callvault.UserStore
	callvault.SessionStore
	AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error
}

// Service signs people in and manages their accounts. It is safe for concurrent use.
type Service struct {
	Store    Store
	Settings Settings
	// Notice is the configured notice (notice_file), current while the catalogue stores none
	// of a higher version.
	Notice Notice
	// Notices, if set, keeps the versions of the notice edited in the browser (SaveNotice).
	Notices callvault.NoticeStore
	// NoticeFresh is how long a node trusts the stored version it read last; default 2s.
	NoticeFresh time.Duration
	// Mailer, if set, queues the notice for each person (SendNotice).
	Mailer NoticeMailer
	// Now is the clock; default time.Now.
	Now func() time.Time
	// AfterAudit, if set, is called after each audit event (checkpoints).
	AfterAudit func(ctx context.Context)
	// Rules decide user management (who may give the dpo role); nil: the policy's defaults.
	Rules *access.Rules
	// Passkeys, if set, keeps passkeys; PublicURL (the address people use, with a host name)
	// is then the WebAuthn relying party. Without both, no passkeys are offered.
	Passkeys  callvault.PasskeyStore
	PublicURL string

	throttle throttle
	names    nameLocks
	// verify, if set, replaces CheckPassword (tests count the argon2 work).
	verify    func(hash, password string) bool
	bootMu    sync.Mutex
	bootHash  string
	bootUntil time.Time

	noticeCache noticeCache

	ceremonies ceremonies
	rpOnce     sync.Once
	rp         *webauthn.WebAuthn
	rpErr      error
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) settings() Settings { return s.Settings.withDefaults() }

func (s *Service) after(ctx context.Context) {
	if s.AfterAudit != nil {
		s.AfterAudit(ctx)
	}
}

// event returns an audit event by actor about object, naming the request being served.
func (s *Service) event(ctx context.Context, actor callvault.Actor, action, object string, detail map[string]any) *callvault.AuditEvent {
	return &callvault.AuditEvent{Time: s.now(), Actor: string(actor), Action: action, Object: object,
		RequestID: callvault.RequestIDFrom(ctx), Detail: callvault.AuditDetail(detail)}
}

// newSecret returns prefix and 256 random bits, and the hex SHA-256 that is stored instead.
func newSecret(prefix string) (secret, hash string) {
	var b [32]byte
	rand.Read(b[:])
	secret = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// update reads the user, applies change and writes it with the event change returns (nil:
// nothing to write), retrying when another writer changed the row meanwhile. change's error is
// returned after the write: a refusal that changes the user (a wrong password counted) returns
// both an event and an error.
func (s *Service) update(ctx context.Context, id string, change func(u *callvault.User) (*callvault.AuditEvent, error)) (*callvault.User, error) {
	for attempt := 0; ; attempt++ {
		u, err := s.Store.User(ctx, id)
		if err != nil {
			return nil, err
		}
		ev, refusal := change(u)
		if ev == nil {
			return u, refusal
		}
		err = s.Store.UpdateUser(ctx, u, ev)
		if callvault.IsKind(err, callvault.KindConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return u, err
		}
		s.after(ctx)
		return u, refusal
	}
}

func (s *Service) audit(ctx context.Context, ev *callvault.AuditEvent) error {
	if err := s.Store.AppendAudit(ctx, ev); err != nil {
		return err
	}
	s.after(ctx)
	return nil
}
