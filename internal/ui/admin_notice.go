package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/identity"
)

// noticeEditView is the recording notice's page for Directors and the DPO: the current text,
// the form to change it (a preview asks for confirmation before a new version is saved), who
// has acknowledged the current version, and every stored version.
type noticeEditView struct {
	Current identity.Notice
	// Text, Note and From are the form as typed; From is the version the editor started from.
	Text, Note string
	From       int
	Errors     map[string]string
	// Preview is true on the confirmation step: Text is shown as it will appear.
	Preview  bool
	Next     int // the version a save creates
	Saved    int // the version just saved (after the redirect)
	Versions []noticeVersionRow
	Acked    []*callvault.User
	Pending  []*callvault.User
	Enabled  int
}

// noticeVersionRow is one stored version with its author's name.
type noticeVersionRow struct {
	*callvault.NoticeVersion
	AuthorName string
	Current    bool
}

// noticeEditor is GET /admin/notice.
func (p *Pages) noticeEditor(w http.ResponseWriter, r *http.Request) {
	v := &noticeEditView{Errors: map[string]string{}}
	v.Saved, _ = strconv.Atoi(r.URL.Query().Get("saved"))
	p.renderNotice(w, r, http.StatusOK, v, true)
}

// previewNotice is POST /admin/notice/preview: the text as it will be shown, what saving it
// does, and the button that saves it. Nothing is stored.
func (p *Pages) previewNotice(w http.ResponseWriter, r *http.Request) {
	if !p.checkForm(w, r) {
		return
	}
	v := noticeForm(r)
	switch {
	case v.Text == "":
		v.Errors["text"] = "Write the notice: it cannot be empty."
	case len([]rune(v.Text)) > callvault.MaxNoticeLength:
		v.Errors["text"] = "The notice is longer than " + itoa(callvault.MaxNoticeLength) + " characters."
	}
	if len([]rune(v.Note)) > callvault.MaxNoticeNoteLength {
		v.Errors["note"] = "The change note is longer than " + itoa(callvault.MaxNoticeNoteLength) + " characters."
	}
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusBadRequest
	} else {
		v.Preview = true
	}
	p.renderNotice(w, r, status, v, false)
}

// saveNotice is POST /admin/notice: a new version (identity.SaveNotice, audited); everyone
// acknowledges it at their next request.
func (p *Pages) saveNotice(w http.ResponseWriter, r *http.Request) {
	if !p.checkForm(w, r) {
		return
	}
	v := noticeForm(r)
	n, err := p.id.SaveNotice(r.Context(), principal(r.Context()), identity.NoticeEdit{From: v.From, Text: v.Text, Note: v.Note})
	switch callvault.ErrorKind(err) {
	case "":
		http.Redirect(w, r, "/admin/notice?saved="+itoa(n.Version), http.StatusSeeOther)
	case callvault.KindInvalid:
		for _, fe := range callvault.FieldErrorsOf(err) {
			v.Errors[fe.Field] = sentence("The notice " + fe.Problem)
			if fe.Field == "note" {
				v.Errors[fe.Field] = sentence("The change note " + fe.Problem)
			}
		}
		if len(v.Errors) == 0 {
			v.Errors["text"] = sentence(callvault.ErrorMessage(err))
		}
		p.renderNotice(w, r, http.StatusBadRequest, v, false)
	case callvault.KindConflict:
		v.Errors["text"] = sentence(callvault.ErrorMessage(err))
		v.From = 0 // the form starts again from the version now current; the typed text stays
		p.renderNotice(w, r, http.StatusConflict, v, false)
	default:
		p.Fail(w, r, err)
	}
}

// noticeForm reads the editor's form.
func noticeForm(r *http.Request) *noticeEditView {
	v := &noticeEditView{Errors: map[string]string{},
		Text: strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("text"), "\r\n", "\n")),
		Note: strings.TrimSpace(r.PostForm.Get("note"))}
	v.From, _ = strconv.Atoi(r.PostForm.Get("from"))
	return v
}

// renderNotice fills in the current notice, its acknowledgements and versions. fresh: the
// form starts from the current text.
func (p *Pages) renderNotice(w http.ResponseWriter, r *http.Request, status int, v *noticeEditView, fresh bool) {
	ctx := r.Context()
	cur, err := p.id.CurrentNotice(ctx)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Current, v.Next = cur, cur.Version+1
	if fresh {
		v.Text = cur.Text
	}
	if v.From == 0 {
		v.From = cur.Version
	}
	users, err := p.noticeAcks(ctx, cur.Version, &v.Acked, &v.Pending)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Enabled = len(v.Acked) + len(v.Pending)
	versions, err := p.id.NoticeVersions(ctx)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, u := range users {
		names[string(u.Actor())] = u.Name
	}
	for _, n := range versions {
		row := noticeVersionRow{NoticeVersion: n, AuthorName: names[n.Author], Current: n.Version == cur.Version}
		switch {
		case row.AuthorName != "":
		case n.Author == "config":
			row.AuthorName = "the configuration file"
		default:
			row.AuthorName = n.Author
		}
		v.Versions = append(v.Versions, row)
	}
	p.render(w, r, status, "admin_notice", "Recording notice", v)
}

// noticeAcks sorts the enabled users into those who have acknowledged version and those who
// have not; it returns every user.
func (p *Pages) noticeAcks(ctx context.Context, version int, acked, pending *[]*callvault.User) ([]*callvault.User, error) {
	users, err := p.id.Store.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		switch {
		case u.Disabled():
		case u.NoticeVersion >= version:
			*acked = append(*acked, u)
		default:
			*pending = append(*pending, u)
		}
	}
	return users, nil
}
