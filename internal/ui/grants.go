package ui

import (
	"net/http"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// grantView is a grant with its recordings and their players.
type grantView struct {
	Request    *access.RequestView
	Recordings []*playerView
	Waveform   bool // the player draws waveforms (Config.Peaks is set)
}

// playerView is one recording's player: its channels as lanes of the waveform and the marks on
// its time line.
type playerView struct {
	*callvault.Recording
	Lanes   []lane
	Markers []marker
}

// grant is GET /grants/{id}: the signed-in person's own grant, with a player per recording
// streaming the API's audio endpoint (HTTP Range, so seeking fetches only what it needs). A
// grant of someone else, an ended one or a made-up id is "not found", as the API answers.
func (p *Pages) grant(w http.ResponseWriter, r *http.Request) {
	me := principal(r.Context())
	req, err := p.myLiveGrant(r, r.PathValue("id"))
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	v := grantView{Request: req, Waveform: p.peaks != nil}
	for _, rid := range req.RecordingIDs {
		rec, _, err := p.access.Recording(r.Context(), me, rid)
		if callvault.IsKind(err, callvault.KindNotFound) {
			continue // deleted since, or the grant ended a moment ago
		}
		if err != nil {
			p.Fail(w, r, err)
			return
		}
		v.Recordings = append(v.Recordings, &playerView{Recording: rec, Lanes: channelLanes(rec), Markers: markers(rec)})
	}
	p.render(w, r, http.StatusOK, "grant", "Listen", v)
}

// myLiveGrant returns the signed-in person's request whose live grant is id. Anything else (a
// grant of someone else, an ended one, a made-up id) is not found.
func (p *Pages) myLiveGrant(r *http.Request, id string) (*access.RequestView, error) {
	mine, err := p.access.MyRequests(r.Context(), principal(r.Context()))
	if err != nil {
		return nil, err
	}
	for _, v := range mine {
		if v.GrantID != "" && v.GrantID == id && p.grantLive(v) {
			return v, nil
		}
	}
	return nil, &access.Denied{Decision: access.Decision{Code: access.CodeNotFound, Reason: "no live grant of yours has this id"}}
}
