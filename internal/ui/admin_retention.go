package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/retention"
)

// RetentionPeriod reads and changes the retention period every node uses (retention.Setting):
// the stored one, else the configuration's.
type RetentionPeriod interface {
	Months(ctx context.Context) (int, error)
	History(ctx context.Context) ([]*callvault.RetentionSetting, error)
	Check(ctx context.Context, c retention.SettingChange) (*retention.Impact, error)
	Set(ctx context.Context, actor callvault.Actor, c retention.SettingChange) (*callvault.RetentionSetting, error)
}

// retentionEditView is the retention period's page for Directors: the period in force, the
// form to change it (a confirmation step says what the change does before it is stored) and
// every stored version.
type retentionEditView struct {
	Current int
	// Months, Reason and From are the form as typed; From is the period its author saw.
	MonthsText, Reason string
	From               int
	Errors             map[string]string
	// Impact is set on the confirmation step.
	Impact   *retention.Impact
	Saved    int // the months just stored (after the redirect)
	Versions []retentionVersionRow
	Min, Max int
}

// retentionVersionRow is one stored version with its author's name.
type retentionVersionRow struct {
	*callvault.RetentionSetting
	AuthorName string
	Current    bool
}

// retentionEditor is GET /admin/retention.
func (p *Pages) retentionEditor(w http.ResponseWriter, r *http.Request) {
	v := &retentionEditView{Errors: map[string]string{}}
	v.Saved, _ = strconv.Atoi(r.URL.Query().Get("saved"))
	p.renderRetention(w, r, http.StatusOK, v)
}

// previewRetention is POST /admin/retention/preview: what the change does (how many recordings
// get a new deletion date; held ones stay held; a shorter period deletes at the next sweep) and
// the button that stores it. Nothing is stored.
func (p *Pages) previewRetention(w http.ResponseWriter, r *http.Request) {
	if !p.checkForm(w, r) {
		return
	}
	if p.period == nil {
		p.Fail(w, r, unavailable("a stored retention period"))
		return
	}
	v, months, ok := retentionForm(r)
	status := http.StatusOK
	if ok {
		im, err := p.period.Check(r.Context(), retention.SettingChange{From: v.From, Months: months, Reason: v.Reason})
		if status = retentionErrors(v, err); status == 0 {
			p.Fail(w, r, err)
			return
		}
		v.Impact = im
	} else {
		status = http.StatusBadRequest
	}
	p.renderRetention(w, r, status, v)
}

// saveRetention is POST /admin/retention: the new period stored (retention.Setting.Set,
// audited with the old and new months, who and why); the retention job then moves every
// recording's deletion date.
func (p *Pages) saveRetention(w http.ResponseWriter, r *http.Request) {
	if !p.checkForm(w, r) {
		return
	}
	if p.period == nil {
		p.Fail(w, r, unavailable("a stored retention period"))
		return
	}
	v, months, ok := retentionForm(r)
	if !ok {
		p.renderRetention(w, r, http.StatusBadRequest, v)
		return
	}
	saved, err := p.period.Set(r.Context(), principal(r.Context()).Actor, retention.SettingChange{From: v.From, Months: months, Reason: v.Reason})
	if err == nil {
		http.Redirect(w, r, "/admin/retention?saved="+itoa(saved.Months), http.StatusSeeOther)
		return
	}
	status := retentionErrors(v, err)
	if status == 0 {
		p.Fail(w, r, err)
		return
	}
	p.renderRetention(w, r, status, v)
}

// retentionErrors puts err's problems on the form; 0 for an error the form cannot show.
func retentionErrors(v *retentionEditView, err error) int {
	switch callvault.ErrorKind(err) {
	case "":
		return http.StatusOK
	case callvault.KindInvalid:
		for _, fe := range callvault.FieldErrorsOf(err) {
			what := "The number of months "
			if fe.Field == "reason" {
				what = "The reason "
			}
			v.Errors[fe.Field] = sentence(what + fe.Problem)
		}
		if len(v.Errors) == 0 {
			v.Errors["months"] = sentence(callvault.ErrorMessage(err))
		}
		return http.StatusBadRequest
	case callvault.KindConflict:
		v.Errors["months"] = sentence(callvault.ErrorMessage(err))
		v.From = 0 // the form starts again from the period now in force
		return http.StatusConflict
	}
	return 0
}

// retentionForm reads the form; ok is false (with the error set) when months is not a number.
func retentionForm(r *http.Request) (v *retentionEditView, months int, ok bool) {
	v = &retentionEditView{Errors: map[string]string{},
		MonthsText: strings.TrimSpace(r.PostForm.Get("months")), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	v.From, _ = strconv.Atoi(r.PostForm.Get("from"))
	months, err := strconv.Atoi(v.MonthsText)
	if err != nil {
		v.Errors["months"] = "Enter the number of months as a whole number, from " + itoa(callvault.MinRetentionMonths) + " to " + itoa(callvault.MaxRetentionMonths) + "."
		if v.Reason == "" {
			v.Errors["reason"] = "Say why the period changes: it goes into the audit log."
		}
		return v, 0, false
	}
	return v, months, true
}

// renderRetention fills in the period in force and the stored versions.
func (p *Pages) renderRetention(w http.ResponseWriter, r *http.Request, status int, v *retentionEditView) {
	ctx := r.Context()
	v.Min, v.Max = callvault.MinRetentionMonths, callvault.MaxRetentionMonths
	if p.period == nil {
		p.Fail(w, r, unavailable("a stored retention period"))
		return
	}
	cur, err := p.period.Months(ctx)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Current = cur
	if v.From == 0 {
		v.From = cur
	}
	if v.MonthsText == "" && v.Impact == nil && len(v.Errors) == 0 {
		v.MonthsText = itoa(cur)
	}
	versions, err := p.period.History(ctx)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	users, err := p.id.Store.Users(ctx)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, u := range users {
		names[string(u.Actor())] = u.Name
	}
	for i, s := range versions {
		row := retentionVersionRow{RetentionSetting: s, AuthorName: names[s.Author], Current: i == 0}
		if row.AuthorName == "" {
			row.AuthorName = s.Author
		}
		v.Versions = append(v.Versions, row)
	}
	p.render(w, r, status, "admin_retention", "Retention period", v)
}
