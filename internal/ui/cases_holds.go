package ui

import (
	"net/http"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/cases"
)

// The DPO places a hold by hand on a recording of a case (kept past the case's close, for a
// claim or a complaint to come), and releases one, on the case page; a hold whose review is
// overdue is released from the case desk. The same service calls as POST /api/v1/holds and
// DELETE /api/v1/holds/{id}: a hold that serves an open case is not released by hand.

// caseHoldPlace is POST /cases/{id}/holds: recording_id, reason, review_at (a day).
func (p *Pages) caseHoldPlace(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	f := typed(r, "recording_id", "reason", "review_at")
	if v := strings.TrimSpace(f["review_at"]); v != "" {
		if _, ok := parseDay(v, p.zone); !ok {
			p.caseRefused(w, r, "hold", f, callvault.FieldErrors{{Field: "review_at", Problem: "enter a date, for example 27/11/2026"}}.Err())
			return
		}
	}
	in := cases.HoldInput{RecordingID: f["recording_id"], Reason: f["reason"], ReviewAt: p.isoDay(f["review_at"])}
	if _, err := p.cases.PlaceHold(r.Context(), principal(r.Context()), in); err != nil {
		if callvault.IsKind(err, callvault.KindNotFound) {
			err = callvault.FieldErrors{{Field: "recording_id", Problem: "is not a recording the vault still keeps"}}.Err()
		}
		p.caseRefused(w, r, "hold", f, err)
		return
	}
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"?done=held#holds-h", http.StatusSeeOther)
}

// caseHoldRelease is POST /cases/{id}/holds/{hold}/release, with an optional reason.
func (p *Pages) caseHoldRelease(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	f := typed(r, "release_reason")
	if _, err := p.cases.ReleaseHold(r.Context(), principal(r.Context()), r.PathValue("hold"), f["release_reason"]); err != nil {
		p.caseRefused(w, r, "hold", f, err)
		return
	}
	http.Redirect(w, r, "/cases/"+r.PathValue("id")+"?done=released#holds-h", http.StatusSeeOther)
}

// holdRelease is POST /holds/{id}/release, from the desk's overdue hold reviews.
func (p *Pages) holdRelease(w http.ResponseWriter, r *http.Request) {
	if !p.formOf(w, r) {
		return
	}
	if _, err := p.cases.ReleaseHold(r.Context(), principal(r.Context()), r.PathValue("id"), r.PostForm.Get("release_reason")); err != nil {
		if callvault.IsKind(err, callvault.KindInvalid) {
			p.failStatus(w, r, http.StatusBadRequest, "That did not work", refusal(err)+" Go back and try again.")
			return
		}
		p.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases?due="+cases.DueHoldReview+"&released=1", http.StatusSeeOther)
}
