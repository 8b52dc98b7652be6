package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/callvault/callvault"
)

// Routes, as net/http mux patterns. Protected routes also key the permissions table.
const (
	routeHealth = "GET /healthz"
	routeReady  = "GET /readyz"
	routeIngest = "POST /api/v1/recordings"
	routePause  = "POST /api/v1/live/{session}/pause"
	routeResume = "POST /api/v1/live/{session}/resume"
)

// Defaults and fixed limits.
const (
	DefaultMaxUploadBytes    = 512 << 20
	DefaultUploadIdleTimeout = time.Minute

	maxHeaderBytes = 64 << 10
	readyTimeout   = 5 * time.Second
)

// Config is what the HTTP layer needs. Zero values take the documented defaults.
type Config struct {
	Archive callvault.Archive
	Tokens  callvault.TokenStore
	// Ready backs /readyz: nil means every store is reachable. A nil Ready is always ready.
	Ready func(ctx context.Context) error
	// DecodeMetadata parses the upload's metadata part (internal/metadata in production). It
	// should return *callvault.Error values; other errors are shown as invalid metadata.
	DecodeMetadata func(r io.Reader) (*callvault.Recording, error)
	// MaxUploadBytes limits the audio part; default DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// UploadIdleTimeout cuts off an upload that sends nothing for this long; default
	// DefaultUploadIdleTimeout. There is deliberately no limit on an upload's total time.
	UploadIdleTimeout time.Duration
	// ReadHeaderTimeout bounds the reading of a request's headers (and a TLS handshake); default
	// DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// BodyTimeout bounds the reading of any request body from the request's start, unless an
	// authenticated upload's idle timeout replaces it; a refused body is drained only within it.
	// Default DefaultBodyTimeout. See deadline.go for the whole policy.
	BodyTimeout time.Duration
	// IdleTimeout closes a kept-alive connection with no request for this long; default
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// TLS, if set, serves HTTPS with its certificate (reloaded with TLS.Reload).
	TLS *CertReloader
	// TrustedProxies are the address ranges of reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (see ClientAddr and IsSecure). Empty: none.
	TrustedProxies []netip.Prefix
	// OnAuthFailure, if set, is told of every request refused for a bad or revoked token
	// (not for a missing one), with the client's IP address (ClientAddr), so that repeated
	// guessing can be audited. It must not block.
	OnAuthFailure func(ctx context.Context, remoteAddr string)
	// Live, if set, pauses and resumes calls being recorded (SIPREC), for PBXs that signal
	// pauses out of band. Without it the live routes answer 404.
	Live LiveControl
	// People, if set, serves sign-in, access requests, grants and listening (people.go).
	People *People
	// Pages, if set, serves the web pages: every request outside /api/ that no route matches
	// (pages.go).
	Pages Pages
	// TwilioWebhook, if set, receives recording status callbacks (webhook.go); WebhookBaseURL
	// is the public URL (scheme and host) the provider calls, when it differs from the
	// request's own (a proxy that rewrites the host), since the signature covers the URL.
	TwilioWebhook  RecordingWebhook
	WebhookBaseURL string
	// Compliance, if set, serves GET /api/v1/compliance/retention (auditor, dpo, director).
	Compliance ComplianceReader
	// DeepHealth, if set, backs /healthz?deep=1: an error (sweeps failing too long) answers 503.
	// /readyz never asks it: a node stays ready to serve while retention is behind.
	DeepHealth func(ctx context.Context) error
	Logger     *slog.Logger // default slog.Default()
	Version    string       // logged at start; never sent to clients
}

// Server is callvault's HTTP server.
type Server struct {
	archive           callvault.Archive
	tokens            callvault.TokenStore
	ready             func(ctx context.Context) error
	deepHealth        func(ctx context.Context) error
	decodeMetadata    func(r io.Reader) (*callvault.Recording, error)
	maxUpload         int64
	uploadIdleTimeout time.Duration
	bodyTimeout       time.Duration
	tls               *CertReloader
	proxies           []netip.Prefix
	onAuthFailure     func(ctx context.Context, remoteAddr string)
	log               *slog.Logger
	version           string

	people      *People
	pages       Pages
	patterns    []string
	crossOrigin *http.CrossOriginProtection

	mux     *http.ServeMux
	handler http.Handler
	srv     *http.Server
}

// New returns a server for cfg. It does not listen until Serve.
func New(cfg Config) *Server {
	s := &Server{
		archive:           cfg.Archive,
		tokens:            cfg.Tokens,
		ready:             cfg.Ready,
		deepHealth:        cfg.DeepHealth,
		decodeMetadata:    cfg.DecodeMetadata,
		maxUpload:         cfg.MaxUploadBytes,
		uploadIdleTimeout: cfg.UploadIdleTimeout,
		bodyTimeout:       orDefault(cfg.BodyTimeout, DefaultBodyTimeout),
		tls:               cfg.TLS,
		proxies:           cfg.TrustedProxies,
		log:               cfg.Logger,
		onAuthFailure:     cfg.OnAuthFailure,
		version:           cfg.Version,
		people:            cfg.People,
		pages:             cfg.Pages,
		crossOrigin:       http.NewCrossOriginProtection(),
		mux:               http.NewServeMux(),
	}
	if s.maxUpload <= 0 {
		s.maxUpload = DefaultMaxUploadBytes
	}
	if s.uploadIdleTimeout <= 0 {
		s.uploadIdleTimeout = DefaultUploadIdleTimeout
	}
	if s.log == nil {
		s.log = slog.Default()
	}

	s.handle(routeHealth, s.handleHealth)
	s.handle(routeReady, s.handleReady)
	s.handle(routeOpenAPI, s.handleOpenAPI)
	s.handle(routeIngest, s.handleIngest)
	s.registerCompliance(cfg.Compliance)
	if cfg.Live != nil {
		s.handle(routePause, s.handleLive(cfg.Live.Pause, "paused"))
		s.handle(routeResume, s.handleLive(cfg.Live.Resume, "recording"))
	}
	if cfg.People != nil {
		s.addPeopleRoutes()
	}
	s.registerWebhooks(cfg)
	s.handler = s.wrap(http.HandlerFunc(s.route))

	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: orDefault(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		IdleTimeout:       orDefault(cfg.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// No ReadTimeout or WriteTimeout: they bound the whole request and would kill long
		// uploads and downloads. Bodies are bounded by the deadline policy (deadline.go).
	}
	if s.tls != nil {
		// HTTP/1.1 only: the deadline policy is written and tested for it.
		s.srv.TLSConfig = s.tls.config()
		s.srv.Protocols = new(http.Protocols)
		s.srv.Protocols.SetHTTP1(true)
	}
	return s
}

// Handler returns the complete handler: routes wrapped in the middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on ln until Shutdown, then returns http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.log.Info("http server listening", slog.String("addr", ln.Addr().String()),
		slog.Bool("tls", s.tls != nil), slog.String("version", s.version))
	if s.tls != nil {
		return s.srv.ServeTLS(ln, "", "")
	}
	return s.srv.Serve(ln)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Shutdown stops accepting connections and waits, until ctx ends, for active requests to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}
