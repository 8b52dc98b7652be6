package importer

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// FreePBX names the files of its MixMonitor spool
//
//	<kind>-<a>-<b>-YYYYMMDD-HHMMSS-<uniqueid>.wav
//
// in <spool>/YYYY/MM/DD/, where kind says which dialplan started the recording and a and b are
// its two parties as that dialplan knew them (either may be empty):
//
//	in-<did>-<callerid>          an inbound call to a DID
//	out-<dialled>-<extension>    an outbound call
//	exten-<extension>-<callerid> a call to an extension
//	q-<queue>-<callerid>         a queue call
//	rg-<ringgroup>-<callerid>    a ring group call
//	external-, internal-, ondemand-, force-  the same <target>-<other> form
//
// The uniqueid is Asterisk's "<epoch>.<sequence>". Anything else is not a FreePBX name.

// Kinds of FreePBX recording.
const (
	KindIn       = "in"
	KindOut      = "out"
	KindExten    = "exten"
	KindQueue    = "q"
	KindRingGrp  = "rg"
	KindExternal = "external"
	KindInternal = "internal"
	KindOnDemand = "ondemand"
	KindForce    = "force"
)

var freepbxKinds = map[string]bool{KindIn: true, KindOut: true, KindExten: true, KindQueue: true, KindRingGrp: true,
	KindExternal: true, KindInternal: true, KindOnDemand: true, KindForce: true}

// maxNameLen bounds the file names considered; no FreePBX name is longer.
const maxNameLen = 255

// Name is a parsed FreePBX recording file name.
type Name struct {
	File     string    // the base name as found
	Kind     string    // one of the Kind constants
	A, B     string    // the two party fields as written (see above)
	Local    time.Time // the wall time in the name, in the spool's time zone
	UniqueID string    // Asterisk's uniqueid of the call
}

// NameError says why a file name is not a FreePBX recording name.
type NameError struct {
	File   string
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("%s: not a FreePBX recording name: %s", e.File, e.Reason)
}

// ParseName parses the base name of a FreePBX recording in the spool's time zone loc. It
// returns a *NameError for anything that does not follow the form exactly; a party field that
// holds a '-' makes the name ambiguous and is refused too, never split at a guess.
func ParseName(file string, loc *time.Location) (Name, error) {
	file = path.Base(strings.ReplaceAll(file, "\\", "/"))
	bad := func(format string, args ...any) (Name, error) {
		return Name{}, &NameError{File: file, Reason: fmt.Sprintf(format, args...)}
	}
	if len(file) > maxNameLen {
		return bad("longer than %d bytes", maxNameLen)
	}
	stem, ok := strings.CutSuffix(file, ".wav")
	if !ok {
		if stem, ok = strings.CutSuffix(file, ".WAV"); !ok {
			return bad("not a .wav file")
		}
	}
	parts := strings.Split(stem, "-")
	if len(parts) < 6 {
		return bad("want <kind>-<a>-<b>-YYYYMMDD-HHMMSS-<uniqueid>.wav")
	}
	if len(parts) > 6 {
		return bad("%d fields where 6 are expected: a party field holds '-', which makes the name ambiguous", len(parts))
	}
	n := Name{File: file, Kind: parts[0], A: parts[1], B: parts[2], UniqueID: parts[5]}
	if !freepbxKinds[n.Kind] {
		return bad("unknown kind %q (want in, out, exten, q, rg, external, internal, ondemand or force)", n.Kind)
	}
	for _, f := range []string{n.A, n.B} {
		if !partyField(f) {
			return bad("party field %q holds characters no caller ID or extension has", f)
		}
	}
	if !uniqueID(n.UniqueID) {
		return bad("uniqueid %q is not Asterisk's <epoch>.<sequence>", n.UniqueID)
	}
	if len(parts[3]) != 8 || len(parts[4]) != 6 || !digits(parts[3]) || !digits(parts[4]) {
		return bad("time %s-%s is not YYYYMMDD-HHMMSS", parts[3], parts[4])
	}
	t, err := time.ParseInLocation("20060102150405", parts[3]+parts[4], loc)
	if err != nil {
		return bad("time %s-%s is not a valid date and time", parts[3], parts[4])
	}
	n.Local = t
	return n, nil
}

// partyField reports whether s could be a caller ID number, DID, extension or queue: digits,
// '+', '*', '#' and letters (FreePBX writes "anonymous" or "unknown" for a withheld number).
func partyField(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '+', r == '*', r == '#', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// uniqueID reports whether s is "<digits>.<digits>", the form of Asterisk's uniqueid.
func uniqueID(s string) bool {
	a, b, ok := strings.Cut(s, ".")
	return ok && len(s) <= 40 && digits(a) && digits(b)
}
