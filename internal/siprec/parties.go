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

// callerID returns the id of the participant who placed the call: the calling party named by
// a dialect extension (BroadWorks) if it matches a participant, else the first participant in
// document order (what RFC 7865 clients send, and what SBCs do in practice).
func (m *Metadata) callerID() string {
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
	for _, p := range m.Participants {
		user := uriUser(p.AoR)
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
		callerKnown = isExtension(uriUser(p.AoR)) || dialString(uriUser(p.AoR)) != ""
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
