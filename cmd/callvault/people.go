package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/httpserver"
	"github.com/callvault/callvault/internal/identity"
)

// people are Main's sign-in and access services, embedded in Main.
type people struct {
	HTTPServer *httpserver.Server // set by Serve
	Identity   *identity.Service
	Access     *access.Service
	Cases      *cases.Service // the DPO's case desk (cases.go)
	// Now, if set, is the clock of sign-in, sessions, grants and listening (tests).
	Now func() time.Time
	// Notifier, if set before Open, is told of new requests and decisions (the mail outbox);
	// it can also be set on Access.Notifier after Open.
	Notifier access.Notifier
}

// openPeople builds the sign-in and access services over the open catalogue.
func (m *Main) openPeople() error {
	cfg := &m.Config
	ps, ok := m.Catalogue.(interface {
		callvault.PeopleStore
		callvault.AuditStore
		callvault.RecordingStore
	})
	if !ok {
		return fmt.Errorf("the catalogue %T does not keep users", m.Catalogue)
	}
	rules := &access.Rules{AllowSelfApproval: cfg.AllowSelfApproval}
	notice := identity.DefaultNotice
	if cfg.NoticeFile != "" {
		b, err := os.ReadFile(cfg.NoticeFile)
		if err != nil || len(strings.TrimSpace(string(b))) == 0 {
			return &usageError{msg: fmt.Sprintf("cannot read the staff notice %s: %v", cfg.NoticeFile, err), hint: "give a text file with --notice-file"}
		}
		notice = identity.Notice{Version: int(cfg.NoticeVersion), Text: strings.TrimSpace(string(b))}
	}
	m.Identity = &identity.Service{
		Store: ps,
		Settings: identity.Settings{
			MinPasswordLength: int(cfg.PasswordMinLength),
			MaxFailures:       int(cfg.LoginMaxFailures),
			LockoutFor:        cfg.LoginLockout,
			SessionIdle:       cfg.SessionIdle,
			SessionMax:        cfg.SessionMax,
		},
		Notice:     notice,
		Mailer:     m.noticeMailer(),
		Now:        m.Now,
		AfterAudit: m.afterAudit,
		Rules:      rules,
		PublicURL:  cfg.PublicURL,
	}
	if ks, ok := m.Catalogue.(callvault.PasskeyStore); ok {
		m.Identity.Passkeys = ks
	}
	if ns, ok := m.Catalogue.(callvault.NoticeStore); ok {
		m.Identity.Notices = ns
	}
	m.Access = &access.Service{
		Rules:      rules,
		Store:      ps,
		Recordings: ps,
		Archive:    m.Archive,
		Region:     cfg.Region,
		MaxExpiry:  cfg.GrantMaxExpiry,
		Pause:      cfg.ListenPause,
		Notifier:   m.notifier(),
		Now:        m.Now,
		AfterAudit: m.afterAudit,
	}
	m.closers = append(m.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return m.Access.Close(ctx)
	})
	return m.openCases(ps, rules)
}

// printSetupLink tells an operator how a person sets their password with a one-time secret.
func printSetupLink(w io.Writer, base, secret, what string) {
	fmt.Fprintf(w, "%s (one-time, expires in 72h):\n  %s/setup?token=%s\n", what, base, secret)
	fmt.Fprintf(w, "or the same with curl:\n  curl -X POST %s/api/v1/setup -H 'Content-Type: application/json' -d '{\"token\":\"%s\",\"password\":\"...\"}'\n", base, secret)
}

// printBootstrap prints, on a vault without users, a one-time link for the first Director. The
// secret lives in this process only: a restart prints another, and the first one used wins.
func (m *Main) printBootstrap(ctx context.Context, url string) error {
	need, err := m.Identity.NeedsBootstrap(ctx)
	if err != nil || !need {
		return err
	}
	base := url
	if m.Config.PublicURL != "" {
		base = m.Config.publicURL()
	}
	secret := m.Identity.BootstrapLink()
	fmt.Fprintf(m.Stdout, "this vault has no users yet. The first Director signs up with this one-time link (expires in 72h):\n  %s/setup?token=%s\n", base, secret)
	fmt.Fprintf(m.Stdout, "or the same with curl:\n  curl -X POST %s/api/v1/setup -H 'Content-Type: application/json' -d '{\"token\":\"%s\",\"username\":\"NAME\",\"password\":\"...\"}'\n", base, secret)
	return nil
}

// importConfigNotice stores the configuration's notice (notice_file, notice_version) as a new
// version when the catalogue holds versions edited in the browser and notice_version is higher
// than all of them: raising notice_version keeps working. A lower or equal notice_version is
// ignored (the browser's versions win), and serve logs that it was.
func (m *Main) importConfigNotice(ctx context.Context) error {
	imported, err := m.Identity.ImportConfigNotice(ctx)
	if err != nil {
		return fmt.Errorf("store the configured staff notice: %w", err)
	}
	cur, err := m.Identity.CurrentNotice(ctx)
	if err != nil {
		return err
	}
	switch {
	case imported:
		m.Logger.Info("the configured staff notice is now the current version", "version", cur.Version, "notice_file", m.Config.NoticeFile)
	case m.Config.NoticeFile != "" && int(m.Config.NoticeVersion) < cur.Version:
		m.Logger.Warn("notice_file is ignored: a later version of the staff notice was saved in the browser; raise notice_version above it to replace it from the file",
			"notice_version", m.Config.NoticeVersion, "current", cur.Version)
	}
	return nil
}
