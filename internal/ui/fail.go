package ui

import (
	"log/slog"
	"net/http"
	"net/url"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// errorView is the error page's content.
type errorView struct {
	Heading   string
	Message   string
	Hint      string
	HintHref  string
	HintLabel string
	RequestID string
}

// Fail answers with the error page err maps to: what happened in words a person understands,
// never a stack trace; server faults name the request ID for the administrator. It implements
// httpserver.Pages.
func (p *Pages) Fail(w http.ResponseWriter, r *http.Request, err error) {
	status := callvault.HTTPStatus(err)
	if status < 400 {
		status = http.StatusInternalServerError
	}
	attrs := []any{slog.String("request_id", callvault.RequestIDFrom(r.Context())), slog.Any("error", err)}
	ev := errorView{Message: callvault.ErrorMessage(err)}
	switch {
	case status == http.StatusUnauthorized:
		p.toLogin(w, r)
		return
	case status == http.StatusNotFound:
		ev.Heading = "Not found"
		if access.DeniedCode(err) == access.CodeNotFound {
			ev.Message = "There is nothing here for you: it does not exist, or no live grant of yours covers it."
		}
		ev.Hint, ev.HintHref, ev.HintLabel = "Check the address, or start from your home page.", "/", "Home"
	case status == http.StatusForbidden:
		ev.Heading = "Not allowed"
		if access.DeniedCode(err) == access.CodeSecondFactor {
			ev.Message = "Directors, the DPO and managers must set up a second factor (an authenticator app) before they approve requests or listen to recordings."
			ev.Hint, ev.HintHref, ev.HintLabel = "It takes a minute.", "/account/totp", "Set up the authenticator app"
			if p.id.PasskeysAvailable() {
				ev.Message = "Directors, the DPO and managers must set up a second factor (an authenticator app or a passkey) before they approve requests or listen to recordings."
				ev.HintHref, ev.HintLabel = "/account", "Set up a second factor"
			}
		}
	case status == http.StatusServiceUnavailable:
		ev.Heading = "Not available just now"
		ev.Message = "callvault cannot reach its storage at the moment. Please try again in a minute."
		ev.RequestID = callvault.RequestIDFrom(r.Context())
		p.log.Warn("page failed: store unavailable", attrs...)
	case status >= 500:
		ev.Heading = "Something went wrong on our side"
		ev.Message = "The page could not be shown. Please try again; if it keeps happening, tell your administrator and quote the reference below."
		ev.RequestID = callvault.RequestIDFrom(r.Context())
		p.log.Error("page failed", attrs...)
	default:
		ev.Heading = "That did not work"
	}
	p.render(w, r, status, "error", ev.Heading, ev)
}

// failStatus answers with an error page of the given status and words.
func (p *Pages) failStatus(w http.ResponseWriter, r *http.Request, status int, heading, message string) {
	p.render(w, r, status, "error", heading, errorView{Heading: heading, Message: message})
}

// toLogin sends a person who is not signed in to the sign-in page, to come back afterwards.
func (p *Pages) toLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext returns next if it is a path on this site, otherwise "/".
func safeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 1 && (next[1] == '/' || next[1] == '\\') {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
