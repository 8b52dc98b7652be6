package ui

import (
	"net/http"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/report"
)

// rangeForm is a report's date range as typed (YYYY-MM-DD, whole days where the organisation
// is), and what it means.
type rangeForm struct {
	From, Until string // inclusive days
	Error       string
	start, end  time.Time
}

// readRange reads ?from=&until= (default: the last 30 days, today included).
func (p *Pages) readRange(r *http.Request) rangeForm {
	today := p.now().In(p.zone)
	f := rangeForm{From: r.URL.Query().Get("from"), Until: r.URL.Query().Get("until")}
	if f.From == "" {
		f.From = today.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	if f.Until == "" {
		f.Until = today.Format(time.DateOnly)
	}
	from, ok1 := p.day(f.From)
	until, ok2 := p.day(f.Until)
	switch {
	case !ok1 || !ok2:
		f.Error = "Enter both dates, for example 01/11/2026 and 30/11/2026."
	case until.Before(from):
		f.Error = "The last day is before the first."
	default:
		f.start, f.end = from, until.AddDate(0, 0, 1)
	}
	return f
}

// inboundView is the report of inbound calls without evidence of the announcement.
type inboundView struct {
	Range  rangeForm
	Report *report.AnnouncementReport
}

// inbound is GET /reports/inbound: the `callvault report announcements` report on a page.
func (p *Pages) inbound(w http.ResponseWriter, r *http.Request) {
	if p.reports == nil {
		p.Fail(w, r, callvault.Errorf(callvault.KindNotFound, "this vault makes no reports"))
		return
	}
	v := inboundView{Range: p.readRange(r)}
	status := http.StatusOK
	if v.Range.Error == "" {
		rep, err := p.reports.Announcements(r.Context(), principal(r.Context()), v.Range.start, v.Range.end)
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		v.Report = rep
	} else {
		status = http.StatusBadRequest
	}
	p.render(w, r, status, "inbound", "Calls without the announcement", v)
}

// pciView is the PCI guard's card-data alerts, each with where the recording stands: the open
// cases that decided on it and its holds.
type pciView struct {
	Range  rangeForm
	Alerts []pciRow
}

type pciRow struct {
	*report.PCIAlert
	Cases []*cases.CaseView
	Holds []*callvault.Hold
}

// pciAlerts is GET /pci.
func (p *Pages) pciAlerts(w http.ResponseWriter, r *http.Request) {
	if p.reports == nil {
		p.Fail(w, r, callvault.Errorf(callvault.KindNotFound, "this vault makes no reports"))
		return
	}
	me := principal(r.Context())
	v := pciView{Range: p.readRange(r)}
	if v.Range.Error != "" {
		p.render(w, r, http.StatusBadRequest, "pci", "PCI alerts", v)
		return
	}
	alerts, err := p.reports.PCIAlerts(r.Context(), me, v.Range.start, v.Range.end)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	var open []*cases.CaseView
	if p.cases != nil && p.rules.Permits(me, callvault.ActCaseList).Allow {
		if open, err = p.cases.List(r.Context(), me, cases.DueAll); err != nil {
			p.Fail(w, r, err)
			return
		}
	}
	showHolds := p.cases != nil && p.rules.Permits(me, callvault.ActHoldList).Allow
	for _, a := range alerts {
		row := pciRow{PCIAlert: a}
		for _, c := range open {
			if c.Decision(a.RecordingID) != nil {
				row.Cases = append(row.Cases, c)
			}
		}
		if showHolds && a.Recording != nil {
			if row.Holds, err = p.cases.ListHolds(r.Context(), me, cases.HoldQuery{RecordingID: a.RecordingID}); err != nil {
				p.Fail(w, r, err)
				return
			}
		}
		v.Alerts = append(v.Alerts, row)
	}
	p.render(w, r, http.StatusOK, "pci", "PCI alerts", v)
}
