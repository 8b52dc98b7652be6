package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"github.com/callvault/callvault/internal/siprec/sipptest"
)

// TestUploadCannotTakeSIPRECSource: a recorder token's upload that claims source "siprec" with
// the source id a real SIPREC call will get is refused; without the claim it is stored as an
// upload; and the real SIPREC call with that id is then recorded.
func TestUploadCannotTakeSIPRECSource(t *testing.T) {
	sippBinary(t)
	s := startServer(t, "", "--sip", "127.0.0.1:0", "--media-ip", "127.0.0.1", "--rtp-ports", e2eRTPPorts)
	token := createToken(t, s.data, "recorder", "pbx")
	const callID = "forged-1@callvault.test"
	sourceID := callID + "|hVpd7YQgRW2nD22h7q60JQ==" // Call-ID | the metadata's session id

	wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 1)
	forged := uploadWAVMeta(t, s.url, token, metaJSON(sourceID, map[string]any{"source": "siprec"}), wav)
	if forged.status != http.StatusBadRequest || !strings.Contains(forged.raw, `source \"siprec\" is not allowed here`) {
		t.Fatalf("upload claiming siprec: %d %s, want 400 naming the source", forged.status, forged.raw)
	}
	plain := uploadWAVMeta(t, s.url, token, metaJSON(sourceID, map[string]any{"source": nil}), wav)
	if plain.status != http.StatusCreated || plain.body["source"] != "upload" {
		t.Fatalf("upload without a source: %d %s, want 201 as source upload", plain.status, plain.raw)
	}

	meta, err := os.ReadFile(filepath.Join("testdata", "siprec_rfc7865.xml"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := os.ReadFile(filepath.Join("testdata", "siprec_call.xml"))
	if err != nil {
		t.Fatal(err)
	}
	sc := strings.ReplaceAll(strings.ReplaceAll(string(x), "METADATA", string(meta)), "PAUSE_MS", "1500")
	dir := t.TempDir()
	file := filepath.Join(dir, "scenario.xml")
	os.WriteFile(file, []byte(sc), 0o600)
	wait := sipptest.Run(t, dir, file, s.main.SIP.UDPAddr().String(), 45*time.Second,
		"-t", "u1", "-p", "0", "-cid_str", "forged-%u@callvault.test")
	call := waitLive(t, s.main.SIP)
	if call.CallID != callID {
		t.Fatalf("sipp's Call-ID is %q, want %q", call.CallID, callID)
	}
	sendMedia(t, call.Ports, [][]byte{audiotest.MuLawSignal(25*160, 1), audiotest.MuLawSignal(25*160, 2)}, nil)
	wait()

	rec := recordingOf(t, s.main, callID)
	if rec.Source != callvault.SourceSIPREC || rec.SourceID != sourceID || rec.ID == plain.body["id"] {
		t.Errorf("the real call: source %q id %q (recording %s), want siprec %q apart from the upload %v",
			rec.Source, rec.SourceID, rec.ID, sourceID, plain.body["id"])
	}
	up, err := s.main.Catalogue.RecordingBySource(context.Background(), callvault.SourceUpload, sourceID)
	if err != nil || up.ID != plain.body["id"] {
		t.Errorf("the upload: %v %v", up, err)
	}
}

func uploadWAVMeta(t *testing.T, url, token string, meta, wav []byte) uploadResult {
	t.Helper()
	body, ct := multipartBody(part{name: "metadata", contentType: "application/json", body: meta},
		part{name: "audio", filename: "call.wav", contentType: "audio/wav", body: wav})
	return upload(t, url, token, body, ct)
}
