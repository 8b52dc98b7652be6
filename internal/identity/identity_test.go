package identity_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
	"github.com/callvault/callvault/internal/sqlite"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

const goodPassword = "correct stapler horse 42"

func newService(t *testing.T) (*identity.Service, *sqlite.DB, *clock) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	return &identity.Service{Store: db, Now: c.now}, db, c
}

func addUser(t *testing.T, s *identity.Service, name string, roles ...callvault.Role) *callvault.User {
	t.Helper()
	u, link, err := s.AddUser(context.Background(), callvault.Operator("cli:test"), identity.NewUser{Name: name, Roles: roles, Password: goodPassword})
	if err != nil || link != "" {
		t.Fatalf("AddUser: %v %q", err, link)
	}
	return u
}

func events(t *testing.T, db *sqlite.DB) []*callvault.AuditEvent {
	t.Helper()
	evs, err := db.AuditEvents(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func count(evs []*callvault.AuditEvent, action string) int {
	n := 0
	for _, e := range evs {
		if e.Action == action {
			n++
		}
	}
	return n
}

func TestPasswordPolicy(t *testing.T) {
	for _, tt := range []struct {
		pw string
		ok bool
	}{
		{"short", false},
		{"elevenchars", false},
		{"password1234", false},
		{"PASSWORD1234", false},
		{"aaaaaaaaaaaa", false},
		{"abcabcabcabc", false},
		{"123456789012", false},
		{"has sam inside it", false}, // contains the user name
		{goodPassword, true},
		{"tortoise-lamp-river-9", true},
		{strings.Repeat("x", 1025), false},
	} {
		err := identity.CheckPasswordPolicy(tt.pw, "sam", 12)
		if (err == nil) != tt.ok {
			t.Errorf("CheckPasswordPolicy(%q) = %v, want ok %t", tt.pw, err, tt.ok)
		}
		if err != nil && !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("CheckPasswordPolicy(%q) kind %s", tt.pw, callvault.ErrorKind(err))
		}
	}
	h := identity.HashPassword(goodPassword)
	if !strings.HasPrefix(h, "$argon2id$v=19$") || !identity.CheckPassword(h, goodPassword) || identity.CheckPassword(h, goodPassword+"x") {
		t.Errorf("argon2id hash %q does not check right", h)
	}
	for _, bad := range []string{"", "$argon2id$", "$bcrypt$v=19$m=1,t=1,p=1$AA$AA", h[:len(h)-4]} {
		if identity.CheckPassword(bad, goodPassword) {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestLockout(t *testing.T) {
	s, db, c := newService(t)
	ctx := context.Background()
	addUser(t, s, "sam", callvault.RoleStaff)
	var wrong []string
	for i := 0; i < 20; i++ {
		pw := "wrong-password-" + string(rune('a'+i)) + "-xyz"
		wrong = append(wrong, pw)
		_, err := s.Login(ctx, "sam", pw, "", "192.0.2.1")
		if !callvault.IsKind(err, callvault.KindUnauthenticated) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	if _, err := s.Login(ctx, "sam", goodPassword, "", "192.0.2.2"); !callvault.IsKind(err, callvault.KindUnauthenticated) || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("right password during lockout = %v, want refused as locked", err)
	}
	evs := events(t, db)
	if n := count(evs, callvault.ActionLockout); n != 1 {
		t.Errorf("%d lockout events, want 1 (failures during a lockout do not count)", n)
	}
	for _, e := range evs {
		for _, pw := range append(wrong, goodPassword) {
			if strings.Contains(e.Detail, pw) || strings.Contains(e.Object, pw) {
				t.Fatalf("audit event %s holds a password", e.Action)
			}
		}
	}
	c.add(15 * time.Minute)
	if _, err := s.Login(ctx, "sam", goodPassword, "", "192.0.2.2"); err != nil {
		t.Fatalf("right password after the lockout: %v", err)
	}
	// A second run of failures locks again, audited again.
	for i := 0; i < 10; i++ {
		s.Login(ctx, "sam", "another-wrong-one", "", "192.0.2.3")
	}
	if n := count(events(t, db), callvault.ActionLockout); n != 2 {
		t.Errorf("%d lockout events, want 2", n)
	}
}

func TestAddressThrottle(t *testing.T) {
	s, _, c := newService(t)
	s.Settings.AddressFailures = 5
	ctx := context.Background()
	addUser(t, s, "sam", callvault.RoleStaff)
	for i := 0; i < 5; i++ {
		s.Login(ctx, "nobody"+string(rune('a'+i)), "whatever-it-is", "", "198.51.100.9")
	}
	if _, err := s.Login(ctx, "sam", goodPassword, "", "198.51.100.9"); !callvault.IsKind(err, callvault.KindRateLimited) {
		t.Fatalf("sign-in from a throttled address = %v, want rate_limited", err)
	}
	if _, err := s.Login(ctx, "sam", goodPassword, "", "198.51.100.10"); err != nil {
		t.Fatalf("another address is not throttled: %v", err)
	}
	c.add(15 * time.Minute)
	if _, err := s.Login(ctx, "sam", goodPassword, "", "198.51.100.9"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestSessions(t *testing.T) {
	s, _, c := newService(t)
	ctx := context.Background()
	u := addUser(t, s, "sam", callvault.RoleStaff)
	in, err := s.Login(ctx, "sam", goodPassword, "", "a")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Authenticate(ctx, in.Secret)
	if err != nil || p.ID != u.ID || p.Kind != callvault.PrincipalUser || p.NoticeAcknowledged {
		t.Fatalf("Authenticate = %+v, %v", p, err)
	}
	if _, err := s.Authenticate(ctx, in.Secret+"x"); !callvault.IsKind(err, callvault.KindUnauthenticated) {
		t.Errorf("a wrong secret: %v", err)
	}
	if err := s.AcknowledgeNotice(ctx, p, 2); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("acknowledging another version: %v", err)
	}
	if err := s.AcknowledgeNotice(ctx, p, identity.DefaultNotice.Version); err != nil {
		t.Fatal(err)
	}
	if p, _ = s.Authenticate(ctx, in.Secret); !p.NoticeAcknowledged {
		t.Error("notice not acknowledged after AcknowledgeNotice")
	}
	// Idle expiry: 29 minutes keeps it alive (and touched), 31 more end it.
	c.add(29 * time.Minute)
	if _, err := s.Authenticate(ctx, in.Secret); err != nil {
		t.Fatalf("after 29 idle minutes: %v", err)
	}
	c.add(31 * time.Minute)
	if _, err := s.Authenticate(ctx, in.Secret); !callvault.IsKind(err, callvault.KindUnauthenticated) {
		t.Fatalf("after 31 idle minutes: %v", err)
	}
	// Absolute expiry.
	in, _ = s.Login(ctx, "sam", goodPassword, "", "a")
	for i := 0; i < 25; i++ {
		c.add(29 * time.Minute)
		s.Authenticate(ctx, in.Secret)
	}
	if _, err := s.Authenticate(ctx, in.Secret); !callvault.IsKind(err, callvault.KindUnauthenticated) {
		t.Fatalf("after 12 hours of use: %v", err)
	}
	// Logout, sign out everywhere, disable.
	a, _ := s.Login(ctx, "sam", goodPassword, "", "a")
	b, _ := s.Login(ctx, "sam", goodPassword, "", "b")
	pa, _ := s.Authenticate(ctx, a.Secret)
	if err := s.Logout(ctx, pa); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, a.Secret); err == nil {
		t.Error("session alive after logout")
	}
	if _, err := s.Authenticate(ctx, b.Secret); err != nil {
		t.Errorf("other session ended by logout: %v", err)
	}
	pb, _ := s.Authenticate(ctx, b.Secret)
	if err := s.LogoutEverywhere(ctx, pb); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, b.Secret); err == nil {
		t.Error("session alive after sign out everywhere")
	}
	c.add(time.Second)
	d, err := s.Login(ctx, "sam", goodPassword, "", "a")
	if err != nil {
		t.Fatalf("sign-in after sign out everywhere: %v", err)
	}
	if _, err := s.SetDisabled(ctx, callvault.Operator("user:boss"), u.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, d.Secret); err == nil {
		t.Error("a disabled user's session is alive")
	}
	if _, err := s.Login(ctx, "sam", goodPassword, "", "a"); !callvault.IsKind(err, callvault.KindUnauthenticated) {
		t.Errorf("a disabled user signs in: %v", err)
	}
}

func TestTOTP(t *testing.T) {
	s, db, c := newService(t)
	ctx := context.Background()
	addUser(t, s, "mia", callvault.RoleManager)
	in, _ := s.Login(ctx, "mia", goodPassword, "", "a")
	p, _ := s.Authenticate(ctx, in.Secret)
	if p.SecondFactor {
		t.Fatal("second factor before enrolment")
	}
	if _, err := s.ConfirmTOTP(ctx, p, "123456"); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("confirm before enrolment: %v", err)
	}
	en, err := s.BeginTOTP(ctx, p)
	if err != nil || en.Secret == "" || !strings.HasPrefix(en.OTPAuthURL, "otpauth://totp/") {
		t.Fatalf("BeginTOTP = %+v, %v", en, err)
	}
	if _, err := s.ConfirmTOTP(ctx, p, "000000"); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("a wrong code confirms: %v", err)
	}
	code, _ := totp.GenerateCode(en.Secret, c.now())
	codes, err := s.ConfirmTOTP(ctx, p, code)
	if err != nil || len(codes) != 10 {
		t.Fatalf("ConfirmTOTP = %v, %v", codes, err)
	}
	if p, _ = s.Authenticate(ctx, in.Secret); !p.SecondFactor {
		t.Error("no second factor after confirmation")
	}
	if _, err := s.BeginTOTP(ctx, p); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("re-enrolment over a confirmed factor: %v", err)
	}
	// Sign-in now needs a code; the code used to confirm cannot be replayed.
	if _, err := s.Login(ctx, "mia", goodPassword, "", "a"); err != identity.ErrSecondFactor {
		t.Errorf("sign-in without a code: %v", err)
	}
	if _, err := s.Login(ctx, "mia", goodPassword, code, "a"); err == nil {
		t.Error("a TOTP code was accepted twice")
	}
	c.add(30 * time.Second)
	code, _ = totp.GenerateCode(en.Secret, c.now())
	if _, err := s.Login(ctx, "mia", goodPassword, code, "a"); err != nil {
		t.Fatalf("sign-in with a fresh code: %v", err)
	}
	if _, err := s.Login(ctx, "mia", goodPassword, codes[3], "a"); err != nil {
		t.Fatalf("sign-in with a recovery code: %v", err)
	}
	if _, err := s.Login(ctx, "mia", goodPassword, codes[3], "a"); err == nil {
		t.Error("a recovery code was accepted twice")
	}
	for _, e := range events(t, db) {
		for _, secret := range append(codes, en.Secret, code, goodPassword) {
			if strings.Contains(e.Detail, secret) {
				t.Fatalf("audit event %s holds a secret", e.Action)
			}
		}
	}
}

func TestSetupLinkAndBootstrap(t *testing.T) {
	s, _, c := newService(t)
	ctx := context.Background()
	need, err := s.NeedsBootstrap(ctx)
	if err != nil || !need {
		t.Fatalf("NeedsBootstrap on an empty vault = %t, %v", need, err)
	}
	link := s.BootstrapLink()
	if _, err := s.Bootstrap(ctx, link+"x", "dan", "", goodPassword); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("a wrong bootstrap secret: %v", err)
	}
	if _, err := s.Bootstrap(ctx, link, "dan", "", "short"); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("a weak bootstrap password: %v", err)
	}
	dan, err := s.Bootstrap(ctx, link, "dan", "dan@example.com", goodPassword)
	if err != nil || !dan.Has(callvault.RoleDirector) {
		t.Fatalf("Bootstrap = %+v, %v", dan, err)
	}
	if _, err := s.Bootstrap(ctx, link, "eve", "", goodPassword); err == nil {
		t.Error("the bootstrap link worked twice")
	}
	other := s.BootstrapLink()
	if _, err := s.Bootstrap(ctx, other, "eve", "", goodPassword); !callvault.IsKind(err, callvault.KindConflict) {
		t.Errorf("bootstrap on a vault with users: %v", err)
	}

	u, secret, err := s.AddUser(ctx, callvault.Operator(dan.Actor()), identity.NewUser{Name: "sam", Roles: []callvault.Role{callvault.RoleStaff}})
	if err != nil || !strings.HasPrefix(secret, callvault.SetupPrefix) || u.PasswordHash != "" {
		t.Fatalf("AddUser without a password = %v, %q, %v", u, secret, err)
	}
	if _, err := s.Login(ctx, "sam", goodPassword, "", "a"); err == nil {
		t.Error("sign-in before a password is set")
	}
	if _, err := s.SetPasswordWithLink(ctx, secret, "password1234"); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("a common password through the link: %v", err)
	}
	if _, err := s.SetPasswordWithLink(ctx, secret, goodPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetPasswordWithLink(ctx, secret, goodPassword); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("the link worked twice: %v", err)
	}
	if _, err := s.Login(ctx, "sam", goodPassword, "", "a"); err != nil {
		t.Fatalf("sign-in with the password set: %v", err)
	}
	late, err := s.IssueSetupLink(ctx, dan.Actor(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.add(72 * time.Hour)
	if _, err := s.SetPasswordWithLink(ctx, late, goodPassword); !callvault.IsKind(err, callvault.KindNotFound) {
		t.Errorf("an expired link: %v", err)
	}
}
