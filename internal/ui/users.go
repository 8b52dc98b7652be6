package ui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
	"github.com/callvault/callvault/internal/identity"
)

// usersView is the users page: everyone, and the form to add a person as typed.
type usersView struct {
	Users   []*callvault.User
	Roles   []callvault.Role
	Name    string
	Email   string
	Checked map[callvault.Role]bool
	Errors  map[string]string
	Done    string // what was just changed, for the status line
	MayDPO  bool   // the signed-in person may give the dpo role (the DPO)
	// NeedsFactor: the signed-in person has no second factor yet, without which the rules let
	// nobody change accounts.
	NeedsFactor bool
}

// userAddedView is the one page that shows a new person's set-password link.
type userAddedView struct {
	User *callvault.User
	Link string
}

// userView is one person's roles and state, to change.
type userView struct {
	User    *callvault.User
	Roles   []callvault.Role
	Checked map[callvault.Role]bool
	Errors  map[string]string
	Self    bool
}

var roleLabels = map[callvault.Role]string{callvault.RoleDirector: "Director", callvault.RoleDPO: "Data Protection Officer",
	callvault.RoleManager: "Manager", callvault.RoleStaff: "Staff", callvault.RoleAuditor: "Auditor",
	callvault.RoleRecorder: "Recorder (uploads and SIPREC)"}

func roleLabel(r callvault.Role) string {
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return string(r)
}

func roleLabelList(rs []callvault.Role) string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = roleLabel(r)
	}
	return strings.Join(out, ", ")
}

// users is GET /admin/users.
func (p *Pages) users(w http.ResponseWriter, r *http.Request) {
	v := &usersView{Checked: map[callvault.Role]bool{callvault.RoleStaff: true}, Errors: map[string]string{}}
	switch r.URL.Query().Get("done") {
	case "roles":
		v.Done = "The roles are changed."
	case "disabled":
		v.Done = "The account is disabled and its sessions have ended."
	case "enabled":
		v.Done = "The account is enabled again."
	}
	p.renderUsers(w, r, http.StatusOK, v)
}

func (p *Pages) renderUsers(w http.ResponseWriter, r *http.Request, status int, v *usersView) {
	me := principal(r.Context())
	if _, err := p.access.Check(r.Context(), me, callvault.ActUserList, access.Object{}, "users"); err != nil {
		p.Fail(w, r, err)
		return
	}
	us, err := p.id.Store.Users(r.Context())
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Users, v.Roles, v.MayDPO = us, callvault.HumanRoles, me.Has(callvault.RoleDPO)
	v.NeedsFactor = !p.rules.Permits(me, callvault.ActUserManage).Allow
	p.render(w, r, status, "users", "Users and roles", v)
}

// addUser is POST /admin/users: the same service call as the API's; the set-password link is
// shown on the page that answers, once, and is never shown again (only its hash is kept).
func (p *Pages) addUser(w http.ResponseWriter, r *http.Request) {
	if !p.checkForm(w, r) {
		return
	}
	f := r.PostForm
	me := principal(r.Context())
	nu := identity.NewUser{Name: strings.TrimSpace(f.Get("name")), Email: strings.TrimSpace(f.Get("email")), Roles: formRoles(f)}
	v := &usersView{Name: nu.Name, Email: nu.Email, Checked: map[callvault.Role]bool{}, Errors: map[string]string{}}
	for _, rl := range nu.Roles {
		v.Checked[rl] = true
	}
	if len(nu.Roles) == 0 {
		v.Errors["roles"] = "Choose at least one role."
		p.renderUsers(w, r, http.StatusBadRequest, v)
		return
	}
	if _, err := p.access.Check(r.Context(), me, callvault.ActUserManage, access.Object{}, "users"); err != nil {
		p.Fail(w, r, err)
		return
	}
	u, link, err := p.id.AddUser(r.Context(), me, nu)
	if err != nil {
		if !userFormError(err, v.Errors) {
			p.Fail(w, r, err)
			return
		}
		p.renderUsers(w, r, callvault.HTTPStatus(err), v)
		return
	}
	p.render(w, r, http.StatusOK, "users_added", "Person added", userAddedView{User: u,
		Link: p.publicBase(r) + "/setup?token=" + url.QueryEscape(link)})
}

// userForm is GET /admin/users/{id}: one person's roles, and disabling.
func (p *Pages) userForm(w http.ResponseWriter, r *http.Request) {
	u, err := p.id.Store.User(r.Context(), r.PathValue("id"))
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v := &userView{User: u, Roles: callvault.HumanRoles, Checked: map[callvault.Role]bool{}, Errors: map[string]string{}}
	for _, rl := range u.Roles {
		v.Checked[rl] = true
	}
	v.Self = u.ID == principal(r.Context()).ID
	p.render(w, r, http.StatusOK, "users_edit", "Change "+u.Name, v)
}

// setRoles is POST /admin/users/{id}/roles, as the API's: the rules decide (only the DPO gives
// or takes the dpo role; nobody changes their own).
func (p *Pages) setRoles(w http.ResponseWriter, r *http.Request) {
	if !p.checkForm(w, r) {
		return
	}
	me, id := principal(r.Context()), r.PathValue("id")
	roles := formRoles(r.PostForm)
	if _, err := p.access.Check(r.Context(), me, callvault.ActUserManage, access.Object{UserID: id}, "user:"+id); err != nil {
		p.Fail(w, r, err)
		return
	}
	_, err := p.id.SetRoles(r.Context(), me, id, roles)
	if err == nil {
		http.Redirect(w, r, "/admin/users?done=roles", http.StatusSeeOther)
		return
	}
	u, uerr := p.id.Store.User(r.Context(), id)
	errs := map[string]string{}
	if uerr != nil || !userFormError(err, errs) {
		p.Fail(w, r, err)
		return
	}
	v := &userView{User: u, Roles: callvault.HumanRoles, Checked: map[callvault.Role]bool{}, Errors: errs, Self: u.ID == me.ID}
	for _, rl := range roles {
		v.Checked[rl] = true
	}
	p.render(w, r, callvault.HTTPStatus(err), "users_edit", "Change "+u.Name, v)
}

// setDisabled is POST /admin/users/{id}/disable or /enable.
func (p *Pages) setDisabled(disabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		me, id := principal(r.Context()), r.PathValue("id")
		if _, err := p.access.Check(r.Context(), me, callvault.ActUserManage, access.Object{UserID: id}, "user:"+id); err != nil {
			p.Fail(w, r, err)
			return
		}
		if _, err := p.id.SetDisabled(r.Context(), me, id, disabled); err != nil {
			p.Fail(w, r, err)
			return
		}
		done := "enabled"
		if disabled {
			done = "disabled"
		}
		http.Redirect(w, r, "/admin/users?done="+done, http.StatusSeeOther)
	}
}

// formRoles reads the ticked roles; an unknown one is kept for the service to refuse.
func formRoles(f url.Values) []callvault.Role {
	var out []callvault.Role
	for _, s := range f["role"] {
		if rl := callvault.Role(strings.TrimSpace(s)); rl != "" && !slices.Contains(out, rl) {
			out = append(out, rl)
		}
	}
	return out
}

// userFormError puts a refusal a person can fix into errs by field and reports whether it was
// one: a bad field, a name taken, or a role the rules do not let this person give.
func userFormError(err error, errs map[string]string) bool {
	switch {
	case callvault.IsKind(err, callvault.KindInvalid):
		for _, fe := range callvault.FieldErrorsOf(err) {
			name := fieldName(fe.Field)
			if name == "username" {
				name = "name"
			}
			if _, seen := errs[name]; !seen {
				errs[name] = sentence(fe.Problem)
			}
		}
		if len(errs) == 0 {
			errs["name"] = sentence(callvault.ErrorMessage(err))
		}
	case callvault.IsKind(err, callvault.KindConflict):
		errs["name"] = "Someone already has this name. Choose another."
	case access.DeniedCode(err) == access.CodeForbidden:
		errs["roles"] = sentence(callvault.ErrorMessage(err))
	default:
		return false
	}
	return true
}
