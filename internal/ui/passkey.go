package ui

import (
	"errors"
	"net/http"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// passkeysView is the page that lists, adds and removes the signed-in person's passkeys.
type passkeysView struct {
	Available bool
	Passkeys  []*callvault.Passkey
	Done      string
	Name      string            // the name typed, kept after an error
	Errors    map[string]string // by field: "name", or "password:<passkey ID>"
	Error     string
	// Ceremony is set on the second step of adding one: the browser's options and the ticket.
	Ceremony *identity.PasskeyCeremony
}

func (p *Pages) passkeys(w http.ResponseWriter, r *http.Request) {
	v := passkeysView{Errors: map[string]string{}}
	switch r.URL.Query().Get("done") {
	case "added":
		v.Done = "The passkey is added. Sign-in will offer it after your password."
	case "removed":
		v.Done = "The passkey is removed."
	}
	p.showPasskeys(w, r, http.StatusOK, v)
}

func (p *Pages) showPasskeys(w http.ResponseWriter, r *http.Request, status int, v passkeysView) {
	v.Available = p.id.PasskeysAvailable()
	keys, err := p.id.UserPasskeys(r.Context(), principal(r.Context()))
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Passkeys = keys
	p.render(w, r, status, "passkeys", "Passkeys", v)
}

// passkeyBegin is POST /account/passkeys/new: the name is checked and the registration started;
// the next page's button asks the browser to make the passkey (static/passkey.js).
func (p *Pages) passkeyBegin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	v := passkeysView{Name: strings.TrimSpace(r.PostForm.Get("name")), Errors: map[string]string{}}
	cer, err := p.id.BeginPasskeyRegistration(r.Context(), principal(r.Context()), v.Name)
	if callvault.IsKind(err, callvault.KindInvalid) {
		for _, fe := range callvault.FieldErrorsOf(err) {
			v.Errors[fe.Field] = sentence(fe.Problem)
		}
		p.showPasskeys(w, r, http.StatusBadRequest, v)
		return
	}
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "passkey_new", "Add a passkey", passkeysView{Name: v.Name, Ceremony: cer})
}

// passkeyFinish is POST /account/passkeys: the browser's new credential is checked and kept.
func (p *Pages) passkeyFinish(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	_, err := p.id.FinishPasskeyRegistration(r.Context(), principal(r.Context()), r.PostForm.Get("ticket"), []byte(r.PostForm.Get("credential")))
	switch callvault.ErrorKind(err) {
	case "":
		http.Redirect(w, r, "/account/passkeys?done=added", http.StatusSeeOther)
	case callvault.KindInvalid, callvault.KindConflict:
		p.showPasskeys(w, r, callvault.HTTPStatus(err), passkeysView{Name: r.PostForm.Get("name"), Errors: map[string]string{},
			Error: "The passkey was not added: " + sentence(callvault.ErrorMessage(err))})
	default:
		p.Fail(w, r, err)
	}
}

// passkeyRemove is POST /account/passkeys/{id}/remove: with the password typed again.
func (p *Pages) passkeyRemove(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	id := r.PathValue("id")
	err := p.id.RemovePasskey(r.Context(), principal(r.Context()), id, r.PostForm.Get("password"), p.addr(r))
	switch {
	case err == nil:
		http.Redirect(w, r, "/account/passkeys?done=removed", http.StatusSeeOther)
	case callvault.IsKind(err, callvault.KindInvalid):
		p.showPasskeys(w, r, http.StatusBadRequest, passkeysView{Errors: map[string]string{"password:" + id: "The password is wrong. Type your sign-in password to remove this passkey."}})
	case callvault.HTTPStatus(err) == http.StatusTooManyRequests:
		p.showPasskeys(w, r, http.StatusTooManyRequests, passkeysView{Errors: map[string]string{},
			Error: "Too many wrong passwords from this computer. Please wait a few minutes and try again."})
	default:
		p.Fail(w, r, err)
	}
}

// loginPasskey is POST /login/passkey: the second step of a sign-in with a passkey.
func (p *Pages) loginPasskey(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return
	}
	v := loginView{Username: strings.TrimSpace(r.PostForm.Get("username")), Next: r.PostForm.Get("next")}
	in, err := p.id.FinishPasskeyLogin(r.Context(), r.PostForm.Get("ticket"), []byte(r.PostForm.Get("credential")), p.addr(r))
	if err != nil {
		status := callvault.HTTPStatus(err)
		switch {
		case status == http.StatusTooManyRequests:
			v.Error = "Too many failed sign-ins from this computer. Please wait a few minutes and try again."
		case status == http.StatusUnauthorized:
			v.Error = "The passkey was not accepted. Sign in again with your password, then use your passkey or authenticator app. If this keeps happening, tell a Director."
		default:
			p.Fail(w, r, err)
			return
		}
		p.render(w, r, status, "login", "Sign in", v)
		return
	}
	p.signedIn(w, r, in, v.Next)
}

// needPasskey fills the sign-in form's second step from a refusal that asks for a passkey.
func needPasskey(err error, v *loginView) bool {
	var need *identity.NeedSecondFactor
	if !errors.As(err, &need) || need.Passkey == nil {
		return false
	}
	v.Passkey, v.NeedCode = need.Passkey, need.TOTP
	return true
}
