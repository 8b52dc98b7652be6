package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

//go:embed templates
var templateFS embed.FS

// csp is the Content-Security-Policy of every page: scripts, styles, images and media only
// from callvault itself, no inline script or style, forms only to callvault, no framing.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// renderer holds one template set per page, each with the shared layout.
type renderer struct {
	pages map[string]*template.Template
}

func newRenderer(p *Pages) *renderer {
	funcs := template.FuncMap{
		"asset":      p.assets.URL,
		"local":      func(t any) string { return p.localTime(t) },
		"utc":        utcTime,
		"iso":        isoTime,
		"duration":   formatDuration,
		"join":       strings.Join,
		"label":      purposeLabel,
		"status":     statusLabel,
		"partyNames": partyNames,
		"fieldLabel": func(f string) string {
			if l, ok := requestLabels[f]; ok {
				return l
			}
			return f
		},
		"deref": func(b *bool) bool { return b != nil && *b },
		// The administration pages.
		"role":  roleLabel,
		"roles": roleLabelList,
		"dec":   func(n int) int { return n - 1 },
		"pct": func(done, total int64) int64 {
			if total <= 0 {
				return 0
			}
			return done * 100 / total
		},
		// The DPO's pages (dpo.go).
		"caseType":  caseTypeLabel,
		"day":       p.dayLabel,
		"direction": directionLabel,
		"actor":     actorName,
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	names, err := fs.Glob(templateFS, "templates/page_*.html")
	if err != nil || len(names) == 0 {
		panic("ui: no page templates embedded")
	}
	rd := &renderer{pages: map[string]*template.Template{}}
	for _, n := range names {
		t := template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/page_"), ".html")
		rd.pages[name] = t
	}
	return rd
}

// view is what every page template gets.
type view struct {
	Title string
	Me    *callvault.Principal // nil when nobody is signed in
	Nav   []navItem
	Data  any
}

type navItem struct {
	Href, Label string
	Current     bool
}

// render writes page name with status. Every page carries the strict CSP and no-store (they
// show personal data, recordings' above all).
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	me := principal(r.Context())
	v := view{Title: title, Me: me, Nav: p.nav(r, me), Data: data}
	t := p.template.pages[name]
	var buf bytes.Buffer
	if t == nil {
		p.log.Error("ui: no such page template", slog.String("page", name))
		status, t = http.StatusInternalServerError, p.template.pages["error"]
		v = view{Title: "Something went wrong", Me: me, Data: errorView{Heading: "Something went wrong on our side",
			Message:   "The page could not be shown. Please try again; if it keeps happening, tell your administrator.",
			RequestID: callvault.RequestIDFrom(r.Context())}}
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		p.log.Error("ui: rendering a page", slog.String("page", name), slog.Any("error", err),
			slog.String("request_id", callvault.RequestIDFrom(r.Context())))
		buf.Reset()
		status = http.StatusInternalServerError
		fmt.Fprint(&buf, "<!doctype html><html lang=\"en-GB\"><title>Error</title><p>Something went wrong on our side. Please try again.</p></html>")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// nav is the header's links for the signed-in person's roles.
func (p *Pages) nav(r *http.Request, me *callvault.Principal) []navItem {
	if me == nil || !me.NoticeAcknowledged {
		return nil
	}
	items := []navItem{{Href: "/", Label: "Home"}}
	if p.rules.Permits(me, callvault.ActRequestCreate).Allow {
		items = append(items, navItem{Href: "/requests/new", Label: "Request access"}, navItem{Href: "/requests", Label: "My requests"})
	}
	if me.HasAny(callvault.RoleDirector, callvault.RoleManager, callvault.RoleDPO) {
		items = append(items, navItem{Href: "/approvals", Label: "Approvals"})
	}
	// Staff flag abusive calls; the history of decisions sits under Approvals.
	if p.flags != nil && p.rules.Permits(me, callvault.ActCaseFlag).Allow {
		items = append(items, navItem{Href: "/flag", Label: "Flag a call"})
	}
	// Administration, audit and compliance.
	if p.rules.Permits(me, callvault.ActNoticeStatus).Allow {
		items = append(items, navItem{Href: "/admin", Label: "Admin"}) // users, tokens, settings: adminNav
	}
	if p.rules.Permits(me, callvault.ActAuditRead).Allow {
		items = append(items, navItem{Href: "/audit", Label: "Audit log"})
	}
	if p.rules.Permits(me, callvault.ActComplianceRead).Allow {
		items = append(items, navItem{Href: "/compliance", Label: "Compliance"})
	}
	// The DPO's pages (dpo.go).
	items = append(items, p.dpoNav(me)...)
	items = append(items, navItem{Href: "/account", Label: "Account"})
	here := r.URL.Path
	if here == "/approvals/history" {
		here = "/approvals"
	}
	if r.Method == http.MethodPost && here == "/requests" {
		here = "/requests/new" // the request form, shown again with its messages
	}
	for i := range items {
		items[i].Current = items[i].Href == here || items[i].Href == "/admin" && strings.HasPrefix(here, "/admin/")
	}
	return items
}

// localTime formats a time in the organisation's zone, the British way.
func (p *Pages) localTime(v any) string {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	return t.In(p.zone).Format("Mon 2 Jan 2006, 15:04 MST")
}

func utcTime(v any) string {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func isoTime(v any) string {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, !t.IsZero()
	case *time.Time:
		if t == nil || t.IsZero() {
			return time.Time{}, false
		}
		return *t, true
	}
	return time.Time{}, false
}

// formatDuration shows a call's length as 4:05 or 1:02:03.
func formatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

var purposeLabels = map[callvault.Purpose]string{
	callvault.PurposeTraining: "Training", callvault.PurposePerformance: "Performance review",
	callvault.PurposeAbuseProtection: "Protection from abusive calls", callvault.PurposeComplaint: "Complaint",
	callvault.PurposeQuality: "Quality", callvault.PurposeDisciplinary: "Disciplinary (needs the DPO's written agreement)",
	callvault.PurposeRegulatory: "Regulatory", callvault.PurposeOther: "Other",
}

func purposeLabel(p callvault.Purpose) string {
	if l, ok := purposeLabels[p]; ok {
		return l
	}
	return string(p)
}

func statusLabel(s callvault.RequestStatus) string {
	switch s {
	case callvault.RequestPending:
		return "Waiting for a decision"
	case callvault.RequestApproved:
		return "Approved"
	case callvault.RequestRejected:
		return "Rejected"
	}
	return string(s)
}
