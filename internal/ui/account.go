package ui

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/callvault/callvault"
)

// accountView is the signed-in person's account page and TOTP enrolment.
type accountView struct {
	Enrolled      bool
	Authoriser    bool
	QR            template.HTML
	Secret        string
	OTPAuthURL    string
	Error         string
	RecoveryCodes []string
	// Passkeys (passkey.go): whether this vault offers them, and how many the person has.
	PasskeysAvailable bool
	PasskeyCount      int
}

func (p *Pages) account(w http.ResponseWriter, r *http.Request) {
	me := principal(r.Context())
	v, err := p.factors(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Authoriser = me.HasAny(callvault.RoleDirector, callvault.RoleDPO, callvault.RoleManager)
	p.render(w, r, http.StatusOK, "account", "Your account", v)
}

func (p *Pages) totpPage(w http.ResponseWriter, r *http.Request) {
	me := principal(r.Context())
	v, err := p.factors(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Authoriser = me.HasAny(callvault.RoleDirector, callvault.RoleDPO, callvault.RoleManager)
	p.render(w, r, http.StatusOK, "totp", "Authenticator app", v)
}

// factors reads the signed-in person's second factors: the app (Principal.SecondFactor counts
// passkeys too) and their passkeys.
func (p *Pages) factors(r *http.Request) (accountView, error) {
	me := principal(r.Context())
	totp, err := p.id.HasTOTP(r.Context(), me)
	if err != nil {
		return accountView{}, err
	}
	keys, err := p.id.UserPasskeys(r.Context(), me)
	if err != nil {
		return accountView{}, err
	}
	return accountView{Enrolled: totp, PasskeysAvailable: p.id.PasskeysAvailable(), PasskeyCount: len(keys)}, nil
}

// totpBegin is POST /account/totp: the same enrolment as POST /api/v1/me/totp, shown as a QR
// code drawn on the server.
func (p *Pages) totpBegin(w http.ResponseWriter, r *http.Request) {
	en, err := p.id.BeginTOTP(r.Context(), principal(r.Context()))
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	p.showEnrolment(w, r, http.StatusOK, en.Secret, en.OTPAuthURL, "")
}

func (p *Pages) showEnrolment(w http.ResponseWriter, r *http.Request, status int, secret, url, msg string) {
	v := accountView{Secret: secret, OTPAuthURL: url, Error: msg}
	if strings.HasPrefix(url, "otpauth://") {
		qr, err := qrSVG(url)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		v.QR = qr
	}
	p.render(w, r, status, "totp", "Authenticator app", v)
}

// totpConfirm is POST /account/totp/confirm: a code from the app confirms the enrolment; the
// recovery codes are shown once.
func (p *Pages) totpConfirm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	codes, err := p.id.ConfirmTOTP(r.Context(), principal(r.Context()), r.PostForm.Get("code"))
	if callvault.IsKind(err, callvault.KindInvalid) {
		// The secret and URL came from this person's own page a moment ago: show them again.
		p.showEnrolment(w, r, http.StatusBadRequest, r.PostForm.Get("secret"), r.PostForm.Get("otpauth_url"),
			"That code did not match. Check the clock of your phone and enter the code the app shows now.")
		return
	}
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "totp", "Authenticator app", accountView{Enrolled: true, RecoveryCodes: codes})
}
