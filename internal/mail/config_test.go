package mail

import (
	"fmt"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/google/go-cmp/cmp"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want Config
	}{
		{"smtp://mail.example.org?from=callvault@example.org",
			Config{Host: "mail.example.org", Port: 587, From: "callvault@example.org", Helo: "localhost"}},
		{"smtp://u%40x:p%3Ass@127.0.0.1:2525/?from=cv@example.org&require_tls=true&helo=vault.example.org",
			Config{Host: "127.0.0.1", Port: 2525, Username: "u@x", Password: "p:ss", From: "cv@example.org", RequireTLS: true, Helo: "vault.example.org"}},
		{"smtps://user:secret@[::1]?from=cv@example.org",
			Config{Host: "::1", Port: 465, Username: "user", Password: "secret", From: "cv@example.org", ImplicitTLS: true, RequireTLS: true, Helo: "localhost"}},
		{"smtps://h?from=cv@example.org&require_tls=false", // implicit TLS cannot be turned off
			Config{Host: "h", Port: 465, From: "cv@example.org", ImplicitTLS: true, RequireTLS: true, Helo: "localhost"}},
	} {
		got, err := ParseURL(tc.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.url, err)
			continue
		}
		if diff := cmp.Diff(&tc.want, got); diff != "" {
			t.Errorf("ParseURL(%q) (-want +got):\n%s", tc.url, diff)
		}
	}
	for _, bad := range []string{
		"",
		"mail.example.org",
		"http://mail.example.org?from=a@b.org",
		"smtp://?from=a@b.org",
		"smtp://h?from=",
		"smtp://h",
		"smtp://h?from=Callvault <a@b.org>",
		"smtp://h?from=a@b.org%0d%0aBcc:x@y.org",
		"smtp://h:0?from=a@b.org",
		"smtp://h:99999?from=a@b.org",
		"smtp://h/path?from=a@b.org",
		"smtp://h?from=a@b.org&form=x",
		"smtp://h?from=a@b.org&require_tls=maybe",
		"smtp://:secret@h?from=a@b.org",
		"smtp://h?from=a@b.org&helo=a%20b",
		"smtp://user:hunter2@h?from=a@b.org#frag",
	} {
		_, err := ParseURL(bad)
		if !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("ParseURL(%q) = %v, want kind invalid", bad, err)
		} else if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseURL(%q) error shows the password: %v", bad, err)
		}
	}
}

func TestConfigStringHidesPassword(t *testing.T) {
	c, err := ParseURL("smtp://alice:s3cret-pw@mail.example.org:2525?from=cv@example.org&require_tls=1")
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	if strings.Contains(s, "s3cret-pw") {
		t.Fatalf("String() = %q shows the password", s)
	}
	for _, shown := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", *c), fmt.Sprintf("%v", c)} {
		if strings.Contains(shown, "s3cret-pw") {
			t.Errorf("formatting the config shows the password: %s", shown)
		}
	}
	back, err := ParseURL(s)
	if err != nil {
		t.Fatalf("ParseURL(String()) = %v", err)
	}
	back.Password = c.Password
	if diff := cmp.Diff(c, back); diff != "" {
		t.Errorf("String() does not round-trip (-want +got):\n%s", diff)
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"smtp://u:p@h:25?from=a@b.org", "smtps://h?from=a@b.org&helo=x", "smtp://h?from=a@b.org&require_tls=true",
		"smtp://%zz", "smtp://[::1]:1?from=a@b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := ParseURL(raw)
		if err != nil {
			if !callvault.IsKind(err, callvault.KindInvalid) {
				t.Fatalf("ParseURL(%q) error of kind %s", raw, callvault.ErrorKind(err))
			}
			return
		}
		if c.Host == "" || c.Port < 1 || c.Port > 65535 || callvault.ValidMailAddress(c.From) != nil {
			t.Fatalf("ParseURL(%q) accepted %+v", raw, c)
		}
		if c.Password != "" && len(c.Password) > 3 && strings.Contains(c.String(), c.Password) {
			t.Fatalf("String() of %q shows the password", raw)
		}
		if _, err := ParseURL(c.String()); err != nil {
			t.Fatalf("ParseURL(String() of %q = %q) = %v", raw, c.String(), err)
		}
	})
}
