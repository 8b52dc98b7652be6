package siprec

import (
	"bytes"
	"context"
	"fmt"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"github.com/callvault/callvault/internal/siprec/sipptest"
	"github.com/callvault/callvault/internal/testenv"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	pionrtp "github.com/pion/rtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// sippPath returns the sipp binary named by CALLVAULT_TEST_SIPP, skipping the test when it is
// unset (failing instead under CALLVAULT_TEST_REQUIRE_EXTERNAL=1).
func sippPath(t *testing.T) string {
	t.Helper()
	return testenv.Get(t, testenv.Sipp)
}

// harness is a server with a fake archive, seeing sessions, audit events and metrics. The
// server logs to the test's log, so a failing test shows what the server saw (whether the
// INVITE arrived, why a request was rejected).
type harness struct {
	srv      *Server
	archive  *fakeArchive
	sessions chan answered
	sipp     *sipptest.Process // the last sipp started, if any
	reg      *prometheus.Registry
	mu       sync.Mutex
	events   []callvault.AuditEvent
	evCh     chan callvault.AuditEvent // every event, for waitEvent
}

// waitEvent waits for the next audit event with the given action.
func (h *harness) waitEvent(t *testing.T, action string) callvault.AuditEvent {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case ev := <-h.evCh:
			if ev.Action == action {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s audit event within 15 s; events: %q", action, h.actions())
		}
	}
}

// testLogger returns a logger writing to t.Log until the test ends (a server goroutine may log
// a moment after Close, and t.Log then would panic).
func testLogger(t testing.TB) *slog.Logger {
	w := &testLogWriter{t: t}
	t.Cleanup(func() { // registered before the server's Close, so it runs after it
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testLogWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLogWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSuffix(string(b), "\n"))
	}
	return len(b), nil
}

// metric returns the value of the server's gauge or counter with the given name (summed over
// its labels).
func (h *harness) metric(t *testing.T, name string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			sum := 0.0 // over all label values
			for _, m := range mf.GetMetric() {
				sum += m.GetGauge().GetValue() + m.GetCounter().GetValue()
			}
			return sum
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

type answered struct {
	callID string
	ports  []int
	start  time.Time // when the session (and its recording's timeline) started
}

func startHarness(t *testing.T, modify func(*Config)) *harness {
	t.Helper()
	h := &harness{archive: newFakeArchive(), sessions: make(chan answered, 4), reg: prometheus.NewRegistry(), evCh: make(chan callvault.AuditEvent, 64)}
	cfg := Config{
		Archive: h.archive, UDPAddr: "127.0.0.1:0", TCPAddr: "127.0.0.1:0", MediaIP: "127.0.0.1",
		RTPTimeout: 20 * time.Second, Logger: testLogger(t), Metrics: h.reg,
		OnEvent: func(ctx context.Context, ev callvault.AuditEvent) {
			h.mu.Lock()
			h.events = append(h.events, ev)
			h.mu.Unlock()
			select {
			case h.evCh <- ev:
			default:
			}
		},
	}
	if modify != nil {
		modify(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.testHook = func(callID string, ports []int) {
		a := answered{callID: callID, ports: ports}
		if ss := srv.lookup(callID); ss != nil {
			a.start = ss.created
		}
		h.sessions <- a
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	h.srv = srv
	return h
}

// event returns the first audit event with the given action, or nil.
func (h *harness) event(action string) *callvault.AuditEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range h.events {
		if h.events[i].Action == action {
			ev := h.events[i]
			return &ev
		}
	}
	return nil
}

func (h *harness) actions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, ev := range h.events {
		out = append(out, ev.Action)
	}
	return out
}

// step is one action of a sipp scenario after the first ACK: a pause, or an in-dialog request
// with a body (a re-INVITE, acknowledged, or an UPDATE).
type step struct {
	Pause       int // milliseconds
	Method      string
	CSeq        int
	ContentType string
	Body        string
}

// Verb returns the step's method: INVITE unless set.
func (s step) Verb() string {
	if s.Method == "" {
		return "INVITE"
	}
	return s.Method
}

type scenario struct {
	Name         string
	SDP          string
	Metadata     string
	Announcement string
	Expect       int // a final non-2xx status the INVITE must get; 0 for a normal call
	Steps        []step

	AckDelay  int    // milliseconds to wait before acknowledging the INVITE's 200 OK
	ServerBye bool   // end with the server's BYE (answered 200) instead of sending one
	Transport string // "tcp" runs sipp with -t t1 against the TCP listener; default UDP

	RTPStream string            // if set, sipp streams media after the first ACK: <exec rtp_stream="RTPStream"/>
	Files     map[string][]byte // written into sipp's working directory before it starts (media files)
}

func freePort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// runSipp starts sipp with the scenario against the harness's UDP port and returns a function
// that waits for it and fails the test if sipp failed.
func runSipp(t *testing.T, h *harness, sc scenario) (wait func()) {
	t.Helper()
	wait, _ = runSippDir(t, h, sc)
	return wait
}

// runSippDir is runSipp that also returns sipp's directory, holding messages.log (every
// message sent and received).
func runSippDir(t *testing.T, h *harness, sc scenario) (wait func(), dir string) {
	t.Helper()
	sippPath(t)
	tmpl := template.Must(template.ParseFiles(filepath.Join("testdata", "sipp_uac.xml.tmpl")))
	var x bytes.Buffer
	if err := tmpl.Execute(&x, sc); err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	file := filepath.Join(dir, "scenario.xml")
	if err := os.WriteFile(file, x.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, b := range sc.Files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mode, target := "u1", h.srv.UDPAddr().String()
	if sc.Transport == "tcp" {
		mode, target = "t1", h.srv.TCPAddr().String()
	}
	// -p 0: sipp binds its SIP port itself, the first free one from 5060 to 5119 (or, if none
	// is, one the system picks), and keeps it: unlike a port probed here and released, it
	// cannot be taken by another test in between.
	p := sipptest.Start(t, dir, file, target, 40*time.Second, "-t", mode, "-p", "0",
		"-mi", "127.0.0.1", "-mp", fmt.Sprint(freePort(t)), "-trace_msg", "-message_file", filepath.Join(dir, "messages.log"))
	h.sipp = p
	return func() { t.Helper(); p.Wait(t) }, dir
}

// sdpOffer returns an SDP offer with one sendonly m-line per label.
func sdpOffer(dir string, labels ...string) string {
	var b strings.Builder
	b.WriteString("v=0\no=SBC 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\n")
	for i, l := range labels {
		fmt.Fprintf(&b, "m=audio %d RTP/AVP 0 8 101\na=rtpmap:101 telephone-event/8000\na=label:%s\na=%s\n", 30000+2*i, l, dir)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// sendTimes is when a sender sent its first and its last packet.
type sendTimes struct{ first, last time.Time }

// leadIn returns how much silence may precede the sender's audio in the recording (frames at
// rate): the time from the start of the recording to the first packet, which under a loaded
// scheduler (go test -race on a shared machine) can be far more than a packet time, plus one
// packet for the reader.
func (s sendTimes) leadIn(a answered, rate int) int {
	return int(s.first.Sub(a.start)*time.Duration(rate)/time.Second) + rate/50
}

// frames returns the wall-clock length of the sending, last packet included, in frames at rate.
func (s sendTimes) frames(rate int) int {
	return int(s.last.Sub(s.first)*time.Duration(rate)/time.Second) + rate/50
}

// sendRTP sends len(audio[k])/160 packets of 20 ms to each port, paced in real time (on a fixed
// schedule from the first packet), skipping
// packets for which drop returns true and sending a packet late when late returns true.
func sendRTP(t *testing.T, ports []int, audio [][]byte, drop, late func(i int) bool) sendTimes {
	t.Helper()
	return sendRTPType(t, 0, ports, audio, drop, late)
}

// sendRTPType is sendRTP with payload type pt (160 octets per packet: 20 ms of G.711 or G.722).
func sendRTPType(t *testing.T, pt uint8, ports []int, audio [][]byte, drop, late func(i int) bool) (times sendTimes) {
	t.Helper()
	return sendRTPWhile(t, pt, ports, audio, drop, late, nil)
}

// sendRTPWhile is sendRTPType that stops early, before any packet for which while (if not nil)
// returns false: a sender that runs until the call ends.
func sendRTPWhile(t *testing.T, pt uint8, ports []int, audio [][]byte, drop, late func(i int) bool, while func() bool) (times sendTimes) {
	t.Helper()
	conns := make([]net.Conn, len(ports))
	for k, p := range ports {
		c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[k] = c
	}
	n := len(audio[0]) / 160
	// Packet i goes at start + i*20 ms: a sender held up by a loaded scheduler catches up
	// instead of falling further behind at every missed tick (a ticker drops them), which would
	// push the last packets past the client's BYE.
	var start time.Time
	var held [][]byte
	for i := 0; i < n; i++ {
		if i > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i) * 20 * time.Millisecond)))
		} else {
			start = time.Now()
		}
		if while != nil && !while() {
			break
		}
		now := time.Now()
		if i == 0 {
			times.first = now
		}
		times.last = now
		for k, c := range conns {
			p := pionrtp.Packet{Header: pionrtp.Header{Version: 2, PayloadType: pt, SequenceNumber: uint16(1000*k + i),
				Timestamp: uint32(5000*k + 160*i), SSRC: uint32(100 + k)}, Payload: audio[k][160*i : 160*(i+1)]}
			b, _ := p.Marshal()
			if drop != nil && drop(i) && k == 1 {
				continue
			}
			if late != nil && late(i) && k == 1 {
				held = append(held, b) // sent after the next packet
				continue
			}
			c.Write(b)
		}
		for _, b := range held {
			if i > 0 && !late(i) {
				conns[1].Write(b)
			}
		}
		if !late(i) {
			held = nil
		}
	}
	for _, b := range held {
		conns[1].Write(b)
	}
	return times
}

func never(int) bool { return false }

func waitStored(t *testing.T, h *harness) *stored {
	t.Helper()
	select {
	case st := <-h.archive.stored:
		return st
	case <-time.After(15 * time.Second):
		t.Fatal("no recording was stored")
		return nil
	}
}

func waitSession(t *testing.T, h *harness) answered {
	t.Helper()
	select {
	case a := <-h.sessions:
		return a
	case <-sippExited(h):
		select { // sipp may have finished its whole call quickly
		case a := <-h.sessions:
			return a
		default:
		}
		t.Fatalf("sipp exited before the server answered its INVITE:\n%s", h.sipp.Output())
	case <-time.After(15 * time.Second):
		if h.sipp != nil {
			t.Fatalf("the INVITE was not answered within 15 s; sipp's view:\n%s", h.sipp.Kill())
		}
		t.Fatal("the INVITE was not answered within 15 s")
	}
	return answered{}
}

// sippExited returns a channel closed when the harness's sipp has exited (nil, never ready,
// when the test started no sipp).
func sippExited(h *harness) <-chan struct{} {
	if h.sipp == nil {
		return nil
	}
	return h.sipp.Exited()
}

func decodeMuLawPCM(b []byte) []int16 {
	out := make([]int16, len(b))
	for i, c := range b {
		out[i] = audio.MuLawDecode(c)
	}
	return out
}

// checkChannel asserts that ch holds want after leading silence of at most maxLead frames (with
// silent frames where want has zeros), and returns the length of that silence.
func checkChannel(t *testing.T, name string, ch, want []int16, maxLead int) int {
	t.Helper()
	off := 0
	for off < len(ch) && ch[off] == 0 {
		off++
	}
	if off > maxLead {
		t.Errorf("%s channel starts with %d frames of silence, want at most %d", name, off, maxLead)
		return off
	}
	if len(ch)-off < len(want) {
		t.Errorf("%s channel has %d frames after its start, want %d", name, len(ch)-off, len(want))
		return off
	}
	for i, v := range want {
		if ch[off+i] != v {
			t.Errorf("%s channel differs from the sent audio at frame %d (packet %d): %d, want %d", name, i, i/160, ch[off+i], v)
			return off
		}
	}
	return off
}

func TestSIPRECDialects(t *testing.T) {
	sippPath(t)
	tests := []struct {
		file       string
		labels     []string
		leftStream int // index of the m-line whose audio is the caller's (left); -1: mixed
		names      []string
		numbers    []string // E.164 of the parties with numbers
		dialect    Dialect
	}{
		{"rfc7865.xml", []string{"96", "97"}, 1, []string{"Alice Customer", "Bob Agent"}, []string{"+447700900123"}, DialectRFC7865},
		{"legacy_oracle.xml", []string{"1", "2"}, 0, []string{"3005", "ACME Ltd"}, []string{"+442079460000"}, DialectLegacy},
		{"sonus.xml", []string{"1", "2"}, 0, []string{"WIRELESS CALLER", ""}, []string{"+12025550143", "+442079460000"}, DialectLegacy},
		{"broadworks.xml", []string{"1", "2"}, 1, []string{"", ""}, []string{"+441133023237"}, DialectBroadWorks},
		{"mixed.xml", []string{"mixed"}, -1, []string{"Carol", "Dave"}, []string{"+441632960001"}, DialectRFC7865},
		{"webex_broadworks.xml", []string{"96", "97"}, 1, []string{"", ""}, []string{"+442079460123", "+441632960777"}, DialectBroadWorks},
		{"metaswitch.xml", []string{"96", "97"}, 1, []string{"Recorded Subscriber", "Remote Caller"}, []string{"+442079460456", "+441632960888"}, DialectRFC7865},
		{"oracle_avaya.xml", []string{"96", "97"}, 1, []string{"Agent 4012", "Paris Caller"}, []string{"+33187164021"}, DialectLegacy},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			h := startHarness(t, nil)
			meta := string(readTestdata(t, tt.file))
			wait := runSipp(t, h, scenario{Name: tt.file, SDP: sdpOffer("sendonly", tt.labels...), Metadata: meta,
				Announcement: "played", Steps: []step{{Pause: 2000}}})
			a := waitSession(t, h)
			const packets = 50
			sent := [][]byte{audiotest.MuLawSignal(packets*160, 1), audiotest.MuLawSignal(packets*160, 2)}[:len(tt.labels)]
			times := sendRTP(t, a.ports, sent, nil, never)
			wait()
			byeBy := time.Now()
			st := waitStored(t, h)

			if st.rec.Source != callvault.SourceSIPREC || st.actor != ActorSIPREC {
				t.Errorf("source %q actor %q", st.rec.Source, st.actor)
			}
			if st.rec.Attributes["sip_call_id"] != a.callID || !strings.HasPrefix(st.rec.SourceID, a.callID) {
				t.Errorf("sip_call_id %q, source id %q; want the Call-ID %q", st.rec.Attributes["sip_call_id"], st.rec.SourceID, a.callID)
			}
			if st.rec.Attributes["metadata_dialect"] != string(tt.dialect) {
				t.Errorf("dialect %q, want %q", st.rec.Attributes["metadata_dialect"], tt.dialect)
			}
			var names, numbers []string
			for _, p := range st.rec.Parties {
				names = append(names, p.Name)
				if p.Number.E164 != "" {
					numbers = append(numbers, p.Number.E164)
				}
			}
			if fmt.Sprint(names) != fmt.Sprint(tt.names) || fmt.Sprint(numbers) != fmt.Sprint(tt.numbers) {
				t.Errorf("parties %q numbers %q, want %q %q", names, numbers, tt.names, tt.numbers)
			}
			if st.rec.AnnouncementPlayed != callvault.AnnouncementYes {
				t.Errorf("announcement %q, want yes (header)", st.rec.AnnouncementPlayed)
			}
			for _, line := range strings.Split(meta, "\n") { // sipp strips indentation
				if line = strings.TrimSpace(line); line != "" && !bytes.Contains(st.sidecar, []byte(line)) {
					t.Errorf("the sidecar lacks metadata line %q", line)
					break
				}
			}
			if st.rec.SampleRate != 8000 || st.rec.Channels != 2 {
				t.Errorf("format %d Hz %d channels", st.rec.SampleRate, st.rec.Channels)
			}
			lead := times.leadIn(a, 8000)
			var offL, offR int
			switch tt.leftStream {
			case -1:
				offL = checkChannel(t, "left", st.left, decodeMuLawPCM(sent[0]), lead)
				offR = checkChannel(t, "right", st.right, decodeMuLawPCM(sent[0]), lead)
			default:
				offL = checkChannel(t, "left", st.left, decodeMuLawPCM(sent[tt.leftStream]), lead)
				offR = checkChannel(t, "right", st.right, decodeMuLawPCM(sent[1-tt.leftStream]), lead)
			}
			// Both directions were sent in step: they must be recorded in step.
			if d := offL - offR; d < -160 || d > 160 {
				t.Errorf("left starts at frame %d, right at %d: the directions are out of step", offL, offR)
			}
			// The call lasts until sipp's BYE, 2 s after its ACK: the recording is padded to it.
			checkPaddedToBye(t, st.left, 8000, max(offL, offR)+packets*160, a.start, a.start.Add(2*time.Second), byeBy)
		})
	}
}
