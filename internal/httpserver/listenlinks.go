package httpserver

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// handleLinkNew is POST /api/v1/cases/{id}/links: a listening link for the requester.
func (s *Server) handleLinkNew(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	var in cases.LinkInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.rejectRead(w, r, err)
		return
	}
	l, err := cs.IssueLink(r.Context(), principal(r), r.PathValue("id"), in)
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	base := strings.TrimRight(s.people.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if isSecure(r) {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	l.URL = base + l.Path
	writeJSON(w, http.StatusCreated, l)
}

// handleLinkRevoke is POST /api/v1/cases/{id}/links/{link}/revoke.
func (s *Server) handleLinkRevoke(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
	c, err := cs.RevokeLink(r.Context(), principal(r), r.PathValue("id"), r.PathValue("link"))
	if err != nil {
		s.failAccess(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c.Redacted())
}

const passcodeCookie = "cv_listen_passcode"

// listenHeaders keep the page to itself: the URL holds the secret, so no referrer leaves it,
// nothing is cached, nothing loads from elsewhere and no script runs (the page's stylesheet and
// its recordings come from the vault itself).
func listenHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; media-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Robots-Tag", "noindex")
}

func passcodeOf(r *http.Request) string {
	if c, err := r.Cookie(passcodeCookie); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			return v
		}
	}
	return ""
}

// handleListenPage is GET /listen/{case}/{secret}: the recordings of the link, and nothing else.
func (s *Server) handleListenPage(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	listenHeaders(w)
	v, err := cs.OpenLink(r.Context(), r.PathValue("case"), r.PathValue("secret"), passcodeOf(r))
	s.renderListen(w, r, v, err)
}

// handleListenPasscode is POST /listen/{case}/{secret} with the form field passcode: a right
// passcode is kept in a cookie for the link's path only, for the page's audio requests.
func (s *Server) handleListenPasscode(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	listenHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	passcode := r.PostFormValue("passcode")
	v, err := cs.OpenLink(r.Context(), r.PathValue("case"), r.PathValue("secret"), passcode)
	if err != nil || passcode == "" {
		s.renderListen(w, r, nil, errOr(err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: passcodeCookie, Value: url.QueryEscape(passcode), Path: r.URL.Path,
		HttpOnly: true, Secure: isSecure(r), SameSite: http.SameSiteStrictMode, Expires: v.Link.ExpiresAt})
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
}

func errOr(err error) error {
	if err != nil {
		return err
	}
	return cases.ErrPasscodeNeeded
}

// handleListenAudio is GET /listen/{case}/{secret}/{rec}: one recording of the link, for the
// page's audio element (Range supported). A request from the start is a play, counted.
func (s *Server) handleListenAudio(w http.ResponseWriter, r *http.Request, cs *cases.Service) {
	listenHeaders(w)
	rng := r.Header.Get("Range")
	count := rng == "" || strings.HasPrefix(rng, "bytes=0-")
	a, l, err := cs.PlayLink(r.Context(), r.PathValue("case"), r.PathValue("secret"), passcodeOf(r), r.PathValue("rec"), count)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer a.Close()
	w.Header().Set("Content-Type", "audio/wav")
	disposition := "inline"
	if l.AllowCopy && r.URL.Query().Get("download") == "1" {
		disposition = `attachment; filename="recording-` + r.PathValue("rec") + `.wav"`
	}
	w.Header().Set("Content-Disposition", disposition)
	http.ServeContent(w, r, "", time.Time{}, io.NewSectionReader(a, 0, a.Size()))
}

var listenPage = template.Must(template.New("listen").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your recordings</title></head>
<body>
<main>
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{if .AskPasscode}}<form method="post" action="{{.Self}}">
<label>Passcode (sent to you separately) <input type="password" name="passcode" autocomplete="off" required></label>
<button type="submit">Open</button>
</form>{{end}}
{{if .Recordings}}<h1>Your recordings</h1>
<p>These recordings are available until {{.Until}}; each can be played {{.Plays}} times in all.</p>
<ol>{{range .Recordings}}<li><p>Call of {{.When}} ({{.Length}})</p>
<audio controls preload="none" controlslist="nodownload" src="{{$.Self}}/{{.ID}}"></audio>
{{if $.Copy}}<p><a href="{{$.Self}}/{{.ID}}?download=1">Download a copy</a></p>{{end}}</li>
{{end}}</ol>{{end}}
</main>
</body></html>
`))

type listenItem struct{ ID, When, Length string }

// ListenPages renders the data subject's listening page in the look of the web pages
// (internal/ui implements it). self is the link's path (/listen/CASE/SECRET); v is what the link
// shows, or err why it shows nothing (cases.OpenLink's errors). The server has set the page's
// security headers (listenHeaders) before it is called.
type ListenPages interface {
	ListenPage(w http.ResponseWriter, r *http.Request, self string, v *cases.LinkView, err error)
}

// renderListen writes the listening page, or the page of a refusal: through the web pages when
// they render it, else as plain HTML.
func (s *Server) renderListen(w http.ResponseWriter, r *http.Request, v *cases.LinkView, err error) {
	if lp, ok := s.pages.(ListenPages); ok {
		lp.ListenPage(w, r, "/listen/"+r.PathValue("case")+"/"+r.PathValue("secret"), v, err)
		return
	}
	data := struct {
		Message, Self, Until string
		AskPasscode, Copy    bool
		Plays                int
		Recordings           []listenItem
	}{Self: "/listen/" + r.PathValue("case") + "/" + r.PathValue("secret")}
	status := http.StatusOK
	switch kind := callvault.ErrorKind(err); {
	case err == nil:
		zone := callvault.DefaultZone()
		data.Until, data.Plays, data.Copy = v.Link.ExpiresAt.In(zone).Format("2 January 2006 15:04"), v.Link.MaxPlays, v.Link.AllowCopy
		for _, rec := range v.Recordings {
			data.Recordings = append(data.Recordings, listenItem{ID: rec.ID, When: rec.StartedAt.In(zone).Format("2 January 2006 15:04"),
				Length: rec.Duration.Round(time.Second).String()})
		}
	case errors.Is(err, cases.ErrPasscodeNeeded):
		status, data.AskPasscode = http.StatusUnauthorized, true
	case kind == callvault.KindUnauthenticated:
		status, data.AskPasscode, data.Message = http.StatusUnauthorized, true, "The passcode is wrong."
	case kind == callvault.KindForbidden:
		status, data.Message = http.StatusForbidden, callvault.ErrorMessage(err)
	case kind == callvault.KindNotFound:
		status, data.Message = http.StatusNotFound, "This link does not exist, has expired or was withdrawn."
	default:
		status, data.Message = http.StatusServiceUnavailable, "The recordings cannot be shown just now; please try again later."
		s.log.ErrorContext(r.Context(), "listening page", "err", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = listenPage.Execute(w, data)
}
