package ui

import (
	"net/http"

	"github.com/callvault/callvault/internal/access"
)

// historyView is the decisions the signed-in person may review.
type historyView struct {
	Decisions []*access.RequestView
	Max       int
}

// history is GET /approvals/history: the decided requests (approved and rejected) of the
// approvals queue, with each statement, who decided and when, how far the approval narrowed
// what the request matched, the expiry and whether the grant was revoked.
func (p *Pages) history(w http.ResponseWriter, r *http.Request) {
	list, err := p.access.History(r.Context(), principal(r.Context()))
	if err != nil {
		p.Fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "history", "Decisions", historyView{Decisions: list, Max: access.MaxHistory})
}
