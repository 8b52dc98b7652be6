package mail

import (
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

const testLink = "https://vault.example.org/requests/0193a5f2-7c1e-7abc-8def-0123456789ab"

func TestConstructorsMakeVerifiableMail(t *testing.T) {
	to := []string{"dpo@example.org"}
	for name, build := range map[string]func([]string, string, string) (*callvault.MailMessage, error){
		"access request":  NewAccessRequestMail,
		"access decision": NewAccessDecisionMail,
		"case opened":     NewCaseOpenedMail,
		"pci alert":       NewPCIAlertMail,
		"staff notice":    NewStaffNoticeMail,
	} {
		m, err := build(to, "SAR-2026-0007", testLink)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := Verify(m); err != nil {
			t.Errorf("%s: Verify = %v", name, err)
		}
		if !strings.Contains(m.Subject, "SAR-2026-0007") || !strings.Contains(m.Body, testLink) {
			t.Errorf("%s: subject %q / body %q lack the reference or link", name, m.Subject, m.Body)
		}
		id, err := build(to, callvault.NewID(), testLink) // an ID is a fine reference
		if err != nil || Verify(id) != nil {
			t.Errorf("%s with an ID reference: %v", name, err)
		}
	}
}

func TestConstructorsRefuseCallDetails(t *testing.T) {
	to := []string{"dpo@example.org"}
	for _, ref := range []string{
		"", "+447700900123", "07700900123", "4111111111111111", "call with Bob", "SAR\n2026",
		"call-07700900123", strings.Repeat("r", 65),
	} {
		if _, err := NewCaseOpenedMail(to, ref, testLink); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("reference %q: %v, want kind invalid", ref, err)
		}
	}
	for _, link := range []string{
		"", "vault.example.org/x", "ftp://vault.example.org/x", "https://user:pw@vault.example.org/x",
		"https://vault.example.org/search?number=07700900123", "https://vault.example.org/x y",
		"https://vault.example.org/\r\nBcc: x@example.net", "https://vault.example.org/" + strings.Repeat("a", 600),
	} {
		if _, err := NewCaseOpenedMail(to, "C-1", link); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("link %q: %v, want kind invalid", link, err)
		}
	}
	if _, err := NewCaseOpenedMail([]string{"Bob <bob@example.org>"}, "C-1", testLink); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("bad recipient: %v, want kind invalid", err)
	}
}

func TestVerifyRefusesEditedMail(t *testing.T) {
	for name, edit := range map[string]func(m *callvault.MailMessage){
		"body":      func(m *callvault.MailMessage) { m.Body += "Caller: +44 7700 900123, said ...\n" },
		"subject":   func(m *callvault.MailMessage) { m.Subject = "Call from Bob at 10:32" },
		"kind":      func(m *callvault.MailMessage) { m.Kind = callvault.MailPCIAlert },
		"reference": func(m *callvault.MailMessage) { m.Reference = "07700900123" },
		"link":      func(m *callvault.MailMessage) { m.Link = "https://evil.example/" },
	} {
		m, err := NewAccessRequestMail([]string{"manager@example.org"}, "AR-12", testLink)
		if err != nil {
			t.Fatal(err)
		}
		edit(m)
		if err := Verify(m); !callvault.IsKind(err, callvault.KindInvalid) {
			t.Errorf("%s edited: Verify = %v, want kind invalid", name, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempts int
		want     string
	}{{1, "30s"}, {2, "1m0s"}, {3, "2m0s"}, {7, "32m0s"}, {8, "1h0m0s"}, {50, "1h0m0s"}} {
		if got := Backoff(tc.attempts, DefaultMinBackoff, DefaultMaxBackoff).String(); got != tc.want {
			t.Errorf("Backoff(%d) = %s, want %s", tc.attempts, got, tc.want)
		}
	}
}

func TestFormatCannotInjectHeaders(t *testing.T) {
	m, err := NewCaseOpenedMail([]string{"dpo@example.org", "deputy@example.org"}, "C-9", testLink)
	if err != nil {
		t.Fatal(err)
	}
	m.Subject = "Case C-9 \u00e9t\u00e9" // non-ASCII is encoded, not raw
	raw := string(format(m, "cv@example.org", "example.org"))
	head, body, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		t.Fatalf("no header/body separator in %q", raw)
	}
	for _, want := range []string{
		"From: cv@example.org", "To: dpo@example.org,\r\n deputy@example.org", "Subject: =?utf-8?q?",
		"Message-ID: <" + m.ID + "@example.org>", "Content-Transfer-Encoding: quoted-printable",
	} {
		if !strings.Contains(head, want+"") {
			t.Errorf("headers lack %q:\n%s", want, head)
		}
	}
	if strings.Count(head, "\r\n") != 9 {
		t.Errorf("want 9 header lines (To folded once), got:\n%s", head)
	}
	if strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		t.Errorf("bare LF in the body: %q", body)
	}
}
