package ui

import (
	"net/http"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// grantView is a grant with its recordings and their players.
type grantView struct {
	Request    *access.RequestView
	Recordings []*callvault.Recording
}

// grant is GET /grants/{id}: the signed-in person's own grant, with a player per recording
// streaming the API's audio endpoint (HTTP Range, so seeking fetches only what it needs). A
// grant of someone else, an ended one or a made-up id is "not found", as the API answers.
func (p *Pages) grant(w http.ResponseWriter, r *http.Request) {
	me, id := principal(r.Context()), r.PathValue("id")
	mine, err := p.access.MyRequests(r.Context(), me)
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	var req *access.RequestView
	for _, v := range mine {
		if v.GrantID != "" && v.GrantID == id {
			req = v
		}
	}
	if req == nil || !p.grantLive(req) {
		p.Fail(w, r, &access.Denied{Decision: access.Decision{Code: access.CodeNotFound, Reason: "no live grant of yours has this id"}})
		return
	}
	v := grantView{Request: req}
	for _, rid := range req.RecordingIDs {
		rec, _, err := p.access.Recording(r.Context(), me, rid)
		if callvault.IsKind(err, callvault.KindNotFound) {
			continue // deleted since, or the grant ended a moment ago
		}
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		v.Recordings = append(v.Recordings, rec)
	}
	p.render(w, r, http.StatusOK, "grant", "Listen", v)
}
