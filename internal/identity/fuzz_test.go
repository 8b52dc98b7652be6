package identity

import (
	"strings"
	"testing"
)

// FuzzCheckPassword: a stored hash of any shape is parsed without panicking or burning unbounded
// memory, and only a well-formed argon2id hash can match.
func FuzzCheckPassword(f *testing.F) {
	f.Add(HashPassword("tortoise lamp river 42"), "tortoise lamp river 42")
	f.Add("$argon2id$v=19$m=4194305,t=1,p=1$c2FsdA$aGFzaA", "x")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$$", "")
	f.Fuzz(func(t *testing.T, hash, password string) {
		if CheckPassword(hash, password) && !strings.HasPrefix(hash, "$argon2id$v=19$") {
			t.Fatalf("hash %q matched", hash)
		}
	})
}

// FuzzPasswordPolicy: the policy never panics and never accepts a password shorter than the
// minimum.
func FuzzPasswordPolicy(f *testing.F) {
	f.Add("password1234", "sam")
	f.Add("tortoise lamp river 42", "")
	f.Fuzz(func(t *testing.T, password, name string) {
		if CheckPasswordPolicy(password, name, 12) == nil && len([]rune(password)) < 12 {
			t.Fatalf("accepted %q", password)
		}
	})
}
