package siprec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMetadataDialects(t *testing.T) {
	tests := []struct {
		file         string
		dialect      Dialect
		session      string
		start        time.Time
		aors         []string
		names        []string
		left, right  string // labels of the caller's and the other party's stream
		direction    callvault.Direction
		extensions   []string
		external     []string // E.164
		announcement callvault.Announcement
	}{
		{
			file: "rfc7865.xml", dialect: DialectRFC7865, session: "hVpd7YQgRW2nD22h7q60JQ==",
			start: time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC),
			aors:  []string{"sip:+447700900123@sbc.example.net", "sip:2001@pbx.example.com"},
			names: []string{"Alice Customer", "Bob Agent"}, left: "97", right: "96",
			direction: callvault.DirectionInbound, extensions: []string{"2001"}, external: []string{"+447700900123"},
			announcement: callvault.AnnouncementYes,
		},
		{
			file: "legacy_oracle.xml", dialect: DialectLegacy, session: "yG9r5m0STRxYrskGaMchzA==",
			start: time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC),
			aors:  []string{"sip:3005@10.0.0.1", "sip:02079460000@10.0.0.2"},
			names: []string{"3005", "ACME Ltd"}, left: "1", right: "2",
			direction: callvault.DirectionOutbound, extensions: []string{"3005"}, external: []string{"+442079460000"},
			announcement: callvault.AnnouncementUnknown,
		},
		{
			file: "sonus.xml", dialect: DialectLegacy, session: "Q2FsbElkMTIzNDU2Nzg5",
			start: time.Date(2026, 3, 2, 12, 30, 0, 123e6, time.UTC),
			aors:  []string{"sip:+12025550143@gw.carrier.example", "sip:+442079460000@sbc.example.co.uk"},
			names: []string{"WIRELESS CALLER", ""}, left: "1", right: "2",
			direction: callvault.DirectionUnknown, external: []string{"+12025550143", "+442079460000"},
			announcement: callvault.AnnouncementUnknown,
		},
		{
			file: "broadworks.xml", dialect: DialectBroadWorks, session: "urn:uuid:387c9212-bc78-45cb-b1a1-bb6c5030c38b",
			start: time.Date(2026, 3, 2, 16, 52, 20, 0, time.UTC),
			aors:  []string{"sip:2040@as.example.net", "sip:+441133023237@10.255.2.40"},
			names: []string{"", ""}, left: "2", right: "1", // termCall: the remote party called the user
			direction: callvault.DirectionInbound, extensions: []string{"2040"}, external: []string{"+441133023237"},
			announcement: callvault.AnnouncementUnknown,
		},
		{
			// Webex Calling: the recorded user appears by an opaque id; termCall gives their number.
			file: "webex_broadworks.xml", dialect: DialectBroadWorks, session: "urn:uuid:9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
			start: time.Date(2026, 3, 2, 15, 40, 11, 0, time.UTC),
			aors:  []string{"sip:c0ffee42-a1b2-4c3d-8e4f-5a6b7c8d9e0f@cust7.calling.webex.example", "sip:+441632960777@pstn-gw.webex.example;user=phone"},
			names: []string{"", ""}, left: "97", right: "96",
			direction: callvault.DirectionInbound, external: []string{"+442079460123", "+441632960777"},
			announcement: callvault.AnnouncementUnknown,
		},
		{
			// Metaswitch: the recorded subscriber is listed first, but the call is terminating.
			file: "metaswitch.xml", dialect: DialectRFC7865, session: "TWV0YXN3aXRjaFNlc3Npb24x",
			start: time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC),
			aors:  []string{"sip:+442079460456@cfs.metaswitch.example", "sip:+441632960888@cfs.metaswitch.example"},
			names: []string{"Recorded Subscriber", "Remote Caller"}, left: "97", right: "96",
			direction: callvault.DirectionInbound, external: []string{"+442079460456", "+441632960888"},
			announcement: callvault.AnnouncementUnknown,
		},
		{
			// Oracle relaying Avaya: apkt:callingParty marks the second participant as the caller.
			file: "oracle_avaya.xml", dialect: DialectLegacy, session: "T3JhY2xlQXZheWFDYWxs",
			start: time.Date(2026, 3, 2, 13, 20, 0, 0, time.UTC),
			aors:  []string{"sip:4012@10.20.30.40", "sip:33187164021@10.20.30.50;user=phone"},
			names: []string{"Agent 4012", "Paris Caller"}, left: "97", right: "96",
			direction: callvault.DirectionInbound, extensions: []string{"4012"}, external: []string{"+33187164021"},
			announcement: callvault.AnnouncementUnknown,
		},
		{
			file: "mixed.xml", dialect: DialectRFC7865, session: "bWl4ZWQtc2Vzc2lvbg==",
			start:     time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
			aors:      []string{"sip:01632960001@sbc.example.net", "sip:2100@pbx.example.com"},
			names:     []string{"Carol", "Dave"},
			direction: callvault.DirectionInbound, extensions: []string{"2100"}, external: []string{"+441632960001"},
			announcement: callvault.AnnouncementUnknown,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := ParseMetadata(readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if m.Dialect != tt.dialect || m.SessionID != tt.session || !m.StartTime.Equal(tt.start) {
				t.Errorf("dialect, session, start = %s, %q, %v; want %s, %q, %v", m.Dialect, m.SessionID, m.StartTime, tt.dialect, tt.session, tt.start)
			}
			var aors, names []string
			for _, p := range m.Participants {
				aors, names = append(aors, p.AoR), append(names, p.Name)
			}
			if !slices.Equal(aors, tt.aors) || !slices.Equal(names, tt.names) {
				t.Errorf("participants %q %q, want %q %q", aors, names, tt.aors, tt.names)
			}
			if m.Announcement != tt.announcement {
				t.Errorf("announcement %q, want %q", m.Announcement, tt.announcement)
			}
			if tt.left != "" {
				if got := m.channelFor(tt.left); got != channelLeft {
					t.Errorf("label %s on channel %d, want left", tt.left, got)
				}
				if got := m.channelFor(tt.right); got != channelRight {
					t.Errorf("label %s on channel %d, want right", tt.right, got)
				}
			} else if got := m.channelFor("mixed"); got != channelBoth {
				t.Errorf("mixed stream on channel %d, want both", got)
			}
			rec := &callvault.Recording{}
			m.applyTo(rec, "GB")
			if rec.Direction != tt.direction {
				t.Errorf("direction %q, want %q", rec.Direction, tt.direction)
			}
			if !slices.Equal(rec.Extensions, tt.extensions) {
				t.Errorf("extensions %q, want %q", rec.Extensions, tt.extensions)
			}
			var e164 []string
			for _, n := range rec.ExternalNumbers {
				if n.E164 != "" {
					e164 = append(e164, n.E164)
				}
			}
			if !slices.Equal(e164, tt.external) {
				t.Errorf("external numbers %q, want %q", e164, tt.external)
			}
			if len(rec.Parties) != len(tt.aors) || rec.Parties[0].Role == rec.Parties[1].Role {
				t.Errorf("parties %+v: want %d with one caller", rec.Parties, len(tt.aors))
			}
			if !rec.StartedAt.IsZero() {
				t.Errorf("StartedAt %v set from the metadata: the arrival is the recording's start", rec.StartedAt)
			}
		})
	}
}

func TestMetadataPartialMerge(t *testing.T) {
	m, err := ParseMetadata(readTestdata(t, "rfc7865.xml"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseMetadata(readTestdata(t, "rfc7865_transfer_partial.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !u.Partial {
		t.Fatal("partial datamode not detected")
	}
	m.Merge(u)
	if len(m.Participants) != 3 {
		t.Fatalf("after merge %d participants, want 3", len(m.Participants))
	}
	bob := m.Participant("zSfPoSvdSDCmU3A3TRDxAw==")
	if bob == nil || bob.AoR != "sip:2001@pbx.example.com" || bob.DisassociateAt.IsZero() {
		t.Errorf("Bob after merge: %+v; want his address kept and a disassociate time", bob)
	}
	pay := m.Participant("cGF5bWVudA==")
	if pay == nil || pay.AoR != "sip:4999@pbx.example.com" || !slices.Equal(pay.Send, []string{"UAAMm5GRQKSCMVvLyl4rFw=="}) {
		t.Errorf("new participant after merge: %+v", pay)
	}
	if m.SessionID != "hVpd7YQgRW2nD22h7q60JQ==" || len(m.Streams) != 2 {
		t.Errorf("merge lost session or streams: %q %d", m.SessionID, len(m.Streams))
	}
	if got := m.channelFor("96"); got != channelRight {
		t.Errorf("stream 96 now sent by the payment line: channel %d, want right", got)
	}
	u2 := &Metadata{}
	*u2 = *m
	u2.Partial = false
	u2.Participants = nil
	m.Merge(u2)
	if len(m.Participants) != 0 {
		t.Error("a complete document must replace the metadata")
	}
}

func TestParseMetadataRejects(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"empty", ""},
		{"not xml", "hello"},
		{"wrong root", `<foo xmlns="urn:ietf:params:xml:ns:recording:1"/>`},
		{"unclosed", `<recording xmlns="urn:ietf:params:xml:ns:recording:1"><session>`},
		{"dtd", `<!DOCTYPE recording [<!ENTITY x "y">]><recording xmlns="urn:ietf:params:xml:ns:recording:1"/>`},
		{"deep", strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)},
		{"latin1", `<?xml version="1.0" encoding="ISO-8859-1"?><recording/>`},
		{"two roots", `<recording/><recording/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMetadata([]byte(tt.doc))
			if !callvault.IsKind(err, callvault.KindInvalid) {
				t.Errorf("ParseMetadata(%q) error %v, want KindInvalid", tt.name, err)
			}
		})
	}
}

func TestUnrecordedMatch(t *testing.T) {
	u := newUnrecorded([]string{"4999", "+44 20 7946 0999", "sip:payments@pay.example.com", "tel:+441632960555"}, "GB")
	tests := []struct {
		aor  string
		want bool
	}{
		{"sip:4999@pbx.example.com", true},
		{"sip:4999@other.example.com;user=phone", true},
		{"sip:02079460999@sbc", true},
		{"sip:+442079460999@sbc", true},
		{"sip:00442079460999@sbc", true},
		{"<sips:Payments@pay.example.com:5061;transport=tls>", true},
		{"sip:01632960555@x", true},
		{"sip:49990@pbx.example.com", false},
		{"sip:2001@pbx.example.com", false},
		{"sip:payments@other.example.com", false},
		{"", false},
	}
	for _, tt := range tests {
		if _, got := u.match(tt.aor, "GB"); got != tt.want {
			t.Errorf("match(%q) = %v, want %v", tt.aor, got, tt.want)
		}
	}
}
