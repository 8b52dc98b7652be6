package callvault

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Cases are the DPO's desk (the policy's section 5): a subject access request, an external
// body's request, a disciplinary matter, a complaint or an abusive call. A case keeps the people
// and numbers it concerns, a status history, notes, the searches made for it (as evidence that
// the search was reasonable), its recordings each included or excluded with a reason, and a
// closing record. Stores keep a case whole; who may do what to it is the rules' (internal/access).

// The actions of the case desk (decided in internal/access): the DPO runs every type of case,
// Directors complaints and abusive calls.
const (
	ActCaseOpen    Action = "case.open"    // open a case of a type
	ActCaseRead    Action = "case.read"    // one case, its history and decisions
	ActCaseList    Action = "case.list"    // the desk: what is due, overdue, stopped
	ActCaseSearch  Action = "case.search"  // a subject search for a case
	ActCaseInclude Action = "case.include" // include or exclude a recording, with a reason
	ActCaseClose   Action = "case.close"   // close a case with its outcome
	ActCaseExport  Action = "case.export"  // a signed disclosure bundle of the included recordings
	ActCaseLink    Action = "case.link"    // issue or revoke a listening link for the requester
	ActCaseClock   Action = "case.clock"   // stop, restart or extend a subject access clock
)

// CaseType is the kind of a case.
type CaseType string

// The case types.
const (
	CaseSubjectAccess CaseType = "subject_access"
	CaseExternalBody  CaseType = "external_body"
	CaseDisciplinary  CaseType = "disciplinary"
	CaseComplaint     CaseType = "complaint"
	CaseAbusiveCall   CaseType = "abusive_call"
)

// CaseTypes lists every case type.
var CaseTypes = []CaseType{CaseSubjectAccess, CaseExternalBody, CaseDisciplinary, CaseComplaint, CaseAbusiveCall}

// casePrefixes are the first part of each type's references (SAR-2026-0007).
var casePrefixes = map[CaseType]string{
	CaseSubjectAccess: "SAR", CaseExternalBody: "EXT", CaseDisciplinary: "DIS", CaseComplaint: "CMP", CaseAbusiveCall: "ABU",
}

// Valid reports whether t is a known case type.
func (t CaseType) Valid() bool { _, ok := casePrefixes[t]; return ok }

// ReferencePrefix returns the first part of t's references ("SAR"), or "" for an unknown type.
func (t CaseType) ReferencePrefix() string { return casePrefixes[t] }

// CaseReference formats the reference of the seq-th case of its prefix opened in year.
func CaseReference(prefix string, year, seq int) string {
	return fmt.Sprintf("%s-%04d-%04d", prefix, year, seq)
}

var caseReferenceRE = regexp.MustCompile(`^[A-Z]{3}-[0-9]{4}-[0-9]{4,}$`)

// ValidCaseReference reports whether s has the form of a case reference.
func ValidCaseReference(s string) bool { return caseReferenceRE.MatchString(s) }

// CaseStatus is where a case stands.
type CaseStatus string

// The case statuses.
const (
	CaseOpen   CaseStatus = "open"
	CaseClosed CaseStatus = "closed"
)

// CaseSubjects are the people and numbers a case concerns, as the requester gave them.
type CaseSubjects struct {
	Numbers    []string `json:"numbers"`
	Names      []string `json:"names"`
	Extensions []string `json:"extensions,omitempty"`
}

// CaseStep is one line of a case's history: a status change or another step of its workflow.
type CaseStep struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Step   string    `json:"step"` // opened, searched, included, excluded, noted, closed
	Status string    `json:"status"`
	Detail string    `json:"detail,omitempty"`
}

// CaseNote is a note the DPO kept on a case.
type CaseNote struct {
	At    time.Time `json:"at"`
	Actor string    `json:"actor"`
	Text  string    `json:"text"`
}

// CaseCriteria is what a subject search looked for: numbers as typed and as normalised,
// names as typed (searched folded, callvault.NormalizeName), extensions and an optional time
// range [From, To).
type CaseCriteria struct {
	Numbers    []string  `json:"numbers,omitempty"`
	E164       []string  `json:"e164,omitempty"`
	Names      []string  `json:"names,omitempty"`
	Extensions []string  `json:"extensions,omitempty"`
	From       time.Time `json:"from,omitzero"`
	To         time.Time `json:"to,omitzero"`
}

// CaseSearch is one search made for a case and what it found, kept as evidence.
type CaseSearch struct {
	At       time.Time    `json:"at"`
	Actor    string       `json:"actor"`
	Criteria CaseCriteria `json:"criteria"`
	Found    []string     `json:"found"` // recording IDs
}

// CaseRecording is the DPO's decision on one recording: included in the case's answer or
// excluded, with the reason.
type CaseRecording struct {
	RecordingID string    `json:"recording_id"`
	Include     bool      `json:"include"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
}

// CaseLink is a listening link the DPO issued so the requester can hear the case's included
// recordings: unguessable (only the SHA-256 of its secret is kept), expiring, with an optional
// passcode (kept as a salted argon2id hash), a play limit, listen-only unless AllowCopy, and
// revocable. Wrong passcodes are counted and lock the link for a while.
type CaseLink struct {
	ID           string     `json:"id"`
	RecordingIDs []string   `json:"recording_ids"`
	CreatedAt    time.Time  `json:"created_at"`
	CreatedBy    string     `json:"created_by"`
	ExpiresAt    time.Time  `json:"expires_at"`
	SecretHash   string     `json:"secret_hash,omitempty"`   // "" only in Redacted copies
	Passcode     string     `json:"passcode_hash,omitempty"` // hex salt "." hex argon2id; "" when none
	MaxPlays     int        `json:"max_plays"`
	Plays        int        `json:"plays"`
	AllowCopy    bool       `json:"allow_copy,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	Failures     int        `json:"failures,omitempty"`    // wrong passcodes since the last right one
	LockedUntil  time.Time  `json:"locked_until,omitzero"` // after too many wrong passcodes
}

// Redacted returns a copy of c without its links' secret and passcode hashes, for answers
// that leave the vault's storage (the API, bundles).
func (c *Case) Redacted() *Case {
	out := *c
	out.Links = make([]CaseLink, len(c.Links))
	for i, l := range c.Links {
		l.SecretHash, l.Passcode = "", ""
		out.Links[i] = l
	}
	if len(out.Links) == 0 {
		out.Links = nil
	}
	return &out
}

// Link returns c's link id, or nil.
func (c *Case) Link(id string) *CaseLink {
	for i := range c.Links {
		if c.Links[i].ID == id {
			return &c.Links[i]
		}
	}
	return nil
}

// CaseClockStop is one stop of a subject access clock; days are YYYY-MM-DD.
type CaseClockStop struct {
	Reason   string `json:"reason"` // identity or clarification
	Asked    string `json:"asked"`
	Answered string `json:"answered,omitempty"` // "" while waiting
}

// CaseExtension is the extension of a subject access case by one or two months.
type CaseExtension struct {
	Months   int    `json:"months"`
	Reason   string `json:"reason"`
	Notified string `json:"notified"` // YYYY-MM-DD
}

// CaseClosing is the closing record of a case.
type CaseClosing struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Outcome string    `json:"outcome"`
}

// Case is one case of the DPO's desk.
type Case struct {
	ID        string     `json:"id"`
	Reference string     `json:"reference"` // SAR-2026-0007; given by the store
	Type      CaseType   `json:"type"`
	Status    CaseStatus `json:"status"`
	// ReceivedAt is when the organisation received the request, by any channel; OpenedAt is
	// when the DPO was told (the case was opened).
	ReceivedAt time.Time `json:"received_at"`
	OpenedAt   time.Time `json:"opened_at"`
	OpenedBy   string    `json:"opened_by"`
	// DueDate is the statutory due date (YYYY-MM-DD) of a subject access case, "" for others or
	// while its clock is stopped; Region is the bank-holiday region it was computed for.
	DueDate string `json:"due_date,omitempty"`
	Region  string `json:"region,omitempty"`
	// Stopped is set while the clock waits for the requester (identity, clarification).
	Stopped    bool            `json:"stopped,omitempty"`
	Subjects   CaseSubjects    `json:"subjects"`
	History    []CaseStep      `json:"history"`
	Notes      []CaseNote      `json:"notes,omitempty"`
	Searches   []CaseSearch    `json:"searches,omitempty"`
	Recordings []CaseRecording `json:"recordings,omitempty"`
	Closing    *CaseClosing    `json:"closing,omitempty"`
	Links      []CaseLink      `json:"links,omitempty"`
	// Stops and Extension are the subject access clock's record: every stop (waiting for
	// identity or clarification) with the days asked and answered, and the extension.
	Stops     []CaseClockStop `json:"stops,omitempty"`
	Extension *CaseExtension  `json:"extension,omitempty"`
	// Flag is set on an abusive_call case a staff member opened by flagging a call.
	Flag *CaseFlag `json:"flag,omitempty"`
	// External is an external_body case's request and decision; Disclosures are the bundles
	// of any case written out in full.
	External    *CaseExternal    `json:"external,omitempty"`
	Disclosures []CaseDisclosure `json:"disclosures,omitempty"`
	// Agreements are the written agreements to release a disciplinary case's recordings.
	Agreements []CaseAgreement `json:"agreements,omitempty"`
	Version    int             `json:"version"` // bumped by every UpdateCase
}

// Limits of a case.
const (
	maxCaseSubjects = 100
	maxCaseText     = 4000
	maxCaseItems    = 10000
)

// Included returns the IDs of the recordings included in c, in the order they were decided.
func (c *Case) Included() []string {
	var out []string
	for _, r := range c.Recordings {
		if r.Include {
			out = append(out, r.RecordingID)
		}
	}
	return out
}

// Decision returns c's decision on the recording id, or nil.
func (c *Case) Decision(id string) *CaseRecording {
	for i := range c.Recordings {
		if c.Recordings[i].RecordingID == id {
			return &c.Recordings[i]
		}
	}
	return nil
}

// Validate checks what a store needs before it keeps c; KindInvalid naming the bad field.
func (c *Case) Validate() error {
	switch {
	case c == nil:
		return Errorf(KindInvalid, "case: none given")
	case !ValidID(c.ID):
		return Errorf(KindInvalid, "case: id %q is not a callvault ID", c.ID)
	case !c.Type.Valid():
		return Errorf(KindInvalid, "case: unknown type %q", c.Type)
	case c.Status != CaseOpen && c.Status != CaseClosed:
		return Errorf(KindInvalid, "case: unknown status %q", c.Status)
	case c.ReceivedAt.IsZero() || c.OpenedAt.IsZero():
		return Errorf(KindInvalid, "case: received_at and opened_at are required")
	case c.DueDate != "" && !validDay(c.DueDate):
		return Errorf(KindInvalid, "case: due_date %q is not YYYY-MM-DD", c.DueDate)
	case len(c.Subjects.Numbers)+len(c.Subjects.Names)+len(c.Subjects.Extensions) > maxCaseSubjects:
		return Errorf(KindInvalid, "case: more than %d subjects", maxCaseSubjects)
	case len(c.History)+len(c.Notes)+len(c.Searches)+len(c.Recordings) > maxCaseItems:
		return Errorf(KindInvalid, "case: more than %d history lines, notes, searches and decisions", maxCaseItems)
	case (c.Status == CaseClosed) != (c.Closing != nil):
		return Errorf(KindInvalid, "case: a closed case, and only a closed case, has a closing record")
	}
	for _, s := range append(append(append([]string{}, c.Subjects.Numbers...), c.Subjects.Names...), c.Subjects.Extensions...) {
		if strings.TrimSpace(s) == "" || len(s) > 200 || !utf8.ValidString(s) {
			return Errorf(KindInvalid, "case: subjects must be non-empty texts of at most 200 bytes")
		}
	}
	for _, r := range c.Recordings {
		if !ValidID(r.RecordingID) || strings.TrimSpace(r.Reason) == "" || len(r.Reason) > maxCaseText {
			return Errorf(KindInvalid, "case: every recording decision needs a recording ID and a reason")
		}
	}
	return nil
}

func validDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// CaseFilter selects cases for CaseStore.Cases.
type CaseFilter struct {
	Status CaseStatus // "" means any
	Limit  int        // see PageLimit
	After  string     // cursor: ID of the last case of the previous page (ordered by ID)
}

// Audit actions of cases.
const (
	ActionCaseOpen         = "case.open"
	ActionCaseSearch       = "case.search"
	ActionCaseInclude      = "case.include"
	ActionCaseExclude      = "case.exclude"
	ActionCaseNote         = "case.note"
	ActionCaseClose        = "case.close"
	ActionCaseClock        = "case.clock"         // the subject access clock stopped, restarted or was extended
	ActionCaseExport       = "case.export"        // a disclosure bundle was made; the detail counts its recordings
	ActionCaseDisclose     = "case.disclose"      // one recording's audio was read into a case's bundle (object: the recording)
	ActionCaseLinkIssue    = "case.link_issue"    // a listening link was issued
	ActionCaseLinkRevoke   = "case.link_revoke"   // a listening link was revoked
	ActionCaseLinkPlay     = "case.link_play"     // a recording was played through a link (counted against its limit)
	ActionCaseLinkAudio    = "case.link_audio"    // audio bytes were read for a link (object: the recording)
	ActionCaseLinkPasscode = "case.link_passcode" // the right passcode after wrong ones: the count of failures restarts
	ActionCaseLinkRefuse   = "case.link_refused"  // a link was refused: wrong passcode, locked, expired, revoked, limit, outside the case
)

// CaseStore keeps the cases. Every catalogue backend implements it.
type CaseStore interface {
	// CreateCase stores c (c.Validate; Version 1) and appends ev, atomically. It gives c its
	// Reference: the type's prefix, the year of OpenedAt (UTC) and the next number of that
	// prefix and year, from 1 ("SAR-2026-0001"); of concurrent callers each gets its own
	// number. KindInvalid if c is invalid, KindConflict (writing nothing) if its ID exists.
	CreateCase(ctx context.Context, c *Case, ev *AuditEvent) error

	// Case returns the case with the given ID, or KindNotFound.
	Case(ctx context.Context, id string) (*Case, error)

	// UpdateCase replaces the stored case c.ID by c and appends ev, atomically, if the stored
	// Version is c.Version; c.Version is then one more. The ID, Reference, Type, ReceivedAt and
	// OpenedAt never change. KindInvalid if c is invalid, KindNotFound if there is no such
	// case, KindConflict (writing nothing) if the stored version is another (a concurrent
	// change: read it again) or the case was closed.
	UpdateCase(ctx context.Context, c *Case, ev *AuditEvent) error

	// Cases returns up to limit (see PageLimit) cases matching f, ordered by ID.
	Cases(ctx context.Context, f CaseFilter) ([]*Case, error)
}

// CheckCaseUpdate is the rule every CaseStore applies before replacing stored by next:
// KindConflict if stored is closed or its Version is not next's, or if next changes what never
// changes (ID, Reference, Type, ReceivedAt, OpenedAt).
func CheckCaseUpdate(stored, next *Case) error {
	switch {
	case stored.Status == CaseClosed:
		return Errorf(KindConflict, "case %s is closed", stored.Reference)
	case stored.Version != next.Version:
		return Errorf(KindConflict, "case %s was changed meanwhile (version %d, not %d); read it again", stored.Reference, stored.Version, next.Version)
	case stored.ID != next.ID || stored.Reference != next.Reference || stored.Type != next.Type ||
		!stored.ReceivedAt.Equal(next.ReceivedAt) || !stored.OpenedAt.Equal(next.OpenedAt):
		return Errorf(KindConflict, "case %s: its ID, reference, type, received_at and opened_at never change", stored.Reference)
	}
	return nil
}
