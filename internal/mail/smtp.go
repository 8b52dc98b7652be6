package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// Transport delivers one message. SMTP is the real one; tests may put others in a Sender.
type Transport interface {
	Send(ctx context.Context, m *callvault.MailMessage) error
}

// SMTP sends messages to the server of Config.
type SMTP struct {
	Config *Config
	// TLS, if set, is the base TLS configuration (for example a test's root CAs); ServerName is
	// always the configured host.
	TLS *tls.Config
	// Timeout bounds one whole delivery (connect to QUIT); default 30s.
	Timeout time.Duration
}

var _ Transport = (*SMTP)(nil)

func (s *SMTP) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 30 * time.Second
}

func (s *SMTP) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLS != nil {
		c = s.TLS.Clone()
	}
	c.ServerName = s.Config.Host
	return c
}

// Send delivers m to every recipient in one SMTP transaction. It uses STARTTLS when the server
// offers it, and fails rather than fall back to plain text when a TLS handshake fails. Errors
// are KindUnavailable (worth retrying) and name the server, never the credentials; recipient
// addresses in the server's replies are replaced by "<recipient>".
func (s *SMTP) Send(ctx context.Context, m *callvault.MailMessage) error {
	err := s.send(ctx, m)
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, to := range m.To {
		msg = strings.ReplaceAll(msg, to, "<recipient>")
	}
	if s.Config.Password != "" {
		msg = strings.ReplaceAll(msg, s.Config.Password, "REDACTED")
	}
	return callvault.Errorf(callvault.KindUnavailable, "smtp %s: %s", s.Config.Addr(), msg)
}

func (s *SMTP) send(ctx context.Context, m *callvault.MailMessage) error {
	cfg := s.Config
	ctx, cancel := context.WithTimeout(ctx, s.timeout())
	defer cancel()
	d := net.Dialer{}
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// Cancelling ctx breaks any read or write in progress.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	encrypted := cfg.ImplicitTLS
	if cfg.ImplicitTLS {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("TLS: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello(cfg.Helo); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if !encrypted {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
			encrypted = true
		}
	}
	if cfg.RequireTLS && !encrypted {
		return errors.New("the server does not offer STARTTLS and require_tls is set")
	}
	if cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("credentials are configured but the server offers no AUTH")
		}
		// PlainAuth refuses to send the password unencrypted except to a loopback server.
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(cfg.From); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, to := range m.To {
		if err := c.Rcpt(to); err != nil {
			return fmt.Errorf("RCPT TO: %w", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(format(m, cfg.From, cfg.domain())); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The message is accepted once DATA's reply arrived; a failed QUIT does not undo that.
	_ = c.Quit()
	return nil
}
