package mail

import (
	"bytes"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// MessageID is the Message-ID header of m sent from the domain of from: fixed per message, so
// that a message delivered twice (after a crash between sending and recording it) is seen as
// one by mail clients and can be recognised by people.
func MessageID(m *callvault.MailMessage, fromDomain string) string {
	return "<" + m.ID + "@" + fromDomain + ">"
}

// format renders m as an RFC 5322 message with CRLF line endings. Every header value comes from
// a validated field (addresses without line breaks, a one-line subject), and the body is
// quoted-printable, so no field can add headers.
func format(m *callvault.MailMessage, from, fromDomain string) []byte {
	var b bytes.Buffer
	header := func(k, v string) {
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(v)
		b.WriteString("\r\n")
	}
	header("From", from)
	header("To", strings.Join(m.To, ",\r\n ")) // folded: lines stay under RFC 5322's 998 characters
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", m.CreatedAt.UTC().Format(time.RFC1123Z))
	header("Message-ID", MessageID(m, fromDomain))
	header("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")))
	qp.Close()
	if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	return b.Bytes()
}
