package ui

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// loginView is the sign-in form: what was typed (never the password) and what went wrong.
type loginView struct {
	Username string
	Next     string
	Error    string
	NeedCode bool
	Done     string // a message after setup or sign-out
	// Passkey is the passkey step of a sign-in whose password was right (passkey.go).
	Passkey *identity.PasskeyCeremony
}

func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	if me := principal(r.Context()); me != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	v := loginView{Next: r.URL.Query().Get("next")}
	switch r.URL.Query().Get("done") {
	case "setup":
		v.Done = "Your account is ready. Sign in with your new password."
	case "logout":
		v.Done = "You have signed out."
	}
	p.render(w, r, http.StatusOK, "login", "Sign in", v)
}

var lockedUntil = regexp.MustCompile(`until (\d{4}-\d\d-\d\dT[0-9:]+(?:Z|[+-]\d\d:\d\d))`)

// login is POST /login: the same sign-in as POST /api/v1/login, as a form.
func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	v := loginView{Username: strings.TrimSpace(r.PostForm.Get("username")), Next: r.PostForm.Get("next")}
	in, err := p.id.Login(r.Context(), v.Username, r.PostForm.Get("password"), r.PostForm.Get("totp"), p.addr(r))
	if err != nil {
		status := callvault.HTTPStatus(err)
		switch {
		case needPasskey(err, &v):
			status = http.StatusOK // the next step, not a mistake: the page says what to do
		case errors.Is(err, identity.ErrSecondFactor):
			v.NeedCode, v.Error = true, "Enter the 6-digit code from your authenticator app (or one of your recovery codes), with your password again."
		case strings.Contains(callvault.ErrorMessage(err), "locked"):
			v.Error = "This account is locked after too many wrong passwords."
			if m := lockedUntil.FindStringSubmatch(callvault.ErrorMessage(err)); m != nil {
				if t, perr := time.Parse(time.RFC3339, m[1]); perr == nil {
					v.Error += " Try again after " + p.localTime(t) + ", or ask a Director to help."
				}
			}
		case status == http.StatusTooManyRequests:
			v.Error = "Too many failed sign-ins from this computer. Please wait a few minutes and try again."
		case status == http.StatusUnauthorized:
			v.Error = "Wrong user name, password or code."
			v.NeedCode = strings.TrimSpace(r.PostForm.Get("totp")) != ""
		default:
			p.Fail(w, r, err)
			return
		}
		p.render(w, r, status, "login", "Sign in", v)
		return
	}
	p.signedIn(w, r, in, v.Next)
}

// signedIn sets the session cookie of a sign-in and goes on to next.
func (p *Pages) signedIn(w http.ResponseWriter, r *http.Request, in *identity.SignIn, next string) {
	c := &http.Cookie{Name: sessionCookie, Value: in.Secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, Expires: in.Session.ExpiresAt}
	http.SetCookie(w, c)
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// logout is POST /logout.
func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	if err := p.id.Logout(r.Context(), principal(r.Context())); err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
		p.Fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: -1})
	http.Redirect(w, r, "/login?done=logout", http.StatusSeeOther)
}

// setupView is the form behind a one-time link: the first Director's account, or a new
// password for an account a Director created.
type setupView struct {
	Token     string
	Bootstrap bool
	Username  string
	Email     string
	Errors    map[string]string
	Error     string
}

func (p *Pages) setupForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" {
		p.failStatus(w, r, http.StatusNotFound, "This link is incomplete",
			"Open the whole link you were given (it ends in a long code), or ask a Director for a new one.")
		return
	}
	p.render(w, r, http.StatusOK, "setup", "Set your password", setupView{Token: token, Bootstrap: p.id.IsBootstrapSecret(token)})
}

// setup is POST /setup: the same as POST /api/v1/setup, as a form.
func (p *Pages) setup(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	f := r.PostForm
	v := setupView{Token: f.Get("token"), Username: strings.TrimSpace(f.Get("username")), Email: strings.TrimSpace(f.Get("email")),
		Errors: map[string]string{}}
	v.Bootstrap = p.id.IsBootstrapSecret(v.Token)
	password := f.Get("password")
	if password != f.Get("confirm") {
		v.Errors["confirm"] = "The two passwords are not the same. Type them again."
		p.render(w, r, http.StatusBadRequest, "setup", "Set your password", v)
		return
	}
	var err error
	if v.Bootstrap {
		_, err = p.id.Bootstrap(r.Context(), v.Token, v.Username, v.Email, password)
	} else {
		_, err = p.id.SetPasswordWithLink(r.Context(), v.Token, password)
	}
	if err == nil {
		http.Redirect(w, r, "/login?done=setup", http.StatusSeeOther)
		return
	}
	switch callvault.ErrorKind(err) {
	case callvault.KindInvalid:
		for _, fe := range callvault.FieldErrorsOf(err) {
			v.Errors[fieldName(fe.Field)] = sentence(fe.Problem)
		}
		if msg := callvault.ErrorMessage(err); len(v.Errors) == 0 && strings.Contains(msg, "password") {
			v.Errors["password"] = sentence(msg)
		} else if len(v.Errors) == 0 {
			v.Errors["username"] = sentence(msg)
		}
		p.render(w, r, http.StatusBadRequest, "setup", "Set your password", v)
	case callvault.KindNotFound:
		p.failStatus(w, r, http.StatusNotFound, "This link no longer works",
			"It has been used already or it has expired. Ask a Director for a new link.")
	case callvault.KindConflict:
		v.Error = sentence(callvault.ErrorMessage(err))
		p.render(w, r, http.StatusConflict, "setup", "Set your password", v)
	default:
		p.Fail(w, r, err)
	}
}

// noticeView is the staff notice to acknowledge.
type noticeView struct {
	Notice       identity.Notice
	Next         string
	Acknowledged bool
}

func (p *Pages) noticeForm(w http.ResponseWriter, r *http.Request) {
	me := principal(r.Context())
	n, err := p.id.CurrentNotice(r.Context())
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "notice", "Calls are recorded", noticeView{Notice: n,
		Next: r.URL.Query().Get("next"), Acknowledged: me.NoticeAcknowledged})
}

// acknowledge is POST /notice: the same as POST /api/v1/me/notice/acknowledge.
func (p *Pages) acknowledge(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	n, err := p.id.CurrentNotice(r.Context())
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	version := n.Version
	if r.PostForm.Get("version") != itoa(version) {
		p.failStatus(w, r, http.StatusConflict, "The notice has changed",
			"The notice was updated while you were reading it. Please read the new version.")
		return
	}
	if err := p.id.AcknowledgeNotice(r.Context(), principal(r.Context()), version); err != nil {
		p.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
}

// privacy is the public page /privacy/call-recording: the organisation's recording notice,
// for the website's terms and conditions to link to.
func (p *Pages) privacy(w http.ResponseWriter, r *http.Request) {
	n, err := p.id.CurrentNotice(r.Context())
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "privacy", "Call recording", n)
}
