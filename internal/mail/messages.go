package mail

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// template is the fixed text of one kind of message. %REF% and %LINK% are the only variables:
// a message says what it is about (a reference) and where to look (a link), never what was said
// on a call, who took part or when.
type template struct {
	subject, body string
}

var templates = map[callvault.MailKind]template{
	callvault.MailAccessRequest: {
		subject: "callvault: access request %REF% awaits a decision",
		body: "An access request (%REF%) awaits a decision by someone who may authorise it.\n\n" +
			"Open it in callvault to see the request and decide:\n%LINK%\n",
	},
	callvault.MailAccessDecision: {
		subject: "callvault: your access request %REF% was decided",
		body:    "Your access request (%REF%) was decided.\n\nOpen it in callvault to see the decision:\n%LINK%\n",
	},
	callvault.MailCaseOpened: {
		subject: "callvault: case %REF% was opened",
		body: "A case (%REF%) was opened and needs the Data Protection Officer's attention.\n\n" +
			"Open it in callvault:\n%LINK%\n",
	},
	callvault.MailPCIAlert: {
		subject: "callvault: card data keyed on a recorded line (%REF%)",
		body: "Card data was keyed on a recorded line. The recording concerned is flagged as %REF%.\n\n" +
			"Review it on the DPO's desk in callvault:\n%LINK%\n",
	},
	callvault.MailStaffNotice: {
		subject: "callvault: please read the call recording notice (version %REF%)",
		body: "Calls are recorded. Version %REF% of the notice that explains how and why is ready for you to read and acknowledge.\n\n" +
			"Read it in callvault:\n%LINK%\n",
	},
}

// footer ends every body: it tells the reader, and whoever reviews the template, the rule.
const footer = "\n-- \nThis message was sent by callvault. By design it contains no details of any call.\n"

func render(text, ref, link string) string {
	return strings.NewReplacer("%REF%", ref, "%LINK%", link).Replace(text)
}

// NewAccessRequestMail tells the people who may decide that access request reference waits
// for them; link opens it.
func NewAccessRequestMail(to []string, reference, link string) (*callvault.MailMessage, error) {
	return newMail(callvault.MailAccessRequest, to, reference, link)
}

// NewAccessDecisionMail tells a requester that their request reference was decided.
func NewAccessDecisionMail(to []string, reference, link string) (*callvault.MailMessage, error) {
	return newMail(callvault.MailAccessDecision, to, reference, link)
}

// NewCaseOpenedMail tells the DPO that case reference was opened (the policy's "in writing").
func NewCaseOpenedMail(to []string, reference, link string) (*callvault.MailMessage, error) {
	return newMail(callvault.MailCaseOpened, to, reference, link)
}

// NewPCIAlertMail tells the DPO that card data was keyed on the recorded call reference (a
// recording ID). The digits are never given to it.
func NewPCIAlertMail(to []string, reference, link string) (*callvault.MailMessage, error) {
	return newMail(callvault.MailPCIAlert, to, reference, link)
}

// NewStaffNoticeMail asks staff to read version of the recording notice at link.
func NewStaffNoticeMail(to []string, version, link string) (*callvault.MailMessage, error) {
	return newMail(callvault.MailStaffNotice, to, version, link)
}

func newMail(kind callvault.MailKind, to []string, reference, link string) (*callvault.MailMessage, error) {
	if err := checkReference(reference); err != nil {
		return nil, err
	}
	if err := checkLink(link); err != nil {
		return nil, err
	}
	t := templates[kind]
	m := &callvault.MailMessage{
		ID:        callvault.NewID(),
		To:        append([]string(nil), to...),
		Subject:   render(t.subject, reference, link),
		Body:      render(t.body, reference, link) + footer,
		Kind:      kind,
		Reference: reference,
		Link:      link,
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

// Verify reports whether m is exactly what its constructor makes from its Kind, Reference and
// Link (KindInvalid if not). The sender refuses any other message: text written by hand could
// carry call details.
func Verify(m *callvault.MailMessage) error {
	if err := m.Validate(); err != nil {
		return err
	}
	t, ok := templates[m.Kind]
	if !ok {
		return callvault.Errorf(callvault.KindInvalid, "mail: no template for kind %q", m.Kind)
	}
	if err := checkReference(m.Reference); err != nil {
		return err
	}
	if err := checkLink(m.Link); err != nil {
		return err
	}
	if m.Subject != render(t.subject, m.Reference, m.Link) || m.Body != render(t.body, m.Reference, m.Link)+footer {
		return callvault.Errorf(callvault.KindInvalid,
			"mail: message %s was not built by its constructor (its text differs from the %s template); refused", m.ID, m.Kind)
	}
	return nil
}

var (
	referenceChars = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	uuidText       = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	longDigits     = regexp.MustCompile(`[0-9]{7,}`)
)

// numberLike reports whether s holds a run of seven or more digits outside a UUID: what a
// phone or card number would look like.
func numberLike(s string) bool {
	return longDigits.MatchString(uuidText.ReplaceAllString(s, "-"))
}

// checkReference accepts a reference such as "SAR-2026-0007", "3" or a callvault ID: letters,
// digits, '.', '_' and '-', at most 64, and no number as long as a phone number.
func checkReference(ref string) error {
	if !referenceChars.MatchString(ref) {
		return callvault.Errorf(callvault.KindInvalid, "mail: reference %q must be 1 to 64 letters, digits, '.', '_' or '-'", ref)
	}
	if numberLike(ref) {
		return callvault.Errorf(callvault.KindInvalid, "mail: a reference must not hold a run of 7 or more digits (it could be a phone or card number)")
	}
	return nil
}

// checkLink accepts an absolute http or https URL without credentials, of at most 512 printable
// ASCII characters, with no number as long as a phone number.
func checkLink(link string) error {
	bad := func(why string) error {
		return callvault.Errorf(callvault.KindInvalid, "mail: the link %s", why)
	}
	if link == "" || len(link) > 512 {
		return bad("must be 1 to 512 characters")
	}
	for i := 0; i < len(link); i++ {
		if link[i] <= ' ' || link[i] > '~' {
			return bad("must be printable ASCII without spaces")
		}
	}
	u, err := url.Parse(link)
	switch {
	case err != nil:
		return bad("is not a URL")
	case u.Scheme != "https" && u.Scheme != "http", u.Host == "":
		return bad("must be an absolute http(s) URL")
	case u.User != nil:
		return bad("must not carry credentials")
	case numberLike(link):
		return bad("must not hold a run of 7 or more digits (it could be a phone or card number)")
	}
	return nil
}
