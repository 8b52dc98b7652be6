package siprec

import (
	"slices"
	"strings"

	"github.com/callvault/callvault"
)

// channel says where a stream's audio goes in the stereo recording.
type channel int

const (
	channelNone  channel = iota // not recorded (declined or unknown)
	channelLeft                 // the caller
	channelRight                // the other party
	channelBoth                 // a mixed stream carrying both directions
)

// callerID returns the id of the participant who placed the call: the one an Oracle/Acme
// apkt:callingParty marks; else, when a dialect extension gives the call type (BroadWorks,
// Metaswitch), the recorded user if they originated the call and the remote party if not;
// else the calling party named by an extension if it matches a participant; else the first
// participant in document order (what RFC 7865 clients send, and what SBCs do in practice).
func (m *Metadata) callerID() string {
	for _, p := range m.Participants {
		if p.Calling != nil && *p.Calling {
			return p.ID
		}
	}
	if m.Originated != nil {
		user, remote := m.userAndRemote()
		if *m.Originated && user != "" {
			return user
		}
		if !*m.Originated && remote != "" {
			return remote
		}
	}
	if m.CallingParty != "" {
		want := uriUser(m.CallingParty)
		for _, p := range m.Participants {
			if sameParty(uriUser(p.AoR), want) {
				return p.ID
			}
		}
	}
	if len(m.Participants) > 0 {
		return m.Participants[0].ID
	}
	return ""
}

// userAndRemote returns the ids of the recorded user's participant and of the remote party's,
// as far as dialect extensions tell them: the recorded user is the participant whose address
// is the extension's recorded user (BroadWorks userID, Metaswitch recorded party) or the
// user's own number (the calling number of an originating call, the called number of a
// terminating one); the remote party is the participant with the other number. Of two
// participants, knowing one gives the other.
func (m *Metadata) userAndRemote() (user, remote string) {
	var userNum, remoteNum string
	if m.Originated != nil {
		userNum, remoteNum = m.CalledParty, m.CallingParty
		if *m.Originated {
			userNum, remoteNum = m.CallingParty, m.CalledParty
		}
	}
	for _, p := range m.Participants {
		if user == "" && (addressedBy(p.AoR, m.RecordedUser) || addressedBy(p.AoR, userNum)) {
			user = p.ID
		}
	}
	for _, p := range m.Participants {
		if remote == "" && p.ID != user && addressedBy(p.AoR, remoteNum) {
			remote = p.ID
		}
	}
	if len(m.Participants) == 2 {
		a, b := m.Participants[0].ID, m.Participants[1].ID
		other := map[string]string{a: b, b: a}
		switch {
		case user == "" && remote != "":
			user = other[remote]
		case remote == "" && user != "":
			remote = other[user]
		}
	}
	return user, remote
}

// addressedBy reports whether the address of record aor and who (an address or a number from
// an extension) name the same party.
func addressedBy(aor, who string) bool {
	if aor == "" || who == "" {
		return false
	}
	return canonicalURI(aor) == canonicalURI(who) || sameParty(uriUser(aor), uriUser(who))
}

// extensionNumbers returns the numbers dialect extensions give to participants whose address
// of record carries none (Webex Calling users appear by an opaque user id): the recorded
// user's own number and the remote party's, by participant id.
func (m *Metadata) extensionNumbers() map[string]string {
	if m.Originated == nil {
		return nil
	}
	user, remote := m.userAndRemote()
	userNum, remoteNum := m.CalledParty, m.CallingParty
	if *m.Originated {
		userNum, remoteNum = m.CallingParty, m.CalledParty
	}
	out := map[string]string{}
	for id, num := range map[string]string{user: userNum, remote: remoteNum} {
		if u := uriUser(num); id != "" && dialString(u) != "" {
			out[id] = u
		}
	}
	return out
}

// userPart returns the user part that stands for p's number: that of its address of record, or,
// when that carries no number, the one a dialect extension gives it.
func userPart(p *Participant, extra map[string]string) string {
	user := uriUser(p.AoR)
	if dialString(user) == "" && extra[p.ID] != "" {
		return extra[p.ID]
	}
	return user
}

// sameParty compares two user parts, ignoring separators and a leading + or national prefix.
func sameParty(a, b string) bool {
	if strings.EqualFold(a, b) {
		return a != ""
	}
	da, db := dialString(a), dialString(b)
	if da == "" || db == "" {
		return false
	}
	da, db = strings.TrimLeft(da, "+0"), strings.TrimLeft(db, "+0")
	return len(da) >= 6 && len(db) >= 6 && (strings.HasSuffix(da, db) || strings.HasSuffix(db, da))
}

// channelFor returns the channel of the stream carried on the m-line with the given label.
func (m *Metadata) channelFor(label string) channel {
	if m == nil || label == "" {
		return channelNone
	}
	s := m.StreamByLabel(label)
	if s == nil {
		return channelNone
	}
	senders := m.Senders(s.ID)
	if active := activeOnly(senders); len(active) > 0 {
		senders = active
	}
	if len(senders) == 0 {
		return channelNone
	}
	// A stream is a mix of the call (both channels) when a sender also receives it, or when it
	// is the only stream of a single participant: a mixed recording. Several senders that
	// include the caller are a mix too; several others (a conference, BroadWorks' client
	// devices) are the other side, mixed on the right channel, never over the caller's audio.
	caller := m.callerID()
	hasCaller := false
	for _, p := range senders {
		hasCaller = hasCaller || p.ID == caller
		if slices.Contains(p.Recv, s.ID) {
			return channelBoth
		}
	}
	switch {
	case len(m.Streams) == 1 && len(m.Participants) == 1:
		return channelBoth
	case hasCaller && len(senders) > 1:
		return channelBoth
	case hasCaller:
		return channelLeft
	}
	return channelRight
}

// applyTo fills rec's parties, numbers, extensions and direction from m. The start time is
// not its to set: see session.applyStartTime.
func (m *Metadata) applyTo(rec *callvault.Recording, region string) {
	caller := m.callerID()
	rec.Parties = rec.Parties[:0]
	rec.Extensions = rec.Extensions[:0]
	rec.ExternalNumbers = rec.ExternalNumbers[:0]
	var callerExt, calleeExt, calleeSeen bool
	var calleeKnown bool
	extra := m.extensionNumbers()
	for _, p := range m.Participants {
		user := userPart(&p, extra)
		party := callvault.Party{Name: p.Name, URI: p.AoR, Role: callvault.RoleCallee}
		if p.ID == caller {
			party.Role = callvault.RoleCaller
		}
		ext := isExtension(user)
		switch {
		case ext:
			party.Number = callvault.Number{Raw: user}
			rec.Extensions = appendNew(rec.Extensions, dialString(user))
		case dialString(user) != "":
			party.Number = normalizeNumber(user, region)
			if !containsNumber(rec.ExternalNumbers, party.Number) {
				rec.ExternalNumbers = append(rec.ExternalNumbers, party.Number)
			}
		}
		if party.Name == "" && party.Number.Raw == "" && party.URI == "" {
			continue
		}
		rec.Parties = append(rec.Parties, party)
		if p.ID == caller {
			callerExt = ext
		} else if !calleeSeen {
			calleeSeen, calleeExt = true, ext
			calleeKnown = ext || dialString(user) != ""
		}
	}
	callerKnown := false
	if p := m.Participant(caller); p != nil {
		user := userPart(p, extra)
		callerKnown = isExtension(user) || dialString(user) != ""
	}
	rec.Direction = callvault.DirectionUnknown
	switch {
	case m.Originated != nil && *m.Originated:
		rec.Direction = callvault.DirectionOutbound
		if calleeKnown && calleeExt {
			rec.Direction = callvault.DirectionInternal
		}
	case m.Originated != nil:
		rec.Direction = callvault.DirectionInbound
		if callerKnown && callerExt {
			rec.Direction = callvault.DirectionInternal
		}
	case callerKnown && calleeKnown && callerExt && calleeExt:
		rec.Direction = callvault.DirectionInternal
	case callerKnown && calleeKnown && callerExt:
		rec.Direction = callvault.DirectionOutbound
	case callerKnown && calleeKnown && calleeExt:
		rec.Direction = callvault.DirectionInbound
	}
	if m.Announcement == callvault.AnnouncementYes || m.Announcement == callvault.AnnouncementNo {
		rec.AnnouncementPlayed = m.Announcement
	}
}

func containsNumber(ns []callvault.Number, n callvault.Number) bool {
	for _, x := range ns {
		if x.Raw == n.Raw || (n.E164 != "" && x.E164 == n.E164) {
			return true
		}
	}
	return false
}

// activeOnly returns the participants that have not left the session.
func activeOnly(ps []*Participant) []*Participant {
	var out []*Participant
	for _, p := range ps {
		if p.DisassociateAt.IsZero() {
			out = append(out, p)
		}
	}
	return out
}
