package siprec

import (
	"slices"
	"strings"
	"testing"

	"github.com/callvault/callvault"
)

// applied parses doc and applies it to a recording in region GB.
func applied(t *testing.T, doc string) (*Metadata, *callvault.Recording) {
	t.Helper()
	m, err := ParseMetadata([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	rec := &callvault.Recording{}
	m.applyTo(rec, "GB")
	return m, rec
}

// TestBroadWorksNumbersGoToTheirParticipants: a Webex Calling user, known only by an opaque id,
// gets their own number from the BroadWorks extension (the called number of a terminating
// call, the calling number of an originating one), so a subject search by it finds the call.
func TestBroadWorksNumbersGoToTheirParticipants(t *testing.T) {
	const user = "sip:c0ffee42-a1b2-4c3d-8e4f-5a6b7c8d9e0f@cust7.calling.webex.example"
	term := string(readTestdata(t, "webex_broadworks.xml"))
	orig := strings.NewReplacer("termCall>", "origCall>",
		"<callingPartyNumber>tel:+441632960777", "<callingPartyNumber>tel:+442079460123",
		"<calledPartyNumber>tel:+442079460123", "<calledPartyNumber>tel:+441632960777").Replace(term)
	tests := []struct {
		name      string
		doc       string
		direction callvault.Direction
		callerURI string
	}{
		{"terminating", term, callvault.DirectionInbound, "sip:+441632960777@pstn-gw.webex.example;user=phone"},
		{"originating", orig, callvault.DirectionOutbound, user},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rec := applied(t, tt.doc)
			if len(rec.Parties) != 2 {
				t.Fatalf("parties %+v", rec.Parties)
			}
			u := rec.Parties[0]
			if u.URI != user || u.Number != (callvault.Number{Raw: "+442079460123", E164: "+442079460123"}) {
				t.Errorf("recorded user %+v: want the opaque address kept and the number +442079460123", u)
			}
			if rec.Direction != tt.direction {
				t.Errorf("direction %q, want %q", rec.Direction, tt.direction)
			}
			for _, p := range rec.Parties {
				if (p.Role == callvault.RoleCaller) != (p.URI == tt.callerURI) {
					t.Errorf("party %s has role %q; the caller is %s", p.URI, p.Role, tt.callerURI)
				}
			}
			if !slices.Contains(rec.Subjects(), callvault.Subject{Kind: callvault.SubjectNumber, Value: "+442079460123"}) {
				t.Errorf("subjects %v lack the recorded user's number", rec.Subjects())
			}
		})
	}
}

// TestMetaswitchCallType: the call type of metaswitchRecordingMetadata, in any of the forms
// read, sets the direction and the caller; the recorded party may be a bare number.
func TestMetaswitchCallType(t *testing.T) {
	doc := string(readTestdata(t, "metaswitch.xml"))
	const subscriber, remote = "Recorded Subscriber", "Remote Caller"
	tests := []struct {
		name, old, new string
		direction      callvault.Direction
		caller         string
	}{
		{"terminating", "", "", callvault.DirectionInbound, remote},
		{"originating", ">terminating<", ">originating<", callvault.DirectionOutbound, subscriber},
		{"element form", "<ms:callType>terminating</ms:callType>", "<ms:callType><ms:terminating/></ms:callType>", callvault.DirectionInbound, remote},
		{"recorded party as a bare number", "sip:+442079460456@cfs.metaswitch.example</ms:recordedParty>", "442079460456</ms:recordedParty>", callvault.DirectionInbound, remote},
		{"unknown call type", ">terminating<", ">forwarded<", callvault.DirectionUnknown, subscriber},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rec := applied(t, strings.Replace(doc, tt.old, tt.new, 1))
			if rec.Direction != tt.direction {
				t.Errorf("direction %q, want %q", rec.Direction, tt.direction)
			}
			for _, p := range rec.Parties {
				if (p.Role == callvault.RoleCaller) != (p.Name == tt.caller) {
					t.Errorf("party %s has role %q; the caller is %s", p.Name, p.Role, tt.caller)
				}
			}
		})
	}
}

// TestAcmeCallingParty: apkt:callingParty decides the caller, inside the participant or in an
// extensiondata naming it as parent; without it the first participant is the caller.
func TestAcmeCallingParty(t *testing.T) {
	doc := string(readTestdata(t, "oracle_avaya.xml"))
	const inside = "<extensiondata xmlns:apkt=\"http://acmepacket.com/siprec/extensiondata\">\n<apkt:callingParty>true</apkt:callingParty>\n</extensiondata>\n"
	beside := strings.Replace(doc, inside, "", 1)
	beside = strings.Replace(beside, "</recording>", `<extensiondata parent="Y2FsbGVyRlI=" xmlns:apkt="http://acmepacket.com/siprec/extensiondata"><apkt:callingParty>true</apkt:callingParty></extensiondata></recording>`, 1)
	without := strings.ReplaceAll(strings.Replace(doc, inside, "", 1), "<apkt:callingParty>false</apkt:callingParty>", "")
	if beside == doc || without == doc {
		t.Fatal("fixture changed: the replacements did nothing")
	}
	tests := []struct {
		name, doc, caller string
		direction         callvault.Direction
	}{
		{"inside the participant", doc, "Paris Caller", callvault.DirectionInbound},
		{"beside, naming the participant", beside, "Paris Caller", callvault.DirectionInbound},
		{"absent: the first participant", without, "Agent 4012", callvault.DirectionOutbound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := applied(t, tt.doc)
			for _, p := range rec.Parties {
				if (p.Role == callvault.RoleCaller) != (p.Name == tt.caller) {
					t.Errorf("party %s has role %q; the caller is %s", p.Name, p.Role, tt.caller)
				}
			}
			if rec.Direction != tt.direction {
				t.Errorf("direction %q, want %q", rec.Direction, tt.direction)
			}
			want := channelLeft
			if tt.caller != "Paris Caller" {
				want = channelRight
			}
			if got := m.channelFor("97"); got != want {
				t.Errorf("the outside caller's stream on channel %d, want %d", got, want)
			}
		})
	}
}

// TestExtensionFactsSurvivePartialUpdates: a partial document that only updates a participant
// keeps what the extensions said.
func TestExtensionFactsSurvivePartialUpdates(t *testing.T) {
	m, err := ParseMetadata(readTestdata(t, "webex_broadworks.xml"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseMetadata([]byte(`<recording_metadata xmlns="urn:ietf:params:xml:ns:siprec"><dataMode>partial</dataMode>` +
		`<participant id="urn:uuid:66666666-7777-4888-9999-000000000000"><name>Caller Renamed</name></participant></recording_metadata>`))
	if err != nil {
		t.Fatal(err)
	}
	m.Merge(u)
	rec := &callvault.Recording{}
	m.applyTo(rec, "GB")
	if rec.Direction != callvault.DirectionInbound || rec.Parties[0].Number.E164 != "+442079460123" || rec.Parties[1].Name != "Caller Renamed" {
		t.Errorf("after a partial update: direction %q parties %+v", rec.Direction, rec.Parties)
	}
}

// TestUnrecordedByExtensionNumber: an unrecorded line that appears only through the number a
// BroadWorks extension gives a participant (a Webex user known by an opaque id) is recognised.
func TestUnrecordedByExtensionNumber(t *testing.T) {
	m, err := ParseMetadata(readTestdata(t, "webex_broadworks.xml"))
	if err != nil {
		t.Fatal(err)
	}
	line, p, ok := newUnrecorded([]string{"020 7946 0123"}, "GB").matchMetadata(m, "GB")
	if !ok || line != "+442079460123" || p.ID != "urn:uuid:11111111-2222-4333-8444-555555555555" {
		t.Errorf("matchMetadata = %q, %+v, %v; want the recorded user on +442079460123", line, p, ok)
	}
	if _, _, ok := newUnrecorded([]string{"020 7946 0999"}, "GB").matchMetadata(m, "GB"); ok {
		t.Error("another line matched")
	}
}
