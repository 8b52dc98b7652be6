package identity

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/callvault/callvault"
)

// Argon2id parameters: OWASP's recommended minimum (19 MiB, 2 passes, 1 lane), which keeps a
// sign-in near 30 ms on one core while making each guess of a stolen hash cost as much.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
	// maxArgonMemoryKiB bounds the memory a stored hash may ask for (64 MiB), so a corrupt or
	// planted row cannot make a sign-in allocate gigabytes.
	maxArgonMemoryKiB = 64 * 1024
)

// Password limits.
const (
	DefaultMinPasswordLength = 12
	MaxPasswordLength        = 1024
)

// HashPassword returns the argon2id hash of password in PHC string form.
func HashPassword(password string) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemoryKiB, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key))
}

// CheckPassword reports whether password matches the PHC hash; a malformed hash never matches.
// The parameters are read from the hash, so hashes made with older settings keep working.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var v int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > maxArgonMemoryKiB || t == 0 || t > 10 || p == 0 || p > 16 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user does not exist, so that a wrong name takes as long
// as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword("callvault-dummy-password") })

//go:embed common-passwords.txt
var commonList string

var common = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
})

// CheckPasswordPolicy returns KindInvalid, saying why, for a password that is too short or too
// long, the user's name, a common password, or one character or a run repeated.
func CheckPasswordPolicy(password, userName string, minLength int) error {
	if minLength <= 0 {
		minLength = DefaultMinPasswordLength
	}
	n := utf8.RuneCountInString(password)
	switch {
	case n < minLength:
		return callvault.Errorf(callvault.KindInvalid, "the password is too short: at least %d characters (a few unrelated words make a good one)", minLength)
	case len(password) > MaxPasswordLength:
		return callvault.Errorf(callvault.KindInvalid, "the password is too long: at most %d bytes", MaxPasswordLength)
	case !utf8.ValidString(password):
		return callvault.Errorf(callvault.KindInvalid, "the password is not valid UTF-8")
	}
	lower := strings.ToLower(password)
	if userName != "" && strings.Contains(lower, strings.ToLower(userName)) {
		return callvault.Errorf(callvault.KindInvalid, "the password must not contain the user name")
	}
	if common()[lower] || repetitive(lower) {
		return callvault.Errorf(callvault.KindInvalid, "the password is too common or too easy to guess; choose another")
	}
	return nil
}

// repetitive reports whether s is one short pattern (up to 4 characters) repeated, such as
// "aaaaaaaaaaaa" or "abcabcabcabc", or a run of consecutive characters such as "123456789012".
func repetitive(s string) bool {
	r := []rune(s)
	for p := 1; p <= 4 && p < len(r); p++ {
		same := true
		for i := p; i < len(r); i++ {
			if r[i] != r[i-p] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	run := true
	for i := 1; i < len(r); i++ {
		d := r[i] - r[i-1]
		if d != 1 && d != -1 && !(r[i-1] == '9' && r[i] == '0') {
			run = false
			break
		}
	}
	return run
}
