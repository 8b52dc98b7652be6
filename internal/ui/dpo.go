package ui

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/report"
)

// CaseDesk is what the DPO's pages need of the case desk (*cases.Service): the same calls the
// JSON API's handlers make, so that a page refuses exactly what the API refuses.
type CaseDesk interface {
	List(ctx context.Context, p *callvault.Principal, due string) ([]*cases.CaseView, error)
	CaseRecordings(ctx context.Context, p *callvault.Principal, id string) (*callvault.Case, map[string]*callvault.Recording, error)
	Open(ctx context.Context, p *callvault.Principal, in cases.OpenInput) (*callvault.Case, error)
	Search(ctx context.Context, p *callvault.Principal, id string, in cases.SearchInput) (*cases.SearchResult, error)
	Include(ctx context.Context, p *callvault.Principal, id string, in cases.IncludeInput) (*callvault.Case, error)
	Clock(ctx context.Context, p *callvault.Principal, id string, in cases.ClockInput) (*callvault.Case, error)
	IssueLink(ctx context.Context, p *callvault.Principal, id string, in cases.LinkInput) (*cases.IssuedLink, error)
	RevokeLink(ctx context.Context, p *callvault.Principal, id, linkID string) (*callvault.Case, error)
	Agree(ctx context.Context, p *callvault.Principal, id string, in cases.AgreeInput) (*callvault.Case, error)
	Close(ctx context.Context, p *callvault.Principal, id string, in cases.CloseInput) (*callvault.Case, error)
	Note(ctx context.Context, p *callvault.Principal, id, text string) (*callvault.Case, error)
	HoldReviews(ctx context.Context, p *callvault.Principal) ([]*callvault.Hold, error)
	ListHolds(ctx context.Context, p *callvault.Principal, q cases.HoldQuery) ([]*callvault.Hold, error)
	Export(ctx context.Context, p *callvault.Principal, id string, in cases.ExportInput) (*cases.Export, error)
	RecordDisclosure(ctx context.Context, p *callvault.Principal, e *cases.Export) error
	PlaceHold(ctx context.Context, p *callvault.Principal, in cases.HoldInput) (*callvault.Hold, error)
	ReleaseHold(ctx context.Context, p *callvault.Principal, id, reason string) (*callvault.Hold, error)
	AgreementView(ctx context.Context, p *callvault.Principal, id string) (*cases.AgreementView, error)
	AwaitingAgreement(ctx context.Context, p *callvault.Principal) ([]*cases.CaseView, error)
}

var _ CaseDesk = (*cases.Service)(nil)

// Reports makes the DPO's reports (*report.Service), asking the rules and auditing each read.
type Reports interface {
	Announcements(ctx context.Context, p *callvault.Principal, from, to time.Time) (*report.AnnouncementReport, error)
	PCIAlerts(ctx context.Context, p *callvault.Principal, from, to time.Time) ([]*report.PCIAlert, error)
}

var _ Reports = (*report.Service)(nil)

// noDesk answers when this server runs no case desk (a vault without people).
var errNoDesk = callvault.Errorf(callvault.KindNotFound, "this vault has no case desk")

// desk returns the case desk, failing the page when there is none.
func (p *Pages) desk(w http.ResponseWriter, r *http.Request) CaseDesk {
	if p.cases == nil {
		p.Fail(w, r, errNoDesk)
	}
	return p.cases
}

// dpoNav is the DPO's (and case-running Directors') links in the header.
func (p *Pages) dpoNav(me *callvault.Principal) []navItem {
	// By role, not by a full decision: a DPO without a second factor still finds the pages,
	// which say what to set up.
	var items []navItem
	if p.cases != nil && me.HasAny(callvault.RoleDPO, callvault.RoleDirector) {
		items = append(items, navItem{Href: "/cases", Label: "Cases"})
	}
	if !me.Has(callvault.RoleDPO) {
		return items
	}
	items = append(items, navItem{Href: "/delegations", Label: "Delegations"})
	if p.reports != nil {
		items = append(items, navItem{Href: "/pci", Label: "PCI alerts"}, navItem{Href: "/reports/inbound", Label: "Announcements"})
	}
	return items
}

// caseTypeLabels name the case types for people.
var caseTypeLabels = map[callvault.CaseType]string{
	callvault.CaseSubjectAccess: "Subject access request", callvault.CaseExternalBody: "External body's request",
	callvault.CaseDisciplinary: "Disciplinary", callvault.CaseComplaint: "Complaint", callvault.CaseAbusiveCall: "Abusive call",
}

func caseTypeLabel(t callvault.CaseType) string {
	if l, ok := caseTypeLabels[t]; ok {
		return l
	}
	return string(t)
}

// dayLabel shows a YYYY-MM-DD day the British way ("Thu 3 Dec 2026"), or the text as it is.
func (p *Pages) dayLabel(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("Mon 2 Jan 2006")
}

func directionLabel(d callvault.Direction) string {
	switch d {
	case callvault.DirectionInbound:
		return "Inbound"
	case callvault.DirectionOutbound:
		return "Outbound"
	case callvault.DirectionInternal:
		return "Internal"
	}
	return "Unknown"
}

// actorName is an audit actor as a person reads it: "user:dora" is dora; tokens, links and the
// system keep their kind ("token:pbx").
func actorName(a string) string {
	if name, ok := strings.CutPrefix(a, "user:"); ok {
		return name
	}
	return a
}
