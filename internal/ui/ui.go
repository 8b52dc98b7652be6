package ui

import (
	"context"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	_ "time/tzdata" // the organisation's zone must load on a machine without zoneinfo

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/identity"
)

// DefaultZone is the organisation's time zone unless configured.
const DefaultZone = "Europe/London"

// sessionCookie is the cookie the API's sign-in sets too (internal/httpserver): one session
// serves pages and API alike.
const sessionCookie = "callvault_session"

// Config is what the pages need.
type Config struct {
	Identity *identity.Service
	Access   *access.Service
	Rules    *access.Rules
	// Zone is the organisation's time zone: pages show times in it, with UTC on hover.
	// Default Europe/London.
	Zone *time.Location
	// ClientAddr returns the address failed sign-ins are counted against; default the
	// connection's host.
	ClientAddr func(r *http.Request) string
	Now        func() time.Time
	Logger     *slog.Logger

	// The administration, audit and compliance pages (admin.go).
	Tokens     TokenAdmin
	AuditLog   AuditLog
	Verify     VerifyJobs
	Retention  RetentionStatus
	Recompute  RecomputeState
	CaseCounts CaseCounts
	Settings   Settings
	// The DPO's pages (dpo.go): the case desk (with its holds) and reports.
	Cases   CaseDesk
	Reports Reports
	// RetentionPeriod changes the retention period (retention.Setting); nil: the period is
	// the configuration's, shown read-only.
	RetentionPeriod RetentionPeriod
	// PublicURL is the address people reach callvault at, for set-password and listening
	// links; default the address of the request.
	PublicURL string
	// The player, flags, decisions and the listening page (uiplayer).
	// Peaks computes the waveform of a recording's decrypted audio (audio.Peaks): per channel,
	// min and max of each of at most buckets stretches. Nil: the player shows no waveform.
	Peaks func(a io.ReaderAt, size int64, buckets int) ([][]int8, error)
	// Flags opens a case from a staff member's flag of an abusive call (cases.Service).
	Flags Flagger
	// Organisation is the organisation's name, the only thing about it the data subject's
	// listening page shows; empty: none.
	Organisation string
}

// Pages is the web UI. It implements httpserver.Pages.
type Pages struct {
	id       *identity.Service
	access   *access.Service
	rules    *access.Rules
	zone     *time.Location
	addr     func(r *http.Request) string
	now      func() time.Time
	log      *slog.Logger
	mux      *http.ServeMux
	routes   []string
	assets   *assets
	template *renderer

	tokens       TokenAdmin
	auditLog     AuditLog
	verify       VerifyJobs
	retention    RetentionStatus
	recompute    RecomputeState
	caseCounts   CaseCounts
	settings     Settings
	publicURL    string
	peaks        func(a io.ReaderAt, size int64, buckets int) ([][]int8, error)
	waves        *waveCache
	flags        Flagger
	organisation string
	listen       *template.Template // the data subject's listening page (listen.go)
	listenCSS    string
	cases        CaseDesk
	reports      Reports
	period       RetentionPeriod
}

// New returns the pages for cfg.
func New(cfg Config) *Pages {
	p := &Pages{id: cfg.Identity, access: cfg.Access, rules: cfg.Rules, zone: cfg.Zone, addr: cfg.ClientAddr,
		now: cfg.Now, log: cfg.Logger, mux: http.NewServeMux(),
		tokens: cfg.Tokens, auditLog: cfg.AuditLog, verify: cfg.Verify, retention: cfg.Retention, recompute: cfg.Recompute, caseCounts: cfg.CaseCounts,
		settings: cfg.Settings, publicURL: strings.TrimSuffix(cfg.PublicURL, "/"),
		peaks: cfg.Peaks, waves: newWaveCache(waveCacheSize), flags: cfg.Flags, organisation: cfg.Organisation,
		cases: cfg.Cases, reports: cfg.Reports, period: cfg.RetentionPeriod}
	if p.zone == nil {
		z, err := time.LoadLocation(DefaultZone)
		if err != nil {
			z = time.UTC
		}
		p.zone = z
	}
	if p.addr == nil {
		p.addr = remoteHost
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.rules == nil {
		p.rules = &access.Rules{}
	}
	p.assets = loadAssets()
	p.template = newRenderer(p)
	p.listen, p.listenCSS = p.newListenTemplate(), p.assets.alias("callvault.css", "page")
	p.addRoutes()
	return p
}

// Routes returns the page routes (mux patterns), for tests that check every page has a row.
func (p *Pages) Routes() []string { return append([]string(nil), p.routes...) }

// ServeHTTP serves a page.
func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := p.mux.Handler(r)
	if pattern != "" {
		p.mux.ServeHTTP(w, r) // sets the path values
		return
	}
	probe := &probeWriter{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		p.failStatus(w, r, http.StatusMethodNotAllowed, "This page cannot be used that way",
			"The browser asked with "+r.Method+", which this page does not take. Go back and use the page's own buttons.")
		return
	}
	p.Fail(w, r, callvault.Errorf(callvault.KindNotFound, "there is no page at this address"))
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// principal returns the signed-in person, or nil.
func principal(ctx context.Context) *callvault.Principal {
	pr, _ := callvault.PrincipalFrom(ctx)
	return pr
}

// probeWriter records a handler's status and headers and discards its body.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
