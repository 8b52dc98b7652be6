package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/archive"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/mail"
	"github.com/callvault/callvault/internal/postgres"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/s3blob"
	"github.com/callvault/callvault/internal/siprec"
	"github.com/callvault/callvault/internal/sqlite"
	"github.com/callvault/callvault/internal/twilio"
	"github.com/callvault/callvault/internal/vault"
)

// Main is one callvault process: its configuration, its open stores and keys, and (for serve)
// its servers. main() and the end-to-end tests share it.
type Main struct {
	Config Config
	Logger *slog.Logger
	Stdout io.Writer
	people // sign-in and access services (people.go)

	Catalogue    callvault.Catalogue
	Blobs        callvault.BlobStore
	Keys         *vault.Keys
	Epochs       *vault.Epochs // the key epoch lifecycle (see setupEpochs)
	Archive      *archive.Service
	Retention    *retention.Setting // the retention period in force: stored, else the config's
	Checkpointer *audit.Checkpointer
	SIP          *siprec.Server  // set by Serve when SIPREC is enabled
	MetricsURL   string          // set by Serve when metrics are enabled
	Mail         *mail.Sender    // set by Serve when --smtp is given; Wake it after enqueueing mail
	Twilio       *twilio.Fetcher // set by Serve when the provider webhook is configured (twilio.go)
	// onTwilioJob, if set, is told how each provider fetch ended (tests).
	onTwilioJob func(j *callvault.ImportJob, outcome string, err error)

	// OnRetentionDelete, if set, is called after the retention sweep deletes a recording.
	OnRetentionDelete func(id string)
	// NoKeyCreation makes Open refuse, rather than create, missing keys even for a new vault
	// (migrate sets it for the source, whose keys must exist).
	NoKeyCreation bool
	// onJobPoll, if set, is called after each lease poll of a background job (tests).
	onJobPoll func(job, holder string, held bool)
	// onCertReload, if set, is called after each SIGHUP reload of the HTTPS certificate (tests).
	onCertReload func()
	// crashPoint is CALLVAULT_TEST_CRASH_POINT, for crash tests only (crashpoint.go).
	crashPoint string

	closers []func() error
	closed  bool // Close ran: a second call (tests close twice) must not checkpoint a closed store
}

// NewMain returns a Main for cfg; call Open before use and Close after.
func NewMain(cfg Config, stdout, stderr io.Writer) *Main {
	return &Main{Config: cfg, Stdout: stdout, Logger: newLogger(cfg, stderr)}
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Open opens the catalogue, the blob store and the keys, creating the data directory on first
// use and the keys for a new vault only (audited; see loadKeys). It is what every subcommand
// does first.
func (m *Main) Open(ctx context.Context) error {
	cfg := &m.Config
	if cfg.Embedded() {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return &usageError{msg: fmt.Sprintf("cannot create the data directory: %v", err), hint: "choose another with --data or CALLVAULT_DATA"}
		}
	}
	cat, err := openCatalogue(ctx, cfg)
	if err != nil {
		return err
	}
	m.Catalogue = cat
	m.closers = append(m.closers, cat.Close)

	blobs, err := openBlobs(ctx, cfg)
	if err != nil {
		return err
	}
	m.Blobs = blobs

	if err := m.loadKeys(ctx); err != nil {
		return err
	}
	if sk := m.Keys.SigningKey(); sk != nil {
		// The witness file belongs to the key directory, which another vault may use too: its
		// lines name this vault.
		vaultID, err := audit.VaultID(ctx, m.Catalogue)
		if err != nil {
			return err
		}
		m.Checkpointer = &audit.Checkpointer{Store: m.Catalogue, Key: sk, Every: cfg.CheckpointEvery,
			Witness: &audit.Witness{Path: cfg.WitnessPath(), Vault: vaultID}, Logger: m.Logger}
	}
	mask, err := cfg.maskOptions()
	if err != nil {
		return err
	}
	m.Retention = &retention.Setting{Config: cfg.RetentionMonths, Now: m.Now, AfterAudit: m.afterAudit}
	m.Retention.Store, _ = m.Catalogue.(callvault.RetentionSettingStore)
	m.Retention.Stats, _ = m.Catalogue.(callvault.RetentionStore)
	m.Archive = &archive.Service{
		Catalogue:       m.Catalogue,
		Blobs:           m.Blobs,
		Keys:            m.Keys,
		RetentionMonths: cfg.RetentionMonths,
		Retention:       m.Retention,
		MaskDTMF:        mask,
		OnCardData:      m.pciAlerter().CardDataKeyed,
		Logger:          m.Logger,
		AfterAudit:      m.afterAudit,
	}
	return m.openPeople()
}

// afterAudit signs a checkpoint when enough events have accumulated.
func (m *Main) afterAudit(ctx context.Context) {
	if m.Checkpointer == nil {
		return
	}
	// A refusal was logged as an error when the check failed; the log stays unsigned.
	if err := m.Checkpointer.MaybeCheckpoint(ctx); err != nil && !errors.Is(err, audit.ErrRefused) {
		m.Logger.Warn("cannot write audit checkpoint; will retry", "err", err)
	}
}

// audit appends one event and checkpoints if due.
func (m *Main) audit(ctx context.Context, actor callvault.Actor, action, object string, detail map[string]any) error {
	ev := &callvault.AuditEvent{Time: time.Now(), Actor: string(actor), Action: action, Object: object, Detail: callvault.AuditDetail(detail)}
	if err := m.Catalogue.AppendAudit(ctx, ev); err != nil {
		return err
	}
	m.afterAudit(ctx)
	return nil
}

// Close writes a final checkpoint (unless the log failed a check in this process) and closes
// the stores.
func (m *Main) Close() error {
	var errs []error
	if m.closed {
		return nil
	}
	m.closed = true
	if m.Checkpointer != nil && m.Catalogue != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := m.Checkpointer.Checkpoint(ctx)
		cancel()
		if err != nil && !errors.Is(err, audit.ErrRefused) {
			// Subcommands close with defer; say it here so that it is not lost.
			m.Logger.Error("cannot write the final audit checkpoint", "err", err)
		}
		errs = append(errs, err)
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}

func openCatalogue(ctx context.Context, cfg *Config) (callvault.Catalogue, error) {
	if cfg.DB == "" {
		return sqlite.Open(ctx, filepath.Join(cfg.Data, "catalogue.db"))
	}
	return postgres.Open(ctx, cfg.DB)
}

func openBlobs(ctx context.Context, cfg *Config) (callvault.BlobStore, error) {
	switch {
	case cfg.Blob == "":
		return fileblob.Open(filepath.Join(cfg.Data, "blobs"))
	case strings.HasPrefix(cfg.Blob, "file://"):
		return fileblob.Open(strings.TrimPrefix(cfg.Blob, "file://"))
	}
	return s3blob.Open(ctx, cfg.Blob)
}

// ready reports whether every store answers.
func (m *Main) ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return errors.Join(m.Catalogue.Ping(ctx), m.Blobs.Ping(ctx))
}

// httpURL returns the base URL of an HTTP listener.
func httpURL(addr net.Addr) string { return "http://" + addr.String() }

// hintFor returns a hint for common operational errors.
func hintFor(err error) string {
	switch callvault.ErrorKind(err) {
	case callvault.KindUnavailable:
		return "check that the database and blob store given with --db and --blob are running and reachable"
	case callvault.KindForbidden:
		return "check file permissions of the key directory (private keys must be mode 0600) and that this node holds the private key"
	}
	return ""
}
