package ui

import (
	"net/http"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/tokens"
)

// tokensView is the machine tokens page: every token, revoked ones included, the form to
// create one as typed, and (only on the page that answers a creation) the new secret.
type tokensView struct {
	Tokens  []*callvault.Token
	Roles   []callvault.Role
	Name    string
	Role    callvault.Role
	Errors  map[string]string
	Created *callvault.Token
	Secret  string // shown once: only its hash is kept
	Revoked bool
}

var tokenRoles = []callvault.Role{callvault.RoleRecorder, callvault.RoleAuditor, callvault.RoleManager}

// tokenList is GET /admin/tokens. Listing is audited by the service (token.list).
func (p *Pages) tokenList(w http.ResponseWriter, r *http.Request) {
	p.renderTokens(w, r, http.StatusOK, &tokensView{Role: callvault.RoleRecorder, Errors: map[string]string{},
		Revoked: r.URL.Query().Get("done") == "revoked"})
}

func (p *Pages) renderTokens(w http.ResponseWriter, r *http.Request, status int, v *tokensView) {
	if p.tokens == nil {
		p.Fail(w, r, unavailable("machine tokens"))
		return
	}
	ts, err := p.tokens.List(r.Context(), principal(r.Context()).Actor)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Tokens, v.Roles = ts, tokenRoles
	p.render(w, r, status, "tokens", "Machine tokens", v)
}

// createToken is POST /admin/tokens: the page that answers shows the secret, once.
func (p *Pages) createToken(w http.ResponseWriter, r *http.Request) {
	if !p.checkForm(w, r) {
		return
	}
	if p.tokens == nil {
		p.Fail(w, r, unavailable("machine tokens"))
		return
	}
	name, role := strings.TrimSpace(r.PostForm.Get("name")), callvault.Role(r.PostForm.Get("role"))
	v := &tokensView{Name: name, Role: role, Errors: map[string]string{}}
	switch {
	case !tokens.ValidName(name):
		v.Errors["name"] = "Give a name of 1 to 100 characters without spaces, for example pbx-main."
	case !role.Valid():
		v.Errors["role"] = "Choose what the token may do."
	}
	if len(v.Errors) > 0 {
		p.renderTokens(w, r, http.StatusBadRequest, v)
		return
	}
	t, secret, err := p.tokens.Create(r.Context(), principal(r.Context()).Actor, name, role)
	switch {
	case callvault.IsKind(err, callvault.KindConflict):
		v.Errors["name"] = "A token already has this name. Choose another."
		p.renderTokens(w, r, http.StatusConflict, v)
		return
	case callvault.IsKind(err, callvault.KindInvalid):
		v.Errors["name"] = sentence(callvault.ErrorMessage(err))
		p.renderTokens(w, r, http.StatusBadRequest, v)
		return
	case err != nil:
		p.Fail(w, r, err)
		return
	}
	p.renderTokens(w, r, http.StatusOK, &tokensView{Role: callvault.RoleRecorder, Errors: map[string]string{}, Created: t, Secret: secret})
}

// revokeToken is POST /admin/tokens/{id}/revoke: the token stops working at once.
func (p *Pages) revokeToken(w http.ResponseWriter, r *http.Request) {
	if p.tokens == nil {
		p.Fail(w, r, unavailable("machine tokens"))
		return
	}
	if err := p.tokens.Revoke(r.Context(), principal(r.Context()).Actor, r.PathValue("id")); err != nil {
		p.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens?done=revoked", http.StatusSeeOther)
}
