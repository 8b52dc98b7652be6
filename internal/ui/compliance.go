package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/identity"
	"github.com/callvault/callvault/internal/retention"
)

// The compliance report: each clause of the call recording policy that callvault enforces,
// the rule that enforces it, and live evidence from the catalogue and the audit log. Figures
// "this month" are read from the log since the first of the month in the organisation's zone.

// clause is one line of the report.
type clause struct {
	Number   string
	Title    string
	Rule     string
	Evidence []string
	// State is "ok", "attention" (a figure that breaks the clause) or "unknown" (this server
	// cannot tell).
	State string
}

// complianceView is the report.
type complianceView struct {
	GeneratedAt time.Time
	MonthStart  time.Time
	Clauses     []clause
}

// monthFigures are the counts of this month's audit events the report needs.
type monthFigures struct {
	Events          int
	Reads           int // audio reads by people or links (listen, download, link audio, disclosure)
	ReadsNoBasis    int // of which without a grant or a case
	OperatorReads   int // reads by the operator or the system (break-glass, each with its purpose)
	Requests        int
	Approved        int
	Rejected        int
	Denied          int // access.denied
	CardKeyed       int // pci.card_data_keyed
	StoppedOrRefuse int // recording.pci_stop and recording.declined: an unrecorded line joined
	NoticeSent      int
	CaseLinkPlays   int
}

// compliance is GET /compliance.
func (p *Pages) compliance(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := p.now()
	local := now.In(p.zone)
	monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, p.zone)
	v := &complianceView{GeneratedAt: now, MonthStart: monthStart}
	var mf *monthFigures
	if p.auditLog != nil {
		var err error
		if mf, err = p.monthFigures(ctx, monthStart); err != nil {
			p.Fail(w, r, err)
			return
		}
	}
	var st *retention.Status
	if p.retention != nil {
		var err error
		if st, err = p.retention(ctx); err != nil {
			p.Fail(w, r, err)
			return
		}
	}
	var sar *cases.Counts
	if p.caseCounts != nil {
		var err error
		if sar, err = p.caseCounts(ctx); err != nil {
			p.Fail(w, r, err)
			return
		}
	}
	var last *audit.VerifyResult
	if p.verify != nil {
		var err error
		if last, err = p.verify.Last(ctx); err != nil {
			p.Fail(w, r, err)
			return
		}
	}
	users, err := p.id.Store.Users(ctx)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	notice, err := p.id.CurrentNotice(ctx)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Clauses = p.clauses(mf, st, sar, last, users, notice)
	p.render(w, r, http.StatusOK, "compliance", "Compliance report", v)
}

// monthFigures reads the events of this month (whose time is at or after since, whatever their
// order in the log) through the catalogue's index on time, and counts what the clauses need.
func (p *Pages) monthFigures(ctx context.Context, since time.Time) (*monthFigures, error) {
	mf := &monthFigures{}
	q := callvault.AuditQuery{Since: since, Limit: callvault.MaxSearchLimit}
	for {
		page, err := p.auditLog.QueryAudit(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, ev := range page {
			mf.add(ev)
		}
		if len(page) < q.Limit {
			return mf, nil
		}
		q.AfterSeq = page[len(page)-1].Seq
	}
}

func (mf *monthFigures) add(ev *callvault.AuditEvent) {
	mf.Events++
	person := strings.HasPrefix(ev.Actor, "user:") || strings.HasPrefix(ev.Actor, "link:") || strings.HasPrefix(ev.Actor, "token:")
	switch ev.Action {
	case callvault.ActionRecordingListen, callvault.ActionRecordingDownload:
		mf.Reads++
		if detailString(ev.Detail, "grant") == "" {
			mf.ReadsNoBasis++
		}
	case callvault.ActionCaseLinkAudio, callvault.ActionCaseDisclose:
		mf.Reads++
		if detailString(ev.Detail, "case") == "" && !strings.HasPrefix(ev.Object, "case:") {
			mf.ReadsNoBasis++
		}
	case callvault.ActionRecordingOpen:
		if person {
			mf.Reads++
			if ev.Purpose == "" {
				mf.ReadsNoBasis++
			}
		} else {
			mf.OperatorReads++
		}
	case callvault.ActionCaseLinkPlay:
		mf.CaseLinkPlays++
	case callvault.ActionRequestCreate:
		mf.Requests++
	case callvault.ActionRequestApprove:
		mf.Approved++
	case callvault.ActionRequestReject:
		mf.Rejected++
	case callvault.ActionAccessDenied:
		mf.Denied++
	case callvault.ActionPCICardDataKeyed:
		mf.CardKeyed++
	case callvault.ActionRecordingPCIStop, callvault.ActionRecordingDeclined:
		mf.StoppedOrRefuse++
	case callvault.ActionNoticeSend:
		mf.NoticeSent++
	}
}

// detailString returns the string value of key in an event's JSON detail, or "".
func detailString(detail, key string) string {
	var m map[string]any
	if json.Unmarshal([]byte(detail), &m) != nil {
		return ""
	}
	s, _ := m[key].(string)
	return s
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// clauses builds the report's lines from the figures (nil when this server cannot read them).
func (p *Pages) clauses(mf *monthFigures, st *retention.Status, sar *cases.Counts, last *audit.VerifyResult, users []*callvault.User, notice identity.Notice) []clause {
	var out []clause
	unknown := func(c clause, what string) clause {
		c.State, c.Evidence = "unknown", []string{"This server cannot report " + what + "."}
		return c
	}

	// 3: the staff notice.
	var enabled, acked int64
	for _, u := range users {
		if !u.Disabled() {
			enabled++
			if u.NoticeVersion >= notice.Version {
				acked++
			}
		}
	}
	c := clause{Number: "3", Title: "Staff are told that calls are recorded",
		Rule:  "Every person acknowledges the current recording notice at sign-in before doing anything else; the public notice is at /privacy/call-recording.",
		State: "ok"}
	c.Evidence = append(c.Evidence, fmt.Sprintf("%d of %d people with an account have acknowledged notice version %d.", acked, enabled, notice.Version))
	if mf != nil {
		c.Evidence = append(c.Evidence, "The notice was e-mailed to all staff "+plural(int64(mf.NoticeSent), "time", "times")+" this month.")
	}
	if acked < enabled {
		c.State = "attention"
		c.Evidence = append(c.Evidence, plural(enabled-acked, "person has", "people have")+" not acknowledged it yet (they can do nothing else until they do).")
	}
	out = append(out, c)

	// 4: unrecorded lines for card payments.
	c = clause{Number: "4", Title: "Card payments are not recorded",
		Rule:  "Calls on the configured unrecorded lines are never recorded; a recorded call an unrecorded line joins stops recording; card numbers keyed on a recorded line are masked and the DPO is alerted.",
		State: "ok"}
	c.Evidence = append(c.Evidence, plural(int64(len(p.settings.Unrecorded)), "unrecorded line is", "unrecorded lines are")+" configured.")
	if mf != nil {
		c.Evidence = append(c.Evidence, plural(int64(mf.StoppedOrRefuse), "call was", "calls were")+" stopped or not recorded this month because an unrecorded line joined.",
			plural(int64(mf.CardKeyed), "PCI alert", "PCI alerts")+" this month (card data keyed on a recorded line).")
		if mf.CardKeyed > 0 {
			c.State = "attention"
		}
	} else {
		c = unknown(c, "the audit log")
	}
	out = append(out, c)

	// 5.1: access controlled by the Directors and the DPO; the log is intact.
	var controllers int64
	for _, u := range users {
		if !u.Disabled() && (u.Has(callvault.RoleDirector) || u.Has(callvault.RoleDPO)) {
			controllers++
		}
	}
	c = clause{Number: "5.1", Title: "Recordings are stored securely; access is controlled by the Directors and the DPO",
		Rule:  "Recordings are encrypted at rest; only Directors and the DPO manage accounts and tokens; every access is written to a hash-chained, signed audit log.",
		State: "ok"}
	c.Evidence = append(c.Evidence, plural(controllers, "person holds", "people hold")+" the Director or DPO role.")
	switch {
	case p.verify == nil:
	case last == nil:
		c.State = "attention"
		c.Evidence = append(c.Evidence, "The audit log has never been verified.")
	case last.OK:
		c.Evidence = append(c.Evidence, fmt.Sprintf("The last verification of the audit log passed (%s, %d events).", p.localTime(last.FinishedAt), last.Events))
	default:
		c.State = "attention"
		c.Evidence = append(c.Evidence, fmt.Sprintf("The last verification of the audit log FAILED (%s): %s.", p.localTime(last.FinishedAt), last.FirstProblem))
	}
	out = append(out, c)

	// 5.2 and 5.3: access only on an authorised request; no browsing.
	c = clause{Number: "5.2", Title: "Access only for a defined business need, authorised by senior management",
		Rule:  "A person hears a recording only under a grant of an approved request (purpose and the details a to f, a written statement by a manager or Director who is not the requester), or a DPO's case.",
		State: "ok"}
	c3 := clause{Number: "5.3", Title: "No browsing of recordings",
		Rule: "There is no list of recordings to browse: a request names a call, the approver narrows the matches, and every refusal is audited.", State: "ok"}
	if mf != nil {
		c.Evidence = append(c.Evidence, fmt.Sprintf("%d plays without a grant or case in the audit log this month (of %d).", mf.ReadsNoBasis, mf.Reads),
			fmt.Sprintf("This month: %s, %d approved with a written statement, %d rejected.", plural(int64(mf.Requests), "request", "requests"), mf.Approved, mf.Rejected))
		if mf.ReadsNoBasis > 0 {
			c.State = "attention"
		}
		if mf.OperatorReads > 0 {
			c.Evidence = append(c.Evidence, plural(int64(mf.OperatorReads), "read was", "reads were")+" made at the command line or by the system this month (break-glass, each audited with its purpose).")
		}
		c3.Evidence = append(c3.Evidence, plural(int64(mf.Denied), "refused attempt", "refused attempts")+" to reach something not allowed this month (access.denied events).")
	} else {
		c, c3 = unknown(c, "the audit log"), unknown(c3, "the audit log")
	}
	out = append(out, c, c3)

	// 5.5: subject access requests.
	c = clause{Number: "5.5", Title: "Subject access requests are answered in time",
		Rule:  "The DPO runs each subject access request as a case with a statutory clock (one month, extendable), searches by person, and issues listening links or bundles.",
		State: "ok"}
	if sar != nil {
		c.Evidence = append(c.Evidence, fmt.Sprintf("%d open subject access %s due, %d overdue, %d waiting for the requester.", sar.Due, pluralWord(sar.Due, "case", "cases"), sar.Overdue, sar.Stopped))
		if sar.Overdue > 0 {
			c.State = "attention"
		}
		if mf != nil {
			c.Evidence = append(c.Evidence, plural(int64(mf.CaseLinkPlays), "play", "plays")+" through listening links this month.")
		}
	} else {
		c = unknown(c, "the cases")
	}
	out = append(out, c)

	// 5.8: retention.
	c = clause{Number: "5.8", Title: "Recordings are deleted after the retention period",
		State: "ok"}
	if st != nil {
		c.Rule = fmt.Sprintf("Every recording is deleted (its key destroyed) %s after its call, by the retention sweep, unless a hold keeps it for a case.", plural(int64(st.RetentionMonths), "month", "months"))
		c.Evidence = append(c.Evidence, plural(st.ExpiredNotDeleted, "recording", "recordings")+" past retention without a hold.")
		if st.LastSweep != nil {
			c.Evidence = append(c.Evidence, fmt.Sprintf("Last sweep %s, %d deleted.", p.localTime(st.LastSweep.FinishedAt), st.LastSweep.Deleted))
		} else {
			c.Evidence = append(c.Evidence, "No sweep has run yet.")
		}
		if st.HeldExpired > 0 {
			c.Evidence = append(c.Evidence, fmt.Sprintf("%d past retention kept by holds (each with its case or reason and a review date).", st.HeldExpired))
		}
		if st.ExpiredNotDeleted > 0 || !st.Healthy {
			c.State = "attention"
		}
		if st.Problem != "" {
			c.Evidence = append(c.Evidence, sentence(st.Problem))
		}
	} else {
		c.Rule = "Every recording is deleted after the retention period by the retention sweep, unless a hold keeps it."
		c = unknown(c, "the retention status")
	}
	out = append(out, c)
	return out
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
