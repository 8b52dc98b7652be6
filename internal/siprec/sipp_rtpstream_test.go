package siprec

import (
	"bytes"
	"fmt"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"strings"
	"testing"

	"github.com/callvault/callvault/internal/audio"
)

// maxLeadIn is how much silence may precede a stream in the recording (8 kHz frames): the
// recording starts when the INVITE is answered and a stream's audio where its first packet
// arrives, which for sipp's own stream is after the ACK and for the Go sender after the test
// saw the answer. That delay is scheduling, not the recorder; everything after it is checked
// sample for sample.
const maxLeadIn = 8000

// muLawWAV returns a mono 8 kHz G.711 mu-law WAV file of exactly packets*160 bytes (header
// included) and its audio.
func muLawWAV(t *testing.T, packets int, seed uint32) (file, data []byte) {
	t.Helper()
	var hdr bytes.Buffer
	if err := audio.WriteHeader(&hdr, audio.MuLawFormat(8000, 1), 0); err != nil {
		t.Fatal(err)
	}
	n := packets*160 - hdr.Len()
	hdr.Reset()
	if err := audio.WriteHeader(&hdr, audio.MuLawFormat(8000, 1), int64(n)); err != nil {
		t.Fatal(err)
	}
	data = audiotest.MuLawSignal(n, seed)
	return append(hdr.Bytes(), data...), data
}

// TestSIPRECSippRTPStream has sipp, the recording client, stream the first m-line's audio
// itself from a WAV file (exec rtp_stream, to the port of the 200 OK's first m-line), while a
// Go sender streams the second m-line.
//
// SIPp 3.6 sends a WAV file's bytes as they are, header included: the first packet starts with
// "RIFF", and a file that is not a whole number of packets wraps around to its start to fill the
// last one. So the file here is exactly 75 packets long, and the caller's channel must be the
// mu-law decoding of the whole file, sample for sample (the 58 header bytes decode to 58
// samples of noise ahead of the data chunk's audio). Should a SIPp version skip the header, the
// data chunk alone must be there instead.
func TestSIPRECSippRTPStream(t *testing.T) {
	sippPath(t)
	h := startHarness(t, nil)
	const packets = 75
	file, data := muLawWAV(t, packets, 41)
	// legacy_oracle.xml makes the first stream the caller's: sipp's stream is the left channel.
	sdp := strings.Replace(sdpOffer("sendonly", "1", "2"), "m=audio 30000 ", "m=audio [rtpstream_audio_port] ", 1)
	wait := runSipp(t, h, scenario{Name: "rtp_stream", SDP: sdp, Metadata: string(readTestdata(t, "legacy_oracle.xml")),
		RTPStream: "caller.wav,1,0", Files: map[string][]byte{"caller.wav": file},
		Steps: []step{{Pause: packets*20 + 700}}})
	a := waitSession(t, h)
	other := audiotest.MuLawSignal(packets*160, 42)
	times := sendRTP(t, a.ports[1:], [][]byte{other}, nil, never)
	wait()
	st := waitStored(t, h)

	if st.rec.SampleRate != 8000 || st.rec.Channels != 2 {
		t.Fatalf("format %d Hz %d channels, want 8000 Hz stereo", st.rec.SampleRate, st.rec.Channels)
	}
	want := decodeMuLawPCM(file)
	off := findAligned(st.left, want, maxLeadIn)
	if off < 0 {
		want = decodeMuLawPCM(data)
		if off = findAligned(st.left, want, maxLeadIn); off >= 0 {
			t.Log("this sipp skips the WAV header")
		}
	}
	if off < 0 {
		t.Fatalf("the left channel does not start with sipp's WAV audio within %d frames", maxLeadIn)
	}
	if len(st.left)-off < len(want) || !equalSamples(st.left[off:off+len(want)], want) {
		t.Errorf("the left channel differs from the WAV sipp streamed (at offset %d)", off)
	}
	for i, v := range st.left[:off] {
		if v != 0 {
			t.Errorf("left frame %d before sipp's audio is %d, want silence", i, v)
			break
		}
	}
	wantR := decodeMuLawPCM(other)
	offR := findAligned(st.right, wantR, times.leadIn(a, 8000))
	if offR < 0 || len(st.right)-offR < len(wantR) || !equalSamples(st.right[offR:offR+len(wantR)], wantR) {
		t.Errorf("the right channel does not hold the Go sender's audio (offset %d)", offR)
	}
	if st.rec.Attributes["rtp_packets"] != fmt.Sprint(2*packets) || st.rec.Attributes["rtp_lost"] != "0" {
		t.Errorf("rtp_packets %q rtp_lost %q, want %d and 0", st.rec.Attributes["rtp_packets"], st.rec.Attributes["rtp_lost"], 2*packets)
	}
}
