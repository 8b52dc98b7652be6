package postgres

import (
	"net/url"
	"strings"

	"github.com/callvault/callvault"
)

// redactor removes a password from error texts, so that a database URL with a password never
// reaches an error message or a log.
type redactor struct{ secrets []string }

func newRedactor(rawURL, password string) redactor {
	var r redactor
	add := func(s string) {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	add(password)
	if u, err := url.Parse(rawURL); err == nil {
		if p, ok := u.User.Password(); ok {
			add(p)
			add(url.QueryEscape(p))
			add(url.PathEscape(p))
		}
		add(u.Query().Get("password"))
	}
	return r
}

// wrap returns err with every secret replaced in its text; errors.Is and errors.As still see err.
func (r redactor) wrap(err error) error {
	if err == nil || len(r.secrets) == 0 {
		return err
	}
	if e, ok := err.(*callvault.Error); ok {
		// Keep the *callvault.Error on top; its Message is ours and never holds a secret.
		return &callvault.Error{Kind: e.Kind, Message: e.Message, Err: r.wrap(e.Err)}
	}
	return &redactedError{err: err, secrets: r.secrets}
}

// redact is newRedactor(rawURL, "").wrap(err).
func redact(err error, rawURL string) error { return newRedactor(rawURL, "").wrap(err) }

type redactedError struct {
	err     error
	secrets []string
}

func (e *redactedError) Error() string {
	s := e.err.Error()
	for _, secret := range e.secrets {
		s = strings.ReplaceAll(s, secret, "xxxxx")
	}
	return s
}

func (e *redactedError) Unwrap() error { return e.err }
