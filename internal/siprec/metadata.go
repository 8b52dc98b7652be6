package siprec

import (
	"slices"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// Dialect names the form of a metadata document.
type Dialect string

// The metadata dialects the parser understands.
const (
	DialectRFC7865    Dialect = "rfc7865"    // urn:ietf:params:xml:ns:recording:1
	DialectLegacy     Dialect = "legacy"     // pre-RFC drafts (Oracle/Acme Packet, Sonus/Ribbon)
	DialectBroadWorks Dialect = "broadworks" // urn:ietf:params:xml:ns:siprec, root recording_metadata
)

// Namespaces of the dialects.
const (
	nsRFC7865    = "urn:ietf:params:xml:ns:recording:1"
	nsLegacy     = "urn:ietf:params:xml:ns:recording"
	nsBroadWorks = "urn:ietf:params:xml:ns:siprec"
)

// Metadata is the recording metadata of one recording session (RFC 7865 section 6), in a form
// shared by all dialects.
type Metadata struct {
	Dialect Dialect
	Partial bool // datamode "partial": an update to merge into the metadata known so far

	SessionID     string   // the communication session's id (RFC 7865 session_id)
	SIPSessionIDs []string // sipSessionID values (RFC 7474 Session-ID of the CS)
	StartTime     time.Time
	StopTime      time.Time
	// StartTimeText is the start time exactly as the document gave it, and StartTimeZoneless
	// says it had no zone (StartTime then reads it as UTC). See callvault.StartTimeRule: the
	// session's start time is reported, never trusted.
	StartTimeText     string
	StartTimeZoneless bool

	Participants []Participant // in document order
	Streams      []Stream

	// From dialect extensions: the calling and called party (BroadWorks callingPartyNumber
	// and calledPartyNumber), whether the recorded user originated the call (BroadWorks
	// origCall/termCall, Metaswitch call type), and who the recorded user is (BroadWorks userID,
	// Metaswitch recorded party), as an address or a number.
	CallingParty, CalledParty string
	Originated                *bool
	RecordedUser              string

	// Announcement is the recording announcement evidence found in an extension element.
	Announcement callvault.Announcement
}

// Participant is a party of the communication session.
type Participant struct {
	ID             string
	AoR            string // address of record, e.g. sip:+447700900123@example.com
	Name           string
	Send, Recv     []string // stream ids
	AssociatedAt   time.Time
	DisassociateAt time.Time
	Calling        *bool // Oracle/Acme apkt:callingParty: whether this participant placed the call
}

// Stream is one media stream of the communication session.
type Stream struct {
	ID      string
	Label   string // matches the SDP a=label of the m-line carrying it
	Session string
}

// Participant returns the participant with the given id, or nil.
func (m *Metadata) Participant(id string) *Participant {
	for i := range m.Participants {
		if m.Participants[i].ID == id {
			return &m.Participants[i]
		}
	}
	return nil
}

// associatedAt returns when the participant with the given id joined the session, or the zero
// time. A partial document may describe a participant and associate it in separate elements,
// in either order, so every entry with the id is looked at.
func (m *Metadata) associatedAt(id string) time.Time {
	for _, p := range m.Participants {
		if p.ID == id && !p.AssociatedAt.IsZero() {
			return p.AssociatedAt
		}
	}
	return time.Time{}
}

// StreamByLabel returns the stream with the given SDP label, or nil.
func (m *Metadata) StreamByLabel(label string) *Stream {
	for i := range m.Streams {
		if m.Streams[i].Label == label {
			return &m.Streams[i]
		}
	}
	return nil
}

// Senders returns the participants sending the stream with the given id, in document order.
func (m *Metadata) Senders(streamID string) []*Participant {
	var out []*Participant
	for i := range m.Participants {
		if slices.Contains(m.Participants[i].Send, streamID) {
			out = append(out, &m.Participants[i])
		}
	}
	return out
}

// Merge applies u to m: a complete document replaces m; a partial one adds or updates the
// participants, streams and times it names (RFC 7865 section 6.1.1).
func (m *Metadata) Merge(u *Metadata) {
	if !u.Partial {
		*m = *u
		return
	}
	if m.Dialect == "" {
		m.Dialect = u.Dialect
	}
	setStr := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setTime := func(dst *time.Time, v time.Time) {
		if !v.IsZero() {
			*dst = v
		}
	}
	setStr(&m.SessionID, u.SessionID)
	for _, s := range u.SIPSessionIDs {
		if !slices.Contains(m.SIPSessionIDs, s) {
			m.SIPSessionIDs = append(m.SIPSessionIDs, s)
		}
	}
	if !u.StartTime.IsZero() {
		m.StartTime, m.StartTimeText, m.StartTimeZoneless = u.StartTime, u.StartTimeText, u.StartTimeZoneless
	}
	setTime(&m.StopTime, u.StopTime)
	for _, up := range u.Participants {
		p := m.Participant(up.ID)
		if p == nil {
			m.Participants = append(m.Participants, up)
			continue
		}
		setStr(&p.AoR, up.AoR)
		setStr(&p.Name, up.Name)
		p.Send = appendNew(p.Send, up.Send...)
		p.Recv = appendNew(p.Recv, up.Recv...)
		setTime(&p.AssociatedAt, up.AssociatedAt)
		setTime(&p.DisassociateAt, up.DisassociateAt)
		if up.Calling != nil {
			p.Calling = up.Calling
		}
	}
	for _, us := range u.Streams {
		found := false
		for i := range m.Streams {
			if m.Streams[i].ID == us.ID {
				setStr(&m.Streams[i].Label, us.Label)
				setStr(&m.Streams[i].Session, us.Session)
				found = true
			}
		}
		if !found {
			m.Streams = append(m.Streams, us)
		}
	}
	setStr(&m.CallingParty, u.CallingParty)
	setStr(&m.CalledParty, u.CalledParty)
	setStr(&m.RecordedUser, u.RecordedUser)
	if u.Originated != nil {
		m.Originated = u.Originated
	}
	if u.Announcement != "" && u.Announcement != callvault.AnnouncementUnknown {
		m.Announcement = u.Announcement
	}
}

func appendNew(dst []string, vs ...string) []string {
	for _, v := range vs {
		if v != "" && !slices.Contains(dst, v) {
			dst = append(dst, v)
		}
	}
	return dst
}

// ParseMetadata parses a recording metadata document in any supported dialect. It returns
// KindInvalid for malformed XML or a document that is not recording metadata. Unknown elements
// (vendor extensions) are ignored.
func ParseMetadata(b []byte) (*Metadata, error) {
	root, err := parseXMLTree(b)
	if err != nil {
		return nil, err
	}
	m := &Metadata{Announcement: callvault.AnnouncementUnknown}
	switch {
	case strings.EqualFold(root.local, "recording_metadata"):
		m.Dialect = DialectBroadWorks
	case strings.EqualFold(root.local, "recording") && root.space == nsRFC7865:
		m.Dialect = DialectRFC7865
	case strings.EqualFold(root.local, "recording") && (root.space == nsLegacy || root.space == nsBroadWorks || root.space == ""):
		m.Dialect = DialectLegacy
	default:
		return nil, callvault.Errorf(callvault.KindInvalid,
			"recording metadata has root element <%s> in namespace %q; expected <recording> (%s)", root.local, root.space, nsRFC7865)
	}
	for _, n := range root.kids {
		switch strings.ToLower(n.local) {
		case "datamode":
			m.Partial = strings.EqualFold(strings.TrimSpace(n.text), "partial")
		case "session":
			parseSession(m, n)
		case "participant":
			m.Participants = append(m.Participants, parseParticipant(n))
		case "participantsessionassoc":
			p := m.participantFor(n.attr("participant_id", "participant"))
			if p != nil {
				p.AssociatedAt = orTime(p.AssociatedAt, parseTime(n.childText("associate-time")))
				p.DisassociateAt = orTime(p.DisassociateAt, parseTime(n.childText("disassociate-time")))
			}
		case "participantstreamassoc":
			p := m.participantFor(n.attr("participant_id", "participant"))
			if p != nil {
				p.Send = appendNew(p.Send, streamRefs(n, "send")...)
				p.Recv = appendNew(p.Recv, streamRefs(n, "recv")...)
			}
		case "stream":
			m.Streams = append(m.Streams, Stream{
				ID:      n.attr("stream_id", "id"),
				Label:   n.childText("label"),
				Session: n.attr("session_id", "session"),
			})
		}
	}
	for _, n := range root.kids { // <extensiondata parent="participant id"> beside the participants
		if strings.EqualFold(n.local, "extensiondata") {
			if p := m.Participant(n.attr("parent")); p != nil && p.Calling == nil {
				p.Calling = callingParty(n)
			}
		}
	}
	root.walk(func(n *xnode) { parseExtension(m, n) })
	return m, nil
}

// participantFor returns the participant with id, adding an empty one for a partial update
// that associates a participant described in an earlier document.
func (m *Metadata) participantFor(id string) *Participant {
	if id == "" {
		return nil
	}
	if p := m.Participant(id); p != nil {
		return p
	}
	m.Participants = append(m.Participants, Participant{ID: id})
	return &m.Participants[len(m.Participants)-1]
}

func parseSession(m *Metadata, n *xnode) {
	if m.SessionID == "" {
		m.SessionID = n.attr("session_id", "id")
	}
	for _, k := range n.kids {
		switch strings.ToLower(k.local) {
		case "sipsessionid":
			m.SIPSessionIDs = appendNew(m.SIPSessionIDs, strings.TrimSpace(k.text))
		case "start-time", "associate-time":
			if t, zoneless := parseReportedTime(k.text); m.StartTime.IsZero() && !t.IsZero() {
				m.StartTime, m.StartTimeText, m.StartTimeZoneless = t, strings.TrimSpace(k.text), zoneless
			}
		case "stop-time", "disassociate-time":
			m.StopTime = orTime(m.StopTime, parseTime(k.text))
		}
	}
}

func parseParticipant(n *xnode) Participant {
	p := Participant{ID: n.attr("participant_id", "id")}
	if id := n.child("nameID"); id != nil {
		p.AoR = id.attr("aor")
		if p.AoR == "" {
			p.AoR = id.childText("aor")
		}
		p.Name = id.childText("name")
	}
	if p.AoR == "" {
		p.AoR = n.childText("aor")
	}
	if p.AoR == "" {
		p.AoR = n.attr("aor")
	}
	if p.Name == "" {
		p.Name = n.childText("name")
	}
	p.Send = streamRefs(n, "send")
	p.Recv = streamRefs(n, "recv")
	p.AssociatedAt = parseTime(n.childText("associate-time"))
	p.DisassociateAt = parseTime(n.childText("disassociate-time"))
	p.Calling = callingParty(n)
	return p
}

// callingParty returns the value of an Oracle/Acme <apkt:callingParty> below n (in the
// participant's extension data), or nil if there is none or it is neither true nor false.
func callingParty(n *xnode) *bool {
	c := n.descendant("callingParty")
	if c == nil {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(c.text)) {
	case "true", "1", "yes":
		return new(true)
	case "false", "0", "no":
		return new(false)
	}
	return nil
}

// streamRefs returns the stream ids of the children named name: either their text
// (<send>id</send>) or the text of their <id> children (BroadWorks: <send><id>x</id></send>).
func streamRefs(n *xnode, name string) []string {
	var out []string
	for _, k := range n.kids {
		if !strings.EqualFold(k.local, name) {
			continue
		}
		if len(k.kids) == 0 {
			out = appendNew(out, strings.TrimSpace(k.text))
			continue
		}
		for _, id := range k.kids {
			out = appendNew(out, strings.TrimSpace(id.text))
		}
	}
	return out
}

// parseExtension picks up facts from extension elements anywhere in the document: the
// BroadWorks call type, parties and recorded user, the Metaswitch call type and recorded
// party, and recording announcement evidence.
func parseExtension(m *Metadata, n *xnode) {
	switch strings.ToLower(n.local) {
	case "origcall", "termcall":
		orig := strings.EqualFold(n.local, "origCall")
		m.Originated = &orig
		m.CallingParty = n.childText("callingPartyNumber")
		m.CalledParty = n.childText("calledPartyNumber")
	case "broadworksrecordingmetadata":
		if u := n.childText("userID", "userId"); u != "" {
			m.RecordedUser = u
		}
	case "metaswitchrecordingmetadata":
		parseMetaswitch(m, n)
	case "announcement", "recording-announcement", "recordingannouncement", "announcementplayed", "announcement-played":
		if a := parseAnnouncement(n.text); a != callvault.AnnouncementUnknown {
			m.Announcement = a
		}
	}
}

// parseMetaswitch reads a Metaswitch <metaswitchRecordingMetadata> extension: the call type
// as seen by the recorded subscriber (originating: they called; terminating: they were called)
// and the recorded party (their number or address).
func parseMetaswitch(m *Metadata, n *xnode) {
	if c := n.descendant("callType", "call-type", "callDirection", "call-direction", "direction"); c != nil {
		v := c.deepText()
		if v == "" && len(c.kids) > 0 {
			v = c.kids[0].local // <callType><terminating/></callType>
		}
		switch strings.ToLower(v) {
		case "originating", "orig", "origcall", "outgoing", "outbound", "mo":
			m.Originated = new(true)
		case "terminating", "term", "termcall", "incoming", "inbound", "mt":
			m.Originated = new(false)
		}
	}
	if r := n.descendant("recordedParty", "recorded-party", "recordedUser", "recordedSubscriber", "recordedDN", "recordedNumber"); r != nil {
		if v := r.deepText(); v != "" {
			m.RecordedUser = v
		}
	}
}

// parseAnnouncement maps announcement evidence ("played", "yes", "true", "not-played", "no",
// "false") to an Announcement.
func parseAnnouncement(s string) callvault.Announcement {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "played", "yes", "true", "1", "on":
		return callvault.AnnouncementYes
	case "not-played", "notplayed", "not_played", "no", "false", "0", "off", "skipped":
		return callvault.AnnouncementNo
	}
	return callvault.AnnouncementUnknown
}

// parseTime accepts RFC 3339 and the zone-less form some SBCs send (taken as UTC); anything
// else is the zero time.
func parseTime(s string) time.Time {
	t, _ := parseReportedTime(s)
	return t
}

// parseReportedTime parses a time as parseTime does and also reports whether it had no zone
// (it is then read as UTC, which the caller must note: see callvault.StartTimeRule).
func parseReportedTime(s string) (t time.Time, zoneless bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), false
	}
	// RFC 3339 with a lower-case t or z, or a space for the T (RFC 3339 section 5.6 allows both).
	if t, err := time.Parse(time.RFC3339Nano, strings.Replace(strings.ToUpper(s), " ", "T", 1)); err == nil {
		return t.UTC(), false
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func orTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}
