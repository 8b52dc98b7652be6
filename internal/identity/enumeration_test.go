package identity_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// TestRefusalsTellNoNames: sign-in refusals for a real account and for a name that is no
// account (unknown, or disabled) read alike and cost alike: the same kind and message at every
// try, one password hash each (the locked path included), and the same lockout after
// MaxFailures wrong tries, so neither the answer nor its time tells which names exist.
func TestRefusalsTellNoNames(t *testing.T) {
	s, _, _ := newService(t)
	hashes := identity.CountHashes(s)
	ctx := context.Background()
	addUser(t, s, "sam", callvault.RoleStaff)
	gone := addUser(t, s, "gil", callvault.RoleStaff)
	if _, err := s.SetDisabled(ctx, callvault.Operator("cli:test"), gone.ID, true); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		kind   callvault.Kind
		msg    string
		hashes int64
	}
	try := func(name, password, addr string) answer {
		before := hashes.Load()
		in, err := s.Login(ctx, name, password, "", addr)
		if in != nil || err == nil {
			t.Fatalf("%s signed in with %q", name, password)
		}
		return answer{callvault.ErrorKind(err), callvault.ErrorMessage(err), hashes.Load() - before}
	}
	for i := 0; i < 12; i++ { // 10 wrong passwords lock; then even the right one is refused
		pw := fmt.Sprintf("wrong guess %02d", i)
		if i >= 10 {
			pw = goodPassword
		}
		real := try("sam", pw, "192.0.2.1")
		for _, name := range []string{"nobody", "gil"} {
			if other := try(name, pw, "192.0.2.2"); other != real {
				t.Fatalf("try %d: %s answers %+v, the real account %+v", i, name, other, real)
			}
		}
		if real.hashes != 1 || real.kind != callvault.KindUnauthenticated {
			t.Fatalf("try %d: %+v, want one hash and unauthenticated", i, real)
		}
		if locked := i >= 10; locked != (real.msg != "wrong user name or password") {
			t.Fatalf("try %d: %q", i, real.msg)
		}
	}
}
