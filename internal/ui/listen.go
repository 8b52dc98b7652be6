package ui

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// The data subject's listening page (GET /listen/{case}/{secret}, served by internal/httpserver):
// a person without an account hears the recordings the DPO included for them, and learns
// nothing else: no navigation, no product name, nothing about the organisation beyond its name
// when one is configured, no script. It has its own layout (listen.html) for that reason.

// listenView is what the listening page shows.
type listenView struct {
	Organisation string
	Self         string // the link's path, which holds its secret
	Heading      string
	Message      string
	AskPasscode  bool
	WrongCode    bool
	Until        time.Time
	Plays        int
	MaxPlays     int
	Spent        bool // the link's plays are used up
	Copy         bool
	Recordings   []cases.LinkRecording
	Stylesheet   string
}

// ListenPage renders the listening page of a link: its recordings, the passcode prompt, or
// why it shows nothing (expired, withdrawn, locked, played out). It implements
// httpserver.ListenPages; the server has set the security headers (no referrer, no-store,
// noindex, a CSP without script).
func (p *Pages) ListenPage(w http.ResponseWriter, r *http.Request, self string, v *cases.LinkView, err error) {
	d := listenView{Organisation: p.organisation, Self: self, Stylesheet: p.listenCSS}
	status := http.StatusOK
	switch kind := callvault.ErrorKind(err); {
	case err == nil:
		d.Heading = "Recordings of your calls"
		d.Until, d.Plays, d.MaxPlays, d.Copy = v.Link.ExpiresAt, v.Link.Plays, v.Link.MaxPlays, v.Link.AllowCopy
		d.Recordings = v.Recordings
		if d.Spent = v.Link.Plays >= v.Link.MaxPlays; d.Spent {
			d.Message = "These recordings have been played as many times as this link allows. If you need to hear them again, ask the Data Protection Officer for a new link."
		}
	case errors.Is(err, cases.ErrPasscodeNeeded):
		status, d.AskPasscode, d.Heading = http.StatusUnauthorized, true, "Enter your passcode"
	case kind == callvault.KindUnauthenticated:
		status, d.AskPasscode, d.WrongCode, d.Heading = http.StatusUnauthorized, true, true, "Enter your passcode"
		d.Message = "The passcode is wrong. Check the message it came in and try again: after " + itoa(cases.MaxPasscodeTries) +
			" wrong tries in a row the link is locked for " + itoa(int(cases.LinkLockout/time.Minute)) + " minutes."
	case kind == callvault.KindForbidden:
		status, d.Heading = http.StatusForbidden, "This link is locked for now"
		d.Message = "The link is locked: " + callvault.ErrorMessage(err) + "."
	case kind == callvault.KindNotFound:
		status, d.Heading = http.StatusNotFound, "This link no longer works"
		d.Message = "This link does not exist, has expired or was withdrawn. If you still need the recordings, ask the Data Protection Officer."
	default:
		status, d.Heading = http.StatusServiceUnavailable, "Not available just now"
		d.Message = "The recordings cannot be shown just now. Please try again later."
		p.log.ErrorContext(r.Context(), "listening page", slog.Any("error", err),
			slog.String("request_id", callvault.RequestIDFrom(r.Context())))
	}
	var buf bytes.Buffer
	if err := p.listen.Execute(&buf, d); err != nil {
		p.log.Error("ui: rendering the listening page", slog.Any("error", err))
		buf.Reset()
		status = http.StatusInternalServerError
		buf.WriteString("<!doctype html><html lang=\"en-GB\"><title>Error</title><p>Something went wrong. Please try again later.</p></html>")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// newListenTemplate parses the listening page with its own small set of functions.
func (p *Pages) newListenTemplate() *template.Template {
	return template.Must(template.New("listen.html").Funcs(template.FuncMap{
		"local":    func(t any) string { return p.localTime(t) },
		"utc":      utcTime,
		"iso":      isoTime,
		"duration": formatDuration,
	}).ParseFS(templateFS, "templates/listen.html"))
}

// alias serves the asset name under a name that says nothing of the product (the listening page
// names nothing but the organisation), with the content hash written in letters, and returns
// its URL.
func (a *assets) alias(name, base string) string {
	as := a.byName[strings.TrimPrefix(a.url[name], "/assets/")]
	if as == nil {
		panic("ui: no asset " + name)
	}
	sum := sha256.Sum256(as.body)
	h := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return 'g' + (r - '0')
		}
		return r
	}, hex.EncodeToString(sum[:6]))
	ext := name[strings.LastIndexByte(name, '.'):]
	a.byName[base+"."+h+ext] = as
	return "/assets/" + base + "." + h + ext
}
