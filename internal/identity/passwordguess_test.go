package identity_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/callvault/callvault"
)

// TestChangePasswordGuessesCount: someone holding a signed-in session (a browser left open)
// cannot guess the account's password through the password change without limit: wrong current
// passwords count like wrong sign-ins, the tenth locks the account (audited) and ends its
// sessions, and during the lockout even the right current password is refused.
func TestChangePasswordGuessesCount(t *testing.T) {
	s, db, _ := newService(t)
	ctx := context.Background()
	addUser(t, s, "sam", callvault.RoleStaff)
	in, err := s.Login(ctx, "sam", goodPassword, "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Authenticate(ctx, in.Secret)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		err := s.ChangePassword(ctx, p, fmt.Sprintf("a-wrong-guess-%02d", i), "a brand new passphrase 77")
		if !callvault.IsKind(err, callvault.KindForbidden) {
			t.Fatalf("wrong current password %d: %v", i, err)
		}
	}
	if n := count(events(t, db), callvault.ActionLockout); n != 1 {
		t.Errorf("%d lockout events after ten wrong current passwords, want 1", n)
	}
	if _, err := s.Authenticate(ctx, in.Secret); err == nil {
		t.Error("the session that guessed survived the lockout")
	}
	if err := s.ChangePassword(ctx, p, goodPassword, "a brand new passphrase 77"); err == nil {
		t.Error("the right current password during the lockout changed the password")
	}
	if _, err := s.Login(ctx, "sam", goodPassword, "", "192.0.2.9"); err == nil {
		t.Error("sign-in during the lockout")
	}
}
