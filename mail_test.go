package callvault

import (
	"strings"
	"testing"
	"time"
)

func validMail() *MailMessage {
	return &MailMessage{
		ID:        NewID(),
		To:        []string{"dpo@example.org", "director@example.org"},
		Subject:   "callvault: case C-1 opened",
		Body:      "A case was opened.\n",
		Kind:      MailCaseOpened,
		Reference: "C-1",
		Link:      "https://vault.example.org/cases/C-1",
		CreatedAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC),
	}
}

func TestMailMessageValidate(t *testing.T) {
	if err := validMail().Validate(); err != nil {
		t.Fatalf("valid message: %v", err)
	}
	var nilMsg *MailMessage
	if !IsKind(nilMsg.Validate(), KindInvalid) {
		t.Error("nil message accepted")
	}
	many := make([]string, MaxMailRecipients+1)
	for i := range many {
		many[i] = "u" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "@example.org"
	}
	for name, change := range map[string]func(m *MailMessage){
		"no id":                func(m *MailMessage) { m.ID = "" },
		"bad id":               func(m *MailMessage) { m.ID = "1234" },
		"unknown kind":         func(m *MailMessage) { m.Kind = "recording_copy" },
		"no recipients":        func(m *MailMessage) { m.To = nil },
		"too many":             func(m *MailMessage) { m.To = many },
		"duplicate":            func(m *MailMessage) { m.To = []string{"a@example.org", "A@example.org"} },
		"display name":         func(m *MailMessage) { m.To = []string{"DPO <dpo@example.org>"} },
		"header injection":     func(m *MailMessage) { m.To = []string{"dpo@example.org\r\nBcc: x@evil.example"} },
		"two in one":           func(m *MailMessage) { m.To = []string{"a@example.org,b@example.org"} },
		"no domain":            func(m *MailMessage) { m.To = []string{"dpo"} },
		"non-ascii":            func(m *MailMessage) { m.To = []string{"dpö@example.org"} },
		"no reference":         func(m *MailMessage) { m.Reference = "" },
		"reference with space": func(m *MailMessage) { m.Reference = "C 1" },
		"link with newline":    func(m *MailMessage) { m.Link = "https://x.example/\r\nBcc: y" },
		"empty subject":        func(m *MailMessage) { m.Subject = "" },
		"multi-line subject":   func(m *MailMessage) { m.Subject = "a\r\nBcc: x@evil.example" },
		"long subject":         func(m *MailMessage) { m.Subject = strings.Repeat("s", 201) },
		"empty body":           func(m *MailMessage) { m.Body = "" },
		"long body":            func(m *MailMessage) { m.Body = strings.Repeat("b", 16<<10+1) },
		"bad utf-8":            func(m *MailMessage) { m.Body = "\xff" },
		"no time":              func(m *MailMessage) { m.CreatedAt = time.Time{} },
	} {
		m := validMail()
		change(m)
		if err := m.Validate(); !IsKind(err, KindInvalid) {
			t.Errorf("%s: Validate = %v, want kind invalid", name, err)
		}
	}
}

func TestTruncateMailError(t *testing.T) {
	if got := TruncateMailError("short"); got != "short" {
		t.Errorf("TruncateMailError(short) = %q", got)
	}
	long := strings.Repeat("é", 400) // 800 bytes
	got := TruncateMailError(long)
	if len(got) > maxMailError+3 || !strings.HasSuffix(got, "...") || !strings.HasPrefix(long, strings.TrimSuffix(got, "...")) {
		t.Errorf("TruncateMailError(long) = %d bytes %q", len(got), got[len(got)-10:])
	}
}

func FuzzValidMailAddress(f *testing.F) {
	for _, s := range []string{"dpo@example.org", "a b@c", "x@y\r\nz", "\"q\"@x.org", "<a@b>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidMailAddress(s) == nil && (strings.ContainsAny(s, "\r\n <>,") || !strings.Contains(s, "@")) {
			t.Fatalf("accepted %q", s)
		}
	})
}
