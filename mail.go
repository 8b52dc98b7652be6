package callvault

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Outgoing mail. Messages are written to an outbox in the catalogue, in the same transaction as
// the audit event of the change that caused them, and a sender (internal/mail) delivers them by
// SMTP. A message never carries call details: its text is built by the typed constructors of
// internal/mail from a reference and a link only.

// MailKind says what a message is about.
type MailKind string

// The kinds of message callvault sends.
const (
	MailAccessRequest  MailKind = "access_request"  // a request waits for a decision
	MailAccessDecision MailKind = "access_decision" // the requester's request was decided
	MailCaseOpened     MailKind = "case_opened"     // the DPO is told of a new case
	MailPCIAlert       MailKind = "pci_alert"       // card data keyed on a recorded line
	MailStaffNotice    MailKind = "staff_notice"    // a new version of the recording notice
)

// Valid reports whether k is a known kind.
func (k MailKind) Valid() bool {
	switch k {
	case MailAccessRequest, MailAccessDecision, MailCaseOpened, MailPCIAlert, MailStaffNotice:
		return true
	}
	return false
}

// Audit actions of the outbox. The enqueueing change's own event is the caller's; the store's
// caller appends ActionMailSent when a message was delivered. A notifier that queues mail on
// its own (not within the causing change) appends ActionMailQueued.
const (
	ActionMailQueued = "mail.queued"
	ActionMailSent   = "mail.sent"
)

// Limits of a MailMessage.
const (
	MaxMailRecipients = 100
	maxMailSubject    = 200
	maxMailBody       = 16 << 10
	maxMailError      = 500
)

// MailMessage is one message in the outbox. ID is also the message's SMTP Message-ID (local
// part), so that a message delivered twice after a crash is recognisable as one.
type MailMessage struct {
	ID          string    `json:"id"`
	To          []string  `json:"to"` // plain addresses (user@example.org)
	Subject     string    `json:"subject"`
	Body        string    `json:"body"` // plain text
	Kind        MailKind  `json:"kind"`
	Reference   string    `json:"reference"` // what the message is about: a request, case or recording reference
	Link        string    `json:"link"`      // where in callvault to look; the body names nothing else
	CreatedAt   time.Time `json:"created_at"`
	Attempts    int       `json:"attempts"`        // delivery attempts that ended (failed or sent)
	NextAttempt time.Time `json:"next_attempt_at"` // not claimed before this time
	SentAt      time.Time `json:"sent_at,omitzero"`
	LastError   string    `json:"last_error,omitempty"` // of the last failed attempt; never holds credentials
}

// Sent reports whether the message was delivered.
func (m *MailMessage) Sent() bool { return !m.SentAt.IsZero() }

// Validate checks what a store needs before it keeps the message: an ID, a known kind, 1 to
// MaxMailRecipients plain addresses, a one-line subject and a body within limits. It returns
// KindInvalid naming the bad field.
func (m *MailMessage) Validate() error {
	switch {
	case m == nil:
		return Errorf(KindInvalid, "mail: no message")
	case !ValidID(m.ID):
		return Errorf(KindInvalid, "mail: id %q is not a callvault ID", m.ID)
	case !m.Kind.Valid():
		return Errorf(KindInvalid, "mail: unknown kind %q", m.Kind)
	case m.Reference == "" || len(m.Reference) > 64 || !ascii(m.Reference):
		return Errorf(KindInvalid, "mail: the reference must be 1 to 64 printable ASCII characters")
	case len(m.Link) > 512 || !ascii(m.Link):
		return Errorf(KindInvalid, "mail: the link must be at most 512 printable ASCII characters")
	case len(m.To) == 0 || len(m.To) > MaxMailRecipients:
		return Errorf(KindInvalid, "mail: %d recipients; want 1 to %d", len(m.To), MaxMailRecipients)
	case m.Subject == "" || len(m.Subject) > maxMailSubject || !utf8.ValidString(m.Subject) ||
		strings.ContainsAny(m.Subject, "\r\n"):
		return Errorf(KindInvalid, "mail: the subject must be one line of 1 to %d bytes of UTF-8", maxMailSubject)
	case m.Body == "" || len(m.Body) > maxMailBody || !utf8.ValidString(m.Body):
		return Errorf(KindInvalid, "mail: the body must be 1 to %d bytes of UTF-8", maxMailBody)
	case m.CreatedAt.IsZero():
		return Errorf(KindInvalid, "mail: no creation time")
	}
	seen := make(map[string]bool, len(m.To))
	for _, to := range m.To {
		if err := ValidMailAddress(to); err != nil {
			return err
		}
		if seen[strings.ToLower(to)] {
			return Errorf(KindInvalid, "mail: recipient %q is given twice", to)
		}
		seen[strings.ToLower(to)] = true
	}
	return nil
}

// ValidMailAddress checks that s is one plain ASCII address (user@domain, no display name, no
// comments, no spaces or line breaks); KindInvalid otherwise.
func ValidMailAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(s, "@") || len(s) > 254 ||
		strings.ContainsAny(s, "\r\n<>,;\" ") || !ascii(s) {
		return Errorf(KindInvalid, "mail: %q is not a plain e-mail address like dpo@example.org", s)
	}
	return nil
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// TruncateMailError shortens a delivery error for MailMessage.LastError.
func TruncateMailError(s string) string {
	if len(s) <= maxMailError {
		return s
	}
	s = s[:maxMailError]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "..."
}

// MailStore is the outbox of outgoing mail. Every catalogue backend implements it; it is apart
// from Catalogue because only the mail sender and the workflows that send mail use it.
//
// Delivery is at least once: a sender claims due messages under a lease (holder, until), sends
// them, and marks each sent or failed. Two senders (on one node or several) never hold one
// message at once; a sender that stops mid-send leaves its claim to expire, and the message is
// claimed again after it, so it may be delivered twice, with the same Message-ID. A sender that
// stops normally releases what it has not started.
//
// Times given to the store (now, until, next) are the caller's clock; senders sharing a
// catalogue need clocks that agree to well within the lease.
type MailStore interface {
	// EnqueueMail stores m (m.Validate; Attempts 0, not sent; NextAttempt defaults to
	// CreatedAt) and appends ev, atomically. KindInvalid if m is invalid, KindConflict (writing
	// nothing) if a message with its ID exists.
	EnqueueMail(ctx context.Context, m *MailMessage, ev *AuditEvent) error

	// ClaimMail claims up to limit (1..PageLimit's maximum) unsent messages whose NextAttempt is
	// not after now and which no one holds (no claim, or a claim that ended by now), oldest
	// NextAttempt first, for holder until until, and returns them. Of several concurrent
	// callers each message goes to at most one.
	ClaimMail(ctx context.Context, holder string, now, until time.Time, limit int) ([]*MailMessage, error)

	// MarkMailSent records that the message holder claimed was delivered at sentAt (Attempts
	// + 1, the claim cleared) and appends ev, atomically. KindConflict if holder does not hold
	// the message (its claim was taken over, or it is sent already), KindNotFound if there is
	// no such message; nothing is written then.
	MarkMailSent(ctx context.Context, id, holder string, sentAt time.Time, ev *AuditEvent) error

	// MarkMailFailed records a failed attempt of holder's claim: Attempts + 1, LastError (see
	// TruncateMailError), NextAttempt = next, the claim cleared. Errors as MarkMailSent.
	MarkMailFailed(ctx context.Context, id, holder string, next time.Time, lastError string) error

	// ReleaseMail gives back holder's claim on a message it did not try to send, so that it can
	// be claimed at once; nothing else changes. Releasing a message holder does not hold does
	// nothing.
	ReleaseMail(ctx context.Context, id, holder string) error

	// MailMessages returns up to limit (see PageLimit) messages with ID > afterID in ID order,
	// only unsent ones if pending: the outbox's status.
	MailMessages(ctx context.Context, pending bool, afterID string, limit int) ([]*MailMessage, error)
}
