package httpserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
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

	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
	readyTimeout      = 5 * time.Second
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
	// OnAuthFailure, if set, is told of every request refused for a bad or revoked token
	// (not for a missing one), with the client's address, so that repeated guessing can be
	// audited. It must not block.
	OnAuthFailure func(ctx context.Context, remoteAddr string)
	// Live, if set, pauses and resumes calls being recorded (SIPREC), for PBXs that signal
	// pauses out of band. Without it the live routes answer 404.
	Live LiveControl
	// People, if set, serves sign-in, access requests, grants and listening (people.go).
	People *People
	// Pages, if set, serves the web pages: every request outside /api/ that no route matches
	// (pages.go).
	Pages   Pages
	Logger  *slog.Logger // default slog.Default()
	Version string       // logged at start; never sent to clients
}

// Server is callvault's HTTP server.
type Server struct {
	archive           callvault.Archive
	tokens            callvault.TokenStore
	ready             func(ctx context.Context) error
	decodeMetadata    func(r io.Reader) (*callvault.Recording, error)
	maxUpload         int64
	uploadIdleTimeout time.Duration
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
		decodeMetadata:    cfg.DecodeMetadata,
		maxUpload:         cfg.MaxUploadBytes,
		uploadIdleTimeout: cfg.UploadIdleTimeout,
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
	if cfg.Live != nil {
		s.handle(routePause, s.handleLive(cfg.Live.Pause, "paused"))
		s.handle(routeResume, s.handleLive(cfg.Live.Resume, "recording"))
	}
	if cfg.People != nil {
		s.addPeopleRoutes()
	}
	s.handler = s.wrap(http.HandlerFunc(s.route))

	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// No ReadTimeout or WriteTimeout: they bound the whole request and would kill long
		// uploads and downloads. Stalled uploads are cut off by UploadIdleTimeout instead.
	}
	return s
}

// Handler returns the complete handler: routes wrapped in the middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on ln until Shutdown, then returns http.ErrServerClosed.
func (s *Server) Serve(ln net.Listener) error {
	s.log.Info("http server listening", slog.String("addr", ln.Addr().String()),
		slog.String("version", s.version))
	return s.srv.Serve(ln)
}

// Shutdown stops accepting connections and waits, until ctx ends, for active requests to finish.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}
