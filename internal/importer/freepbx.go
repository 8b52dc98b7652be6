package importer

import (
	"strconv"
	"strings"
	"time"

	"github.com/callvault/callvault"
)

// Attributes of a recording imported from FreePBX.
const (
	AttrFreePBXUniqueID = "freepbx_uniqueid"
	AttrFreePBXFile     = "freepbx_file"
	AttrCDRDisposition  = "cdr_disposition"
	AttrCDRLine         = "cdr_line"
)

// FreePBXSourceID is a FreePBX recording's source ID, "freepbx/<uniqueid>/<kind>-<date>-<time>":
// the call's uniqueid and the number-free fields of the file's name (a call can leave several
// recordings, one per MixMonitor), so a second run finds it stored. A source ID outlives the
// recording (its tombstone keeps it taken, its audit events name it), so it holds no party: the
// name's two party fields are the dialled number, caller ID and extension. Nor is it a hash of
// them: the uniqueid gives the time, and the few billion numbers and few hundred extensions
// are hashed in seconds, so any unkeyed hash of the name gives the number back.
func FreePBXSourceID(n Name) string {
	return "freepbx/" + n.UniqueID + "/" + n.Kind + "-" + n.Local.Format("20060102-150405")
}

// LegacyFreePBXSourceID is the source ID imports gave n before FreePBXSourceID left the parties
// out ("freepbx/<uniqueid>/<file name>"). A run looks it up too, so that a recording imported
// under it is neither stored twice nor, once deleted, brought back.
func LegacyFreePBXSourceID(n Name) string { return "freepbx/" + n.UniqueID + "/" + n.File }

// DescribeFreePBX returns the metadata of the recording n, joined with its call's record cdr
// (nil when no CDR was given). Times become UTC. The parties come from the name, with the
// caller's name and the answering extension from the CDR:
//
//   - in-: inbound; the DID is the line, the caller ID the external number, the extension is
//     the one that answered (the CDR's dstchannel);
//   - out-: outbound; the dialled number is external, the extension placed the call;
//   - the others name a target and the other party: a number that is not an extension (2 to 6
//     digits) is external; an external caller makes the call inbound, an external target
//     outbound, two extensions internal; two external numbers leave the direction unknown.
//
// Withheld caller IDs ("anonymous", "unknown", ...) name no number. Announcement evidence is
// read from the CDR's userfield ("announcement=yes" or "announcement=no", set by the dialplan
// that played it); it is "unknown" otherwise.
func DescribeFreePBX(n Name, cdr *CDR) *Meta {
	m := &Meta{
		StartedAt:    n.Local.UTC().Format(time.RFC3339),
		Source:       string(callvault.SourceImport),
		SourceID:     FreePBXSourceID(n),
		Announcement: string(callvault.AnnouncementUnknown),
		Attributes:   map[string]string{AttrFreePBXUniqueID: n.UniqueID, AttrFreePBXFile: n.File},
	}
	var callerName, answered string
	if cdr != nil {
		callerName = clidName(cdr.CLID)
		answered = channelExtension(cdr.DstChannel)
		m.Announcement = announcement(cdr.UserField)
		m.Attributes[AttrCDRDisposition] = cdr.Disposition
		m.Attributes[AttrCDRLine] = strconv.Itoa(cdr.Line)
	}
	a, b := number(n.A), number(n.B)
	if b == "" && cdr != nil && n.Kind != KindOut {
		b = number(cdr.Src) // the name lost the caller ID; the record has it
	}
	addExt := func(e string) {
		if e != "" && !contains(m.Extensions, e) {
			m.Extensions = append(m.Extensions, e)
		}
	}
	addExternal := func(x string) {
		if x != "" && !contains(m.ExternalNumbers, x) {
			m.ExternalNumbers = append(m.ExternalNumbers, x)
		}
	}
	party := func(name, num string, role callvault.PartyRole) {
		if name != "" || num != "" {
			m.Parties = append(m.Parties, MetaParty{Name: name, Number: num, Role: string(role)})
		}
	}
	switch n.Kind {
	case KindIn:
		m.Direction = string(callvault.DirectionInbound)
		m.Line = a
		addExternal(b)
		addExt(answered)
		party(callerName, b, callvault.RoleCaller)
		party("", answered, callvault.RoleCallee)
	case KindOut:
		m.Direction = string(callvault.DirectionOutbound)
		ext := b
		if !isExtension(ext) {
			ext = channelExtension(cdrChannel(cdr))
		}
		addExt(ext)
		addExternal(a)
		party(callerName, ext, callvault.RoleCaller)
		party("", a, callvault.RoleCallee)
	default:
		target := a
		if n.Kind == KindQueue || n.Kind == KindRingGrp {
			// A queue or ring group is not a party: whoever answered is.
			m.Line = map[string]string{KindQueue: "queue ", KindRingGrp: "ring group "}[n.Kind] + a
			target = answered
		} else if target == "" || (!isExtension(target) && answered != "" && !external(target)) {
			target = answered
		}
		switch {
		case external(b) && !external(target):
			m.Direction = string(callvault.DirectionInbound)
			addExternal(b)
			addExt(target)
		case isExtension(b) && external(target):
			m.Direction = string(callvault.DirectionOutbound)
			addExt(b)
			addExternal(target)
		case isExtension(b) && isExtension(target):
			m.Direction = string(callvault.DirectionInternal)
			addExt(b)
			addExt(target)
		default: // two external numbers, or a party unknown: say so rather than guess
			for _, x := range []string{b, target} {
				if isExtension(x) {
					addExt(x)
				} else {
					addExternal(x)
				}
			}
		}
		party(callerName, b, callvault.RoleCaller)
		party("", target, callvault.RoleCallee)
	}
	return m
}

func cdrChannel(c *CDR) string {
	if c == nil {
		return ""
	}
	return c.Channel
}

// number returns s as a number or extension, "" for an empty or withheld caller ID.
func number(s string) string {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "anonymous", "unknown", "restricted", "private", "withheld", "unavailable":
		return ""
	}
	return s
}

// isExtension reports whether s is an extension: 2 to 6 digits.
func isExtension(s string) bool { return len(s) >= 2 && len(s) <= 6 && digits(s) }

// external reports whether s is a number outside the PBX: a dial string longer than an extension.
func external(s string) bool {
	d := dialString(s)
	return d != "" && !isExtension(d) && len(strings.TrimLeft(d, "+")) > 6
}

// channelExtension returns the extension of an Asterisk channel name ("PJSIP/201-0000001a",
// "SIP/201-00ab", "Local/201@from-queue-0000;1"), or "" if it names none.
func channelExtension(ch string) string {
	_, res, ok := strings.Cut(ch, "/")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(res, "@"); i >= 0 {
		res = res[:i]
	} else if i := strings.LastIndexByte(res, '-'); i >= 0 {
		res = res[:i]
	}
	if isExtension(res) {
		return res
	}
	return ""
}

// clidName returns the name of an Asterisk caller ID (`"Jane Doe" <07700900123>`), or "".
func clidName(clid string) string {
	name, _, ok := strings.Cut(clid, "<")
	if !ok {
		return ""
	}
	name = strings.TrimSpace(strings.Trim(strings.TrimSpace(name), `"`))
	if name == "" || dialString(name) != "" || number(name) == "" {
		return "" // a name that is only the number, or "Anonymous", is no name
	}
	return name
}

// announcement reads "announcement=yes|no" from a CDR userfield of key=value pairs.
func announcement(userfield string) string {
	for _, kv := range strings.FieldsFunc(userfield, func(r rune) bool { return r == ';' || r == ',' || r == '&' || r == ' ' }) {
		k, v, _ := strings.Cut(kv, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "announcement") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "yes", "true", "1":
			return string(callvault.AnnouncementYes)
		case "no", "false", "0":
			return string(callvault.AnnouncementNo)
		}
	}
	return string(callvault.AnnouncementUnknown)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
