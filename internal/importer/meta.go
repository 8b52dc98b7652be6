package importer

import "encoding/json"

// Meta is a recording's metadata in the upload API's shape (see internal/metadata), which
// decodes and checks it as it does an upload's. Attributes are not part of that shape: the
// caller copies them onto the decoded recording.
type Meta struct {
	StartedAt       string      `json:"started_at"`
	Direction       string      `json:"direction,omitempty"`
	Extensions      []string    `json:"extensions,omitempty"`
	ExternalNumbers []string    `json:"external_numbers,omitempty"`
	Line            string      `json:"line,omitempty"`
	Source          string      `json:"source"`
	SourceID        string      `json:"source_id"`
	Announcement    string      `json:"announcement_played"`
	Parties         []MetaParty `json:"parties,omitempty"`

	Attributes map[string]string `json:"-"`
}

// MetaParty is one party of Meta.
type MetaParty struct {
	Name   string `json:"name,omitempty"`
	Number string `json:"number,omitempty"`
	Role   string `json:"role,omitempty"`
}

// JSON returns m as the upload API's metadata document.
func (m *Meta) JSON() []byte {
	b, _ := json.Marshal(m) // strings and slices of them only: cannot fail
	return b
}
