package ui

import (
	"context"
	"net/http"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/identity"
	"github.com/callvault/callvault/internal/retention"
)

// The administration pages (Directors and the DPO: users, machine tokens, settings; the auditor:
// the audit log and its verification; all three: the compliance report) use these services,
// the same the API and the command line use. Each is optional: a page whose service is not
// configured says so instead of failing.

// TokenAdmin creates, lists and revokes machine tokens (tokens.Service).
type TokenAdmin interface {
	Create(ctx context.Context, actor callvault.Actor, name string, role callvault.Role) (*callvault.Token, string, error)
	List(ctx context.Context, actor callvault.Actor) ([]*callvault.Token, error)
	Revoke(ctx context.Context, actor callvault.Actor, id string) error
}

// AuditLog reads the hash-chained log (the catalogue's callvault.AuditStore, read only): its
// head, and the events matching a filter through the catalogue's indexes.
type AuditLog interface {
	callvault.AuditQueryStore
	AuditHead(ctx context.Context) (*callvault.AuditEvent, error)
}

// VerifyJobs runs audit verifications in the background (audit.VerifyJobs).
type VerifyJobs interface {
	Start(actor callvault.Actor) (*audit.VerifyProgress, error)
	Progress() *audit.VerifyProgress
	Last(ctx context.Context) (*audit.VerifyResult, error)
}

// RetentionStatus returns the retention compliance status (retention.Reader.Read), the one
// GET /api/v1/compliance/retention answers.
type RetentionStatus func(ctx context.Context) (*retention.Status, error)

// RecomputeState says which retention months the stored recordings' deletion dates follow
// (applied; 0 before the first recompute) and, while a recompute runs after the setting
// changed, the months it moves them to (callvault.RetentionStore.RecomputeState).
type RecomputeState func(ctx context.Context) (applied, target int, after string, err error)

// CaseCounts returns how many open subject access cases are due, overdue and stopped
// (cases.Service.Counts): figures only, no case.
type CaseCounts func(ctx context.Context) (*cases.Counts, error)

// Settings are the vault's configured settings the pages show but do not change: they live in
// the configuration file, where a change is audited (config.change) at the next start.
type Settings struct {
	RetentionMonths int
	Unrecorded      []string // extensions, numbers and SIP URIs never recorded
	// NoticeFile is where the staff notice's first text is set ("" for the built-in notice);
	// Directors and the DPO change it in the browser (/admin/notice).
	NoticeFile string
	// ConfigFile is the configuration file the server read, if any.
	ConfigFile string
}

// unavailable is the error of a page whose service this server was not given.
func unavailable(what string) error {
	return callvault.Errorf(callvault.KindUnavailable, "this server does not provide %s", what)
}

// publicBase is the address people use to reach callvault, for links handed to others: the
// configured public URL, or the address this request came to.
func (p *Pages) publicBase(r *http.Request) string {
	if p.publicURL != "" {
		return p.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// checkForm parses a posted form, answering with an error page when it cannot be read.
func (p *Pages) checkForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		p.failStatus(w, r, http.StatusBadRequest, "That did not work", "The form could not be read. Please try again.")
		return false
	}
	return true
}

// adminView is the settings page of Directors and the DPO: retention, unrecorded lines and the
// staff notice with who has and has not acknowledged it.
type adminView struct {
	Settings  Settings
	Retention *retention.Status
	// Applied is the months the stored deletion dates follow; Moving is true while a
	// recompute moves them to the setting.
	Applied int
	Moving  bool
	// Stored is true once a Director set the period in the browser; CanSetRetention when
	// this person may change it.
	Stored, CanSetRetention bool
	Notice                  identity.Notice
	Acked                   []*callvault.User
	Pending                 []*callvault.User
	Sent                    *identity.NoticeSent
	SendErr                 string
}

// admin is GET /admin.
func (p *Pages) admin(w http.ResponseWriter, r *http.Request) {
	p.renderAdmin(w, r, http.StatusOK, &adminView{})
}

func (p *Pages) renderAdmin(w http.ResponseWriter, r *http.Request, status int, v *adminView) {
	ctx := r.Context()
	notice, err := p.id.CurrentNotice(ctx)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Settings, v.Notice = p.settings, notice
	if p.period != nil {
		months, err := p.period.Months(ctx)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		history, err := p.period.History(ctx)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		v.Settings.RetentionMonths, v.Stored = months, len(history) > 0
		v.CanSetRetention = p.rules.Permits(principal(r.Context()), callvault.ActRetentionSet).Allow
	}
	if p.retention != nil {
		st, err := p.retention(ctx)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		v.Retention = st
		if v.Settings.RetentionMonths == 0 {
			v.Settings.RetentionMonths = st.RetentionMonths
		}
	}
	if p.recompute != nil {
		applied, target, _, err := p.recompute(ctx)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		v.Applied = applied
		v.Moving = applied != v.Settings.RetentionMonths && applied != 0 || target != 0 && target != applied
	}
	if _, err := p.noticeAcks(ctx, v.Notice.Version, &v.Acked, &v.Pending); err != nil {
		p.Fail(w, r, err)
		return
	}
	p.render(w, r, status, "admin", "Settings and notice", v)
}

// sendNotice is POST /admin/notice/send: the notice e-mailed to every enabled user with an
// address (identity.SendNotice, as the API's), and the page says whom it reached.
func (p *Pages) sendNotice(w http.ResponseWriter, r *http.Request) {
	sent, err := p.id.SendNotice(r.Context(), principal(r.Context()).Actor)
	v := &adminView{Sent: sent}
	status := http.StatusOK
	switch {
	case callvault.IsKind(err, callvault.KindUnavailable):
		v.Sent, v.SendErr, status = nil, "This server has no mail outbox (no SMTP server is configured), so the notice cannot be e-mailed. Tell people another way.", http.StatusServiceUnavailable
	case err != nil:
		p.Fail(w, r, err)
		return
	}
	p.renderAdmin(w, r, status, v)
}
