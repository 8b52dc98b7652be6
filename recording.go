package callvault

import (
	"strings"
	"time"
)

// Direction of a call as seen from the organisation.
type Direction string

const (
	DirectionUnknown  Direction = ""
	DirectionInbound  Direction = "inbound"
	DirectionOutbound Direction = "outbound"
	DirectionInternal Direction = "internal"
)

// Valid reports whether d is one of the known directions (the empty, unknown one included).
func (d Direction) Valid() bool {
	switch d {
	case DirectionUnknown, DirectionInbound, DirectionOutbound, DirectionInternal:
		return true
	}
	return false
}

// Source says how a recording reached the vault.
type Source string

const (
	SourceUpload Source = "upload"
	SourceSIPREC Source = "siprec"
	SourceImport Source = "import"
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	switch s {
	case SourceUpload, SourceSIPREC, SourceImport:
		return true
	}
	return false
}

// Announcement records whether the caller heard the "this call is recorded" announcement.
type Announcement string

const (
	AnnouncementUnknown Announcement = "unknown"
	AnnouncementYes     Announcement = "yes"
	AnnouncementNo      Announcement = "no"
)

// Valid reports whether a is a known value.
func (a Announcement) Valid() bool {
	switch a {
	case AnnouncementUnknown, AnnouncementYes, AnnouncementNo:
		return true
	}
	return false
}

// PartyRole is a party's part in a call.
type PartyRole string

const (
	RoleCaller   PartyRole = "caller"
	RoleCallee   PartyRole = "callee"
	RoleAgent    PartyRole = "agent"
	RoleCustomer PartyRole = "customer"
)

// Valid reports whether r is a known role; the empty role means unknown and is valid.
func (r PartyRole) Valid() bool {
	switch r {
	case "", RoleCaller, RoleCallee, RoleAgent, RoleCustomer:
		return true
	}
	return false
}

// Codec names the audio encoding of a stored recording.
type Codec string

const (
	CodecPCM16 Codec = "pcm_s16le" // 16-bit signed little-endian linear PCM
	CodecMuLaw Codec = "pcm_mulaw" // G.711 mu-law
	CodecALaw  Codec = "pcm_alaw"  // G.711 A-law
)

// Number is a telephone number as received and, where it could be parsed, in E.164 form.
type Number struct {
	E164 string `json:"e164,omitempty"` // "+447700900123"; empty when Raw is not a parseable number
	Raw  string `json:"raw"`            // exactly as the source gave it
}

// Party is one participant of a call.
type Party struct {
	Name   string    `json:"name,omitempty"`
	Number Number    `json:"number,omitzero"`
	URI    string    `json:"uri,omitempty"` // SIP URI (AoR) when known
	Role   PartyRole `json:"role,omitempty"`
}

// Recording is one stored call recording and everything the catalogue knows about it.
//
// The audio itself lives encrypted in the blob store under BlobKey. The age header, which holds
// the recording's wrapped file key, is kept here in the catalogue and not beside the payload, so
// that destroying it (crypto-shredding) makes the payload unreadable everywhere, backups included.
type Recording struct {
	ID        string        `json:"id"` // time-sortable (UUIDv7)
	StartedAt time.Time     `json:"started_at"`
	EndedAt   time.Time     `json:"ended_at,omitzero"`
	Duration  time.Duration `json:"duration"` // from the audio itself

	Direction       Direction `json:"direction,omitempty"`
	Extensions      []string  `json:"extensions,omitempty"`
	ExternalNumbers []Number  `json:"external_numbers,omitempty"`
	Parties         []Party   `json:"parties,omitempty"`
	Line            string    `json:"line,omitempty"`

	Source             Source       `json:"source"`
	SourceID           string       `json:"source_id"`
	AnnouncementPlayed Announcement `json:"announcement_played"`

	Codec      Codec `json:"codec"`
	SampleRate int   `json:"sample_rate"`
	Channels   int   `json:"channels"`

	PlainSize    int64  `json:"plain_size"`    // bytes of the plaintext file (the WAV as received)
	StoredSize   int64  `json:"stored_size"`   // bytes of the encrypted payload in the blob store
	PlainSHA256  string `json:"plain_sha256"`  // hex SHA-256 of the plaintext file
	StoredSHA256 string `json:"stored_sha256"` // hex SHA-256 of the stored payload (ciphertext)

	BlobKey  string `json:"-"` // key of the encrypted payload in the blob store
	KeyEpoch string `json:"-"` // key epoch whose recipient sealed the file key: a month "YYYY-MM", HoldEpoch, or "" for the vault key (see epoch.go)
	Header   []byte `json:"-"` // age header with the wrapped file key; nil once shredded
	// Sidecar is an optional document kept with the audio (for SIPREC, the raw metadata XML),
	// sealed with a key derived from the recording's file key, so it is as protected as the
	// audio and shredded with it. Stores keep the bytes as given.
	Sidecar []byte `json:"-"`

	RetainUntil time.Time `json:"retain_until"`
	CreatedAt   time.Time `json:"created_at"`

	// Attributes holds source-specific, non-indexed facts (for example the SIP Call-ID or
	// pause intervals). Keys are short snake_case names.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Subject is one indexed fact about who or what took part in a recording, used for subject
// access searches. Stores keep one row per (recording, kind, value) with an index on
// (kind, value, started_at).
type Subject struct {
	Kind  SubjectKind
	Value string // folded as Normalized does
}

// SubjectKind says what a Subject's value is.
type SubjectKind string

const (
	SubjectNumber    SubjectKind = "number"    // E.164 number, or the raw value when unparseable
	SubjectName      SubjectKind = "name"      // party name, normalised
	SubjectExtension SubjectKind = "extension" // local extension
	SubjectURI       SubjectKind = "uri"       // SIP URI, lower-cased
)

// Normalized returns s with its value folded the way stores index it: names with NormalizeName,
// URIs lower-cased, every value trimmed.
func (s Subject) Normalized() Subject {
	v := strings.TrimSpace(s.Value)
	switch s.Kind {
	case SubjectName:
		v = NormalizeName(v)
	case SubjectURI:
		v = strings.ToLower(v)
	}
	return Subject{Kind: s.Kind, Value: v}
}

// Subjects returns the distinct subjects of r, the rows a store indexes for FindRecordings.
func (r *Recording) Subjects() []Subject {
	seen := map[Subject]bool{}
	var out []Subject
	add := func(k SubjectKind, v string) {
		s := Subject{Kind: k, Value: v}.Normalized()
		if s.Value != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	num := func(n Number) {
		if n.E164 != "" {
			add(SubjectNumber, n.E164)
		} else {
			add(SubjectNumber, n.Raw)
		}
	}
	for _, e := range r.Extensions {
		add(SubjectExtension, e)
	}
	for _, n := range r.ExternalNumbers {
		num(n)
	}
	for _, p := range r.Parties {
		add(SubjectName, p.Name)
		num(p.Number)
		add(SubjectURI, p.URI)
	}
	return out
}

// RecordingFilter selects recordings for a subject search: every recording in which ANY of the
// given subjects took part (numbers, names, extensions and URIs are OR-ed), started within
// [From, To). Numbers are given in E.164 (see internal/phone); Normalize folds the rest. An empty
// subject list with a time range lists by time. Results are ordered by StartedAt, then ID.
type RecordingFilter struct {
	Subjects []Subject
	From, To time.Time // zero means unbounded
	Limit    int       // 0 means the store's default (100); stores cap it at 1000
	After    string    // cursor: ID of the last recording of the previous page
}

// Limits of one search.
const (
	DefaultSearchLimit = 100
	MaxSearchLimit     = 1000
	MaxSearchSubjects  = 500
)

// Normalize checks f and returns it with its subjects normalised (see Subject.Normalized) and
// de-duplicated and its Limit resolved (0 means DefaultSearchLimit; at most MaxSearchLimit).
// Stores call it first, so every backend reads a filter alike. Errors are KindInvalid.
func (f RecordingFilter) Normalize() (RecordingFilter, error) {
	if len(f.Subjects) > MaxSearchSubjects {
		return f, Errorf(KindInvalid, "%d subjects in one search; split it into searches of at most %d", len(f.Subjects), MaxSearchSubjects)
	}
	switch {
	case f.Limit < 0:
		return f, Errorf(KindInvalid, "search limit %d is negative", f.Limit)
	case f.Limit == 0:
		f.Limit = DefaultSearchLimit
	case f.Limit > MaxSearchLimit:
		f.Limit = MaxSearchLimit
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return f, Errorf(KindInvalid, "search range ends (%s) before it starts (%s)", f.To.Format(time.RFC3339), f.From.Format(time.RFC3339))
	}
	seen := map[Subject]bool{}
	out := make([]Subject, 0, len(f.Subjects))
	for _, s := range f.Subjects {
		switch s.Kind {
		case SubjectNumber, SubjectExtension, SubjectName, SubjectURI:
		default:
			return f, Errorf(KindInvalid, "unknown subject kind %q; use number, name, extension or uri", s.Kind)
		}
		s = s.Normalized()
		if s.Value == "" {
			return f, Errorf(KindInvalid, "empty %s in search", s.Kind)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	f.Subjects = out
	return f, nil
}

// Validate returns KindInvalid for a recording no catalogue may keep: one without an ID, a valid
// source and a source ID, a start time, or a RetainUntil (a recording that never expires would
// break the retention policy). Stores call it in CreateRecording and ImportRecording.
func (r *Recording) Validate() error {
	switch {
	case r == nil:
		return Errorf(KindInvalid, "no recording given")
	case !ValidID(r.ID):
		return Errorf(KindInvalid, "recording id %q is not an id", r.ID)
	case !r.Source.Valid() || r.SourceID == "":
		return Errorf(KindInvalid, "recording %s has no valid source and source id", r.ID)
	case r.StartedAt.IsZero():
		return Errorf(KindInvalid, "recording %s has no start time", r.ID)
	case r.RetainUntil.IsZero():
		return Errorf(KindInvalid, "recording %s: retain_until is required; a recording that never expires would break the retention policy", r.ID)
	}
	return nil
}

// PageLimit resolves the limit of a page of a whole-store walk (ListRecordings,
// ExpiredRecordings, AuditEvents): 0 or less means DefaultSearchLimit, and it is capped at
// MaxSearchLimit.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultSearchLimit
	case n > MaxSearchLimit:
		return MaxSearchLimit
	}
	return n
}
