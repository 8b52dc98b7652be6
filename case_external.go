package callvault

import "time"

// An external body's request (the police, a regulator, a court) is answered by the DPO, who
// records who asked, on what legal basis, what they decided and why, and exactly what was
// disclosed: the SHA-256 of each disclosure bundle's manifest, which lists the SHA-256 of every
// file the bundle held.

// The DPO's decisions on an external body's request.
const (
	ExternalDisclose = "disclose" // everything asked for was disclosed
	ExternalPartial  = "partial"  // some of it was disclosed
	ExternalRefuse   = "refuse"   // nothing was disclosed
)

// ActionCaseDisclosed is the audit action of a disclosure bundle written out in full; its
// detail carries the manifest's SHA-256.
const ActionCaseDisclosed = "case.disclosed"

// CaseExternal is an external body's request and the DPO's answer to it.
type CaseExternal struct {
	Body       string `json:"body"`                // who asked: "Avon and Somerset Police"
	Officer    string `json:"officer,omitempty"`   // the officer or person acting for the body
	Reference  string `json:"reference,omitempty"` // the body's own reference
	LegalBasis string `json:"legal_basis"`         // the basis cited: "DPA 2018 Schedule 2 paragraph 2"
	// Decision (disclose, partial, refuse) and Reasoning are the DPO's, recorded at closing.
	Decision  string    `json:"decision,omitempty"`
	Reasoning string    `json:"reasoning,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
	DecidedBy string    `json:"decided_by,omitempty"`
}

// CaseDisclosure is one disclosure bundle of a case, written out in full: when, by whom, the
// SHA-256 of its manifest (hex) and the recordings it held.
type CaseDisclosure struct {
	At             time.Time `json:"at"`
	Actor          string    `json:"actor"`
	ManifestSHA256 string    `json:"manifest_sha256"`
	Recordings     []string  `json:"recordings"`
}
