package ui

import (
	"net/http"
	"slices"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
	"github.com/callvault/callvault/internal/cases/sarclock"
)

// caseView is one case: who and what it concerns, its clock, its recordings decided with the
// reasons, holds, listening links, the closing and the history; Errors holds a message per
// form of the page (clock, link, close, agree) when one was refused, Form what was typed.
type caseView struct {
	Case      *callvault.Case
	Clock     sarclock.Status
	Waiting   bool // the clock is stopped, waiting for the requester
	Decided   []decidedRow
	Holds     []*callvault.Hold
	ShowHolds bool
	MayHold   bool // the DPO places and releases holds by hand here
	Links     []linkRow
	Done      string
	Errors    map[string]string
	Form      map[string]string
	Issued    *cases.IssuedLink // a link just issued: its URL is shown this once
	Today     string
}

// linkRow is a listening link with where it stands.
type linkRow struct {
	callvault.CaseLink
	State string
	Live  bool
}

// decidedRow is a decision on a recording with the recording's metadata (nil once deleted).
type decidedRow struct {
	callvault.CaseRecording
	Rec *callvault.Recording
}

// doneMessages confirm a step after its redirect (?done=...).
var doneMessages = map[string]string{
	"opened": "The case is open and on the desk.", "clock": "The clock is updated and its due date worked out again.",
	"revoked": "The listening link is withdrawn: it no longer opens.", "closed": "The case is closed and its holds are released.",
	"agreed": "Your written agreement to the release is recorded.", "searched": "The search is recorded with the case.",
	"noted": "Your note is kept with the case.", "held": "The hold is placed: the recording is kept until it is released.",
	"released": "The hold is released: the recording is deleted at the end of its retention period unless another hold keeps it.",
}

// casePage is GET /cases/{id}.
func (p *Pages) casePage(w http.ResponseWriter, r *http.Request) {
	v, err := p.loadCase(r)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v.Done = doneMessages[r.URL.Query().Get("done")]
	p.render(w, r, http.StatusOK, "case", v.Case.Reference, v)
}

// loadCase reads the case of the request's path with its recordings and holds.
func (p *Pages) loadCase(r *http.Request) (*caseView, error) {
	if p.cases == nil {
		return nil, errNoDesk
	}
	me := principal(r.Context())
	c, recs, err := p.cases.CaseRecordings(r.Context(), me, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	v := &caseView{Case: c, Clock: p.clockStatus(c), Errors: map[string]string{}, Form: map[string]string{},
		Today: p.now().In(p.zone).Format("2006-01-02")}
	v.Waiting = len(c.Stops) > 0 && c.Stops[len(c.Stops)-1].Answered == ""
	for _, d := range c.Recordings {
		v.Decided = append(v.Decided, decidedRow{CaseRecording: d, Rec: recs[d.RecordingID]})
	}
	now := p.now()
	for _, l := range slices.Backward(c.Links) { // newest first
		row := linkRow{CaseLink: l, State: "Live"}
		switch {
		case l.RevokedAt != nil:
			row.State = "Withdrawn"
		case !now.Before(l.ExpiresAt):
			row.State = "Expired"
		case l.Plays >= l.MaxPlays:
			row.State = "Play limit reached"
		case c.Status == callvault.CaseClosed:
			row.State = "Ended with the case"
		}
		row.Live = row.State == "Live"
		v.Links = append(v.Links, row)
	}
	if p.rules.Permits(me, callvault.ActHoldList).Allow {
		v.ShowHolds, v.MayHold = true, p.rules.Permits(me, callvault.ActHoldPlace).Allow
		seen := map[string]bool{}
		for _, d := range c.Recordings {
			rid := d.RecordingID
			if seen[rid] {
				continue
			}
			seen[rid] = true
			hs, err := p.cases.ListHolds(r.Context(), me, cases.HoldQuery{RecordingID: rid})
			if err != nil {
				return nil, err
			}
			v.Holds = append(v.Holds, hs...)
		}
	}
	return v, nil
}

// caseRefused shows the case page again with the message of a refused step beside its form
// (form names it: clock, link, close, agree, note, bundle, hold), keeping what was typed. Refusals that are not
// about the input (not found, forbidden, a fault) are the error page.
func (p *Pages) caseRefused(w http.ResponseWriter, r *http.Request, form string, typed map[string]string, err error) {
	status := http.StatusBadRequest
	switch {
	case callvault.IsKind(err, callvault.KindInvalid):
	case callvault.IsKind(err, callvault.KindConflict):
		status = http.StatusConflict
	case callvault.IsKind(err, callvault.KindUnavailable) && form == "bundle":
		status = http.StatusServiceUnavailable // this node cannot sign or open audio: the service says where to go
	default:
		p.Fail(w, r, err)
		return
	}
	v, lerr := p.loadCase(r)
	if lerr != nil {
		p.Fail(w, r, lerr)
		return
	}
	v.Form = typed
	v.Errors[form] = refusal(err)
	p.render(w, r, status, "case", v.Case.Reference, v)
}

// stepLabels name the case page's fields in a refusal.
var stepLabels = map[string]string{"max_plays": "Plays allowed", "expires_in_days": "Days until it expires", "passcode": "Passcode",
	"reason": "Reason", "months": "Extend by", "date": "Date", "action": "Step", "outcome": "Outcome", "decision": "Decision",
	"reasoning": "Reasoning", "statement": "Written agreement", "note": "Note", "recipient": "Recipient", "passphrase": "Passphrase",
	"recording_id": "Recording", "review_at": "Review by"}

// refusal words a step's refusal for its form: each field's problem after the field's name, or
// the service's message.
func refusal(err error) string {
	var parts []string
	for _, fe := range callvault.FieldErrorsOf(err) {
		msg := sentence(fe.Problem)
		if l, ok := stepLabels[fe.Field]; ok {
			msg = l + ": " + strings.ToLower(msg[:1]) + msg[1:]
		}
		parts = append(parts, msg)
	}
	if len(parts) == 0 {
		return sentence(callvault.ErrorMessage(err))
	}
	return strings.Join(parts, " ")
}
