package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio/audiotest"
)

// TestSIPRECVendorDialectsEndToEnd: calls recorded from the metadata of a Webex Calling
// (BroadWorks) user known only by an opaque id, a Metaswitch terminating call and an Oracle SBC
// relaying Avaya are stored in the SQLite catalogue with the facts their extensions give: found
// by the Webex user's own number and by the Avaya caller's number (sent without '+'), and
// inbound.
func TestSIPRECVendorDialectsEndToEnd(t *testing.T) {
	sippBinary(t)
	s := startServer(t, "", "--sip", "127.0.0.1:0", "--media-ip", "127.0.0.1", "--rtp-ports", e2eRTPPorts)
	ctx := context.Background()
	tests := []struct {
		fixture, number string // the number a subject search finds the call by
	}{
		{"rfc7865.xml", "+447700900123"},
		{"webex_broadworks.xml", "+442079460123"},
		{"metaswitch.xml", "+441632960888"},
		{"oracle_avaya.xml", "+33187164021"},
	}
	var done []string
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			meta, err := os.ReadFile(filepath.Join("..", "..", "internal", "siprec", "testdata", tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			wait := runSippScenario(t, "siprec_call.xml", string(meta), 1000, s.main.SIP.UDPAddr())
			call := waitLive(t, s.main.SIP, done...)
			done = append(done, call.CallID)
			sendMedia(t, call.Ports, [][]byte{audiotest.MuLawSignal(20*160, 5), audiotest.MuLawSignal(20*160, 6)}, nil)
			wait()
			rec := recordingOf(t, s.main, call.CallID)
			if rec.Direction != callvault.DirectionInbound {
				t.Errorf("direction %q, want inbound", rec.Direction)
			}
			found, err := s.main.Catalogue.FindRecordings(ctx, callvault.RecordingFilter{
				Subjects: []callvault.Subject{{Kind: callvault.SubjectNumber, Value: tt.number}}})
			if err != nil || len(found) != 1 || found[0].ID != rec.ID {
				t.Errorf("search by %s: %d found, %v; want the call's recording (parties %+v)", tt.number, len(found), err, rec.Parties)
			}
		})
	}
}
