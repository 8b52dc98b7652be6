package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/authfail"
	"github.com/callvault/callvault/internal/fileblob"
	"github.com/callvault/callvault/internal/httpserver"
	"github.com/callvault/callvault/internal/metadata"
)

func runServe(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "serve", "serve [flags]", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := LoadConfig(fs, e.getenv)
	if err != nil {
		return err
	}
	m := NewMain(cfg, e.stdout, e.stderr)
	m.crashPoint = e.getenv(crashPointEnv) // crash tests only (crashpoint.go)
	ready := make(chan string, 1)
	return m.Serve(ctx, ready)
}

// Serve opens everything, cleans up after any crash, and serves until ctx is cancelled. The HTTP
// base URL is sent on ready (if not nil) once the listener is bound.
func (m *Main) Serve(ctx context.Context, ready chan<- string) (err error) {
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	defer func() {
		if cerr := m.Close(); err == nil {
			err = cerr
		}
	}()
	cfg := &m.Config
	if err := m.checkDeletesAreFinal(ctx); err != nil {
		return err
	}
	if m.Checkpointer != nil {
		// Found at start, not at the first checkpoint an hour later.
		if err := m.Checkpointer.Witness.CheckWritable(); err != nil {
			return &usageError{msg: err.Error(), hint: "give a writable file with --audit-witness (default <keys>/" + audit.WitnessFile + ")"}
		}
	}

	lock, err := m.recoverAfterCrash(ctx)
	if err != nil {
		return err
	}
	if lock != nil {
		defer lock.Close()
	}

	authFails := authfail.New(m.Catalogue, m.Logger)
	m.Twilio = m.newTwilio()
	hcfg := httpserver.Config{
		Archive: m.Archive,
		Tokens:  m.Catalogue,
		Ready:   m.ready,
		DecodeMetadata: func(r io.Reader) (*callvault.Recording, error) {
			return metadata.Decode(r, cfg.Region)
		},
		MaxUploadBytes:    cfg.MaxUpload,
		UploadIdleTimeout: cfg.UploadIdleTimeout,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		BodyTimeout:       cfg.BodyTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		TrustedProxies:    cfg.trustedProxies(),
		OnAuthFailure:     authFails.Record,
		WebhookBaseURL:    cfg.WebhookURL,
		Logger:            m.Logger,
		Version:           Version,
	}
	m.wireCompliance(&hcfg)
	if cfg.TLSCert != "" {
		certs, err := httpserver.NewCertReloader(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return &usageError{msg: err.Error(), hint: "give a PEM certificate (chain first) with --tls-cert and its private key with --tls-key"}
		}
		hcfg.TLS = certs
		stopReload := m.reloadOnSIGHUP(certs)
		defer stopReload()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.registerRetentionMetrics(reg)
	sip, err := m.startSIP(ctx, reg)
	if err != nil {
		return err
	}
	m.SIP = sip
	if sip != nil {
		defer func() {
			// Finalise calls in progress (their recordings commit) before the stores close.
			if cerr := sip.Close(); cerr != nil {
				m.Logger.Error("closing SIPREC", "err", cerr)
			}
		}()
	}
	if cfg.Metrics != "" {
		url, stop, err := serveMetrics(cfg.Metrics, reg, m.Logger, cfg)
		if err != nil {
			return err
		}
		m.MetricsURL = url
		defer stop()
	}
	if sip != nil {
		hcfg.Live = sip
	}
	hcfg.People = &httpserver.People{Identity: m.Identity, Access: m.Access, Rules: m.Access.Rules, Cases: m.Cases, PublicURL: m.Config.PublicURL}
	hcfg.TwilioWebhook = m.twilioWebhook()
	pages, stopPages := m.pages(ctx)
	defer stopPages() // on early returns; idempotent
	hcfg.Pages = pages
	srv := httpserver.New(hcfg)
	m.HTTPServer = srv
	ln, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot listen for HTTP on %s: %v", cfg.HTTP, err), hint: "choose another address with --http, e.g. --http 127.0.0.1:8081"}
	}
	url := httpURL(ln.Addr())
	if hcfg.TLS != nil {
		url = "https://" + ln.Addr().String()
	}
	snapshot := cfg.redacted()
	if err := m.auditConfigChange(ctx, snapshot); err != nil {
		ln.Close()
		return err
	}
	if err := m.importConfigNotice(ctx); err != nil {
		ln.Close()
		return err
	}
	if err := m.warnRetentionOverride(ctx); err != nil {
		ln.Close()
		return err
	}
	if err := m.audit(ctx, callvault.ActorSystem, callvault.ActionServerStart, "server:"+ln.Addr().String(),
		map[string]any{"version": Version, "config": snapshot}); err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(m.Stdout, "callvault %s is listening on %s\n", Version, url)
	if cfg.Embedded() {
		fmt.Fprintf(m.Stdout, "data directory: %s (catalogue, encrypted blobs, keys)\n", cfg.Data)
	}
	if sip != nil {
		if a := sip.UDPAddr(); a != nil {
			fmt.Fprintf(m.Stdout, "SIPREC recording server on %s (UDP and TCP)\n", a)
		}
		if a := sip.TLSAddr(); a != nil {
			fmt.Fprintf(m.Stdout, "SIPREC over TLS on %s\n", a)
		}
	}
	fmt.Fprintf(m.Stdout, "next: create a token for your recorder, then upload a WAV:\n"+
		"  callvault token create --role recorder --name pbx --data %s\n"+
		"  curl -H \"Authorization: Bearer $TOKEN\" -F metadata=@meta.json -F audio=@call.wav %s/api/v1/recordings\n", cfg.Data, url)
	if err := m.printBootstrap(ctx, url); err != nil {
		ln.Close()
		return err
	}
	if ready != nil {
		ready <- url
	}

	jobCtx, stopJobs := context.WithCancel(ctx)
	waitJobs := m.runJobs(jobCtx)
	defer func() { stopJobs(); waitJobs() }() // on early returns; idempotent

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	serr := srv.Shutdown(shutdownCtx)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		err = serr
	}
	// Finish background work and calls in progress first, so that server.stop is the last event.
	// Failed logins counted but not yet written are written now: no request is left to carry them.
	authFails.Flush(shutdownCtx)
	// Listenings still open end now: their summaries come before server.stop.
	if cerr := m.Access.Close(shutdownCtx); cerr != nil {
		m.Logger.Error("cannot audit the end of open listenings", "err", cerr)
	}
	stopJobs()
	waitJobs()
	stopPages() // an audit verification in progress ends before server.stop
	if sip != nil {
		if cerr := sip.Close(); cerr != nil {
			m.Logger.Error("closing SIPREC", "err", cerr)
		}
	}
	if aerr := m.audit(shutdownCtx, callvault.ActorSystem, callvault.ActionServerStop, "server:"+ln.Addr().String(), nil); err == nil {
		err = aerr
	}
	return err
}

// recoverAfterCrash removes what an interrupted ingest may have left: temporary blob files and
// committed blobs whose catalogue row never committed. Both are audited. With embedded stores it
// first takes the data directory's ingest lock exclusively, so that no other process (a
// `callvault ingest`) is mid-ingest, then keeps it shared while serving. With shared stores it
// only removes local temporary files older than the configured grace; orphan blobs are left to
// the leased orphan-sweep job.
func (m *Main) recoverAfterCrash(ctx context.Context) (*dirLock, error) {
	cfg := &m.Config
	grace := cfg.orphanGrace()
	var lock *dirLock
	if cfg.Embedded() {
		var exclusive bool
		var err error
		lock, exclusive, err = lockIngest(cfg.Data)
		if err != nil {
			return nil, err
		}
		if !exclusive && grace < time.Hour {
			grace = time.Hour // another process holds the lock: it may be mid-ingest
		}
		defer func() {
			if err := lock.Share(); err != nil {
				m.Logger.Warn("cannot downgrade the ingest lock", "err", err)
			}
		}()
	}
	if fb, ok := m.Blobs.(*fileblob.Store); ok {
		removed, err := fb.CleanTemp(grace)
		if err != nil {
			return lock, err
		}
		for _, f := range removed {
			if err := m.audit(ctx, callvault.ActorSystem, callvault.ActionOrphanBlobDelete, "blob-temp:"+f,
				map[string]any{"reason": "temporary file of an interrupted ingest"}); err != nil {
				return lock, err
			}
		}
	}
	if !cfg.Embedded() {
		// Other nodes may be mid-ingest, and listing a whole bucket at every start of every node
		// would be slow: the leased orphan-sweep job does it, on one node at a time.
		return lock, nil
	}
	removed, err := m.Archive.CleanOrphans(ctx, grace, nil)
	if err != nil {
		return lock, err
	}
	if len(removed) > 0 {
		m.Logger.Info("removed orphan blobs of interrupted ingests", "count", len(removed))
	}
	return lock, nil
}

// checkDeletesAreFinal refuses a blob store whose deletes would keep the data (an S3 bucket with
// versioning), since retention must remove recordings for good; if the store cannot tell, it
// warns and goes on.
func (m *Main) checkDeletesAreFinal(ctx context.Context) error {
	c, ok := m.Blobs.(interface{ CheckDeletesAreFinal(context.Context) error })
	if !ok {
		return nil
	}
	err := c.CheckDeletesAreFinal(ctx)
	if callvault.IsKind(err, callvault.KindUnavailable) {
		m.Logger.Warn("cannot check that deleting a recording removes it from the object store; make sure the bucket has no versioning", "err", err)
		return nil
	}
	return err
}

// reloadOnSIGHUP reloads the HTTPS certificate whenever the process gets SIGHUP, so that a
// renewed certificate needs no restart; a failed reload is logged and the old certificate stays.
// The returned function stops listening for the signal.
func (m *Main) reloadOnSIGHUP(certs *httpserver.CertReloader) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-hup:
				if err := certs.Reload(); err != nil {
					m.Logger.Error("SIGHUP: cannot reload the TLS certificate; the previous one is still served", "err", err)
				} else {
					m.Logger.Info("SIGHUP: TLS certificate reloaded")
				}
				if m.onCertReload != nil {
					m.onCertReload()
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		close(done)
		<-finished
	}
}
