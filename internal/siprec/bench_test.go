package siprec

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"github.com/callvault/callvault/internal/audio/audiotest"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// The capacity benchmark runs the RTP senders in a child process (this test binary re-executed
// with benchSenderEnv set), so that RUSAGE_SELF of the benchmark process is the recorder's
// cost only: SIP, socket reads, jitter buffer, mixing, WAV and age encryption.
const (
	benchSenderEnv = "CALLVAULT_BENCH_SENDER_PORTS" // comma-separated RTP ports; set only in the child
	benchSecsEnv   = "CALLVAULT_BENCH_SECONDS"      // the measured window (default 10)
	benchCallsEnv  = "CALLVAULT_BENCH_CALLS"        // concurrent calls (default 200)
	benchHeapEnv   = "CALLVAULT_BENCH_HEAPPROFILE"  // if set, a heap profile taken while every call is up
	benchSRTPEnv   = "CALLVAULT_BENCH_SRTP"         // "SUITE base64(key||salt)": the child sends SRTP; set only in the child
)

func benchEnvInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// cpuSelf returns this process's user+system CPU time.
func cpuSelf(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBenchSender is the child process of the capacity benchmarks, not a test: it sends 20 ms
// G.711 packets (50 per second) to every port in benchSenderEnv for benchSecsEnv seconds,
// prints "ready" when it starts and "sent N" per port at the end. With benchSRTPEnv set it
// protects every packet with that SRTP key.
func TestBenchSender(t *testing.T) {
	list := os.Getenv(benchSenderEnv)
	if list == "" {
		t.Skip("the capacity benchmarks' sender process; runs only when they start it")
	}
	var ports []int
	for _, p := range strings.Split(list, ",") {
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, n)
	}
	packets := benchEnvInt(benchSecsEnv, 10) * 50
	conns := make([]*net.UDPConn, len(ports))
	for i, p := range ports {
		c, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: p})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	payload := audiotest.MuLawSignal(160, 9)
	var key sdesKey
	if v := os.Getenv(benchSRTPEnv); v != "" {
		suite, text, _ := strings.Cut(v, " ")
		c, err := parseCrypto("1 " + suite + " inline:" + text)
		if err != nil {
			t.Fatal(err)
		}
		key = sdesKey{suite: suite, profile: c.suite.profile, key: c.keys[0].Key, salt: c.keys[0].Salt}
	}
	// Four senders, each owning a quarter of the streams and starting 5 ms after the previous
	// one, so that packets are spread over the 20 ms rather than sent in one burst.
	const senders = 4
	var wg sync.WaitGroup
	start := time.Now().Add(50 * time.Millisecond)
	fmt.Println("ready")
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pkt := make([]byte, 12+160)
			pkt[0], pkt[1] = 0x80, 0
			copy(pkt[12:], payload)
			protect := func(b []byte) []byte { return b }
			if key.suite != "" {
				protect = key.protect(t) // a context per goroutine: contexts are not shared
			}
			t0 := start.Add(time.Duration(g) * 5 * time.Millisecond)
			for i := range packets {
				time.Sleep(time.Until(t0.Add(time.Duration(i) * 20 * time.Millisecond)))
				binary.BigEndian.PutUint16(pkt[2:], uint16(i))
				binary.BigEndian.PutUint32(pkt[4:], uint32(160*i))
				for k := g; k < len(conns); k += senders {
					binary.BigEndian.PutUint32(pkt[8:], uint32(k+1))
					if _, err := conns[k].Write(protect(pkt)); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("sent %d\n", packets)
}

// runSenders starts the sender process for ports and returns when it has started sending,
// with a function that waits for it and returns the packets sent per port.
func runSenders(b *testing.B, ports []int, env ...string) (wait func() int) {
	b.Helper()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	list := make([]string, len(ports))
	for i, p := range ports {
		list[i] = strconv.Itoa(p)
	}
	cmd := exec.Command(exe, "-test.run=^TestBenchSender$", "-test.count=1", "-test.v=false")
	cmd.Env = append(append(os.Environ(), benchSenderEnv+"="+strings.Join(list, ",")), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		b.Fatalf("sender process did not start: %q", sc.Text())
	}
	return func() int {
		sent := 0
		for sc.Scan() {
			fmt.Sscanf(sc.Text(), "sent %d", &sent)
		}
		if err := cmd.Wait(); err != nil {
			b.Fatalf("sender process: %v", err)
		}
		return sent
	}
}

// ageArchive consumes each recording and seals it with age to a hybrid (ML-KEM-768 + X25519)
// recipient, writing the ciphertext to io.Discard: the archive's encryption cost without
// storage.
type ageArchive struct {
	recipient age.Recipient
	mask      *audio.MaskOptions // if set, keyed digits are masked before encryption, as the archive does
	mu        sync.Mutex
	recs      []*callvault.Recording
	errs      []error
	done      chan struct{}
	n         atomic.Int64
	want      int64
}

func (a *ageArchive) Ingest(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
	w, err := age.Encrypt(io.Discard, a.recipient)
	if err == nil {
		if a.mask != nil {
			err = maskInto(w, req, *a.mask)
		} else {
			_, err = io.Copy(w, req.Audio)
		}
	}
	if err == nil {
		err = w.Close()
	}
	r := *req.Recording
	a.mu.Lock()
	a.recs = append(a.recs, &r)
	if err != nil {
		a.errs = append(a.errs, err)
	}
	a.mu.Unlock()
	if a.n.Add(1) == a.want {
		close(a.done)
	}
	return &r, err == nil, err
}

// maskInto masks the recording's keyed digits (tones and signalled digits) on its way to w,
// as internal/archive does.
func maskInto(w io.Writer, req callvault.IngestRequest, opts audio.MaskOptions) error {
	wav, err := audio.NewWAVReader(req.Audio)
	if err != nil {
		return err
	}
	m, err := audio.NewWAVMasker(w, wav, opts)
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for {
		n, rerr := wav.Read(buf)
		if req.Digits != nil {
			for _, d := range req.Digits() {
				m.Signal(d.Digit, d.Start, d.End)
			}
		}
		if _, err := m.Write(buf[:n]); err != nil {
			return err
		}
		if rerr == io.EOF {
			return m.Close()
		}
		if rerr != nil {
			return rerr
		}
	}
}

func (a *ageArchive) Open(ctx context.Context, actor callvault.Actor, id, purpose string) (callvault.Audio, error) {
	return nil, callvault.Errorf(callvault.KindNotFound, "benchmark archive keeps nothing")
}

// sipClient sets up and ends calls over UDP with raw SIP messages.
type sipClient struct {
	c      *net.UDPConn
	server net.Addr
}

func (sc *sipClient) send(b *testing.B, msg string) {
	b.Helper()
	if _, err := sc.c.WriteTo([]byte(msg), sc.server); err != nil {
		b.Fatal(err)
	}
}

// await reads until a final response for (callID, method) arrives and returns its To tag.
func (sc *sipClient) await(b *testing.B, callID, method string) string {
	b.Helper()
	buf := make([]byte, 65535)
	for {
		sc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, _, err := sc.c.ReadFrom(buf)
		if err != nil {
			b.Fatalf("%s %s: no response: %v", method, callID, err)
		}
		m := string(buf[:n])
		if !strings.HasPrefix(m, "SIP/2.0 ") || !strings.Contains(header(m, "Call-ID"), callID) || !strings.Contains(header(m, "CSeq"), method) {
			continue
		}
		var code int
		fmt.Sscanf(m, "SIP/2.0 %d", &code)
		if code < 200 {
			continue
		}
		if code != 200 {
			b.Fatalf("%s %s: status %d", method, callID, code)
		}
		return headerParam(m, "To", "tag")
	}
}

func (sc *sipClient) request(method, callID string, cseq int, toTag, extra, body string) string {
	local := sc.c.LocalAddr().String()
	to := ""
	if toTag != "" {
		to = ";tag=" + toTag
	}
	return fmt.Sprintf("%s sip:srs@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s-%d-%s\r\nFrom: <sip:src@127.0.0.1>;tag=bench\r\n"+
		"To: <sip:srs@127.0.0.1>%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nMax-Forwards: 70\r\nContact: <sip:src@%s>;+sip.src\r\n%s"+
		"Content-Length: %d\r\n\r\n%s", method, sc.server, local, callID, cseq, method, to, callID, cseq, method, local, extra, len(body), body)
}

// BenchmarkConcurrentCalls runs CALLVAULT_BENCH_CALLS (200) recorded calls at once through the
// real SIP server for CALLVAULT_BENCH_SECONDS (10 s): two G.711 streams each at 50 packets/s,
// sent from a child process, every recording sealed with age as it streams. It checks that no
// packet was lost and reports calls_per_core = calls / (recorder CPU seconds / wall seconds),
// the recorder's CPU per 1,000 packets, and memory while every call is up: the process's
// resident set (rss-MiB), its growth per call over the idle server (rss-KiB/call) and the Go
// heap per call. It runs twice: rtp (plain RTP, calls set up over SIP UDP) and srtp (every
// stream SRTP with AES_CM_128_HMAC_SHA1_80, keyed by SDES over SIP TLS); srtp also reports its
// calls per core as a fraction of rtp's (x_rtp_calls_per_core), measured in the same run. Run it alone (CALLVAULT_BENCH_HEAPPROFILE=file also writes a heap
// profile taken while the calls are up):
//
//	CALLVAULT_BENCH_CALLS=400 go test -run '^$' -bench BenchmarkConcurrentCalls -benchtime 1x ./internal/siprec/
//
// It runs twice in one process: with DTMF masking off, and on (the default of callvault serve:
// every tone and RFC 4733 digit silenced before encryption), so that the two calls_per_core
// figures compare.
func BenchmarkConcurrentCalls(b *testing.B) {
	// Masking off, then on (the default of callvault serve), on plain RTP; then SRTP with
	// masking on. The x_ metrics are the ratios to the first run in the same process.
	var plain float64
	b.Run("rtp/masking=off", func(b *testing.B) { plain = concurrentCalls(b, false, nil) })
	b.Run("rtp/masking=on", func(b *testing.B) {
		if masked := concurrentCalls(b, false, &audio.MaskOptions{}); plain > 0 {
			b.ReportMetric(masked/plain, "x_unmasked_calls_per_core")
		}
	})
	b.Run("srtp/masking=on", func(b *testing.B) {
		if secure := concurrentCalls(b, true, &audio.MaskOptions{}); plain > 0 {
			b.ReportMetric(secure/plain, "x_rtp_unmasked_calls_per_core")
		}
	})
}

// concurrentCalls is BenchmarkConcurrentCalls with plain RTP or SRTP, masking keyed digits
// with mask when it is set; it returns the calls per core.
func concurrentCalls(b *testing.B, useSRTP bool, mask *audio.MaskOptions) float64 {
	calls := benchEnvInt(benchCallsEnv, 200)
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		b.Fatal(err)
	}
	arch := &ageArchive{recipient: id.Recipient(), mask: mask, done: make(chan struct{}), want: int64(calls)}
	ports := make(chan []int, calls)
	cfg := Config{Archive: arch, UDPAddr: "127.0.0.1:0", MediaIP: "127.0.0.1", RTPTimeout: time.Minute}
	var clientTLS *tls.Config
	if useSRTP {
		cert, pool := selfSigned(b)
		cfg.TLSAddr, cfg.TLSConfig = "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		clientTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	}
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	srv.testHook = func(callID string, p []int) { ports <- p }
	if err := srv.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	sc := &sipClient{c: conn, server: srv.UDPAddr()}
	var mem0, mem1 runtime.MemStats
	debug.FreeOSMemory()
	runtime.ReadMemStats(&mem0)
	rss0 := rssKiB(b)
	sdp := strings.ReplaceAll(sdpOffer("sendonly", "1", "2"), "\n", "\r\n")
	body := multipartBody(sdp, string(readTestdata(b, "legacy_oracle.xml")))
	tags := make([]string, calls)
	var all []int
	var tlsCalls []*tlsCall
	var env []string
	if useSRTP {
		// One SIP TLS connection sets up every call; every stream is keyed alike (what is
		// measured is the media, and each stream has its own SSRC).
		key := newSDESKey(b, "AES_CM_128_HMAC_SHA1_80")
		env = append(env, benchSRTPEnv+"="+key.suite+" "+key.inlineText)
		tc, err := tls.Dial("tcp", srv.TLSAddr().String(), clientTLS)
		if err != nil {
			b.Fatal(err)
		}
		defer tc.Close()
		c := &sipConn{t: b, c: tc, r: bufio.NewReader(tc), local: tc.LocalAddr().String()}
		for range calls {
			call := newTLSCall(c, srv.TLSAddr().String(), "tls")
			if res := call.invite(b, srtpOffer(key, key)); res.code != 200 {
				b.Fatalf("SRTP INVITE over TLS: %d", res.code)
			}
			tlsCalls = append(tlsCalls, call)
			all = append(all, <-ports...)
		}
	}
	for i := range calls {
		if useSRTP {
			break
		}
		cid := fmt.Sprintf("bench-%d", i)
		sc.send(b, sc.request("INVITE", cid, 1, "", "Require: siprec\r\nContent-Type: multipart/mixed;boundary=b\r\n", body))
		tags[i] = sc.await(b, cid, "INVITE")
		sc.send(b, sc.request("ACK", cid, 1, tags[i], "", ""))
		all = append(all, <-ports...)
	}

	b.ResetTimer()
	wait := runSenders(b, all, env...)
	wall0, cpu0 := time.Now(), cpuSelf(b)
	sent := wait()
	wall, cpu := time.Since(wall0), cpuSelf(b)-cpu0
	b.StopTimer()
	// Memory held while every call is still up (after a GC: what stays, not what churns).
	runtime.GC()
	runtime.ReadMemStats(&mem1)
	rss1 := rssKiB(b)
	if path := os.Getenv(benchHeapEnv); path != "" {
		writeHeapProfile(b, path)
	}

	for _, call := range tlsCalls {
		call.bye(b)
	}
	for i := range calls {
		if useSRTP {
			break
		}
		cid := fmt.Sprintf("bench-%d", i)
		sc.send(b, sc.request("BYE", cid, 2, tags[i], "", ""))
		sc.await(b, cid, "BYE")
	}
	select {
	case <-arch.done:
	case <-time.After(30 * time.Second):
		b.Fatalf("%d of %d recordings committed", arch.n.Load(), calls)
	}
	// Logged as well as reported: the memory is worth seeing even if packets were lost.
	b.Logf("%d calls: rss %d MiB (%d KiB/call over the idle server), heap %.1f KiB/call", calls, rss1/1024,
		(rss1-rss0)/int64(calls), (float64(mem1.HeapInuse)-float64(mem0.HeapInuse))/1024/float64(calls))
	arch.mu.Lock()
	defer arch.mu.Unlock()
	if len(arch.errs) > 0 {
		b.Fatalf("%d recordings failed: %v", len(arch.errs), arch.errs[0])
	}
	var received, lost, late int64
	for _, r := range arch.recs {
		if useSRTP && (r.Attributes["srtp"] == "" || r.Attributes["srtp_auth_failed"] != "") {
			b.Fatalf("recording with srtp=%q srtp_auth_failed=%q: not all SRTP", r.Attributes["srtp"], r.Attributes["srtp_auth_failed"])
		}
		p, _ := strconv.ParseInt(r.Attributes["rtp_packets"], 10, 64)
		l, _ := strconv.ParseInt(r.Attributes["rtp_lost"], 10, 64)
		lt, _ := strconv.ParseInt(r.Attributes["rtp_late"], 10, 64)
		received, lost, late = received+p, lost+l, late+lt
	}
	total := int64(sent * len(all))
	if lost != 0 || received != total {
		b.Errorf("%d calls: %d of %d packets received, rtp_lost %d, rtp_late %d: not lossless", calls, received, total, lost, late)
	}
	perCore := float64(calls) / (cpu.Seconds() / wall.Seconds())
	b.ReportMetric(perCore, "calls_per_core")
	b.ReportMetric(float64(cpu.Microseconds())*1000/float64(total), "cpu-us/1000pkts")
	b.ReportMetric(cpu.Seconds()/wall.Seconds()*100, "cpu%")
	b.ReportMetric(float64(late), "late_pkts")
	b.ReportMetric((float64(mem1.HeapInuse)-float64(mem0.HeapInuse))/1024/float64(calls), "heap-KiB/call")
	b.ReportMetric(float64(rss1)/1024, "rss-MiB")
	b.ReportMetric(float64(rss1-rss0)/float64(calls), "rss-KiB/call")
	return perCore
}

func writeHeapProfile(tb testing.TB, path string) {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		tb.Fatal(err)
	}
}

// rssKiB returns the resident set size of this process (Linux; 0 elsewhere).
func rssKiB(tb testing.TB) int64 {
	tb.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// BenchmarkBareUDPReceive is the floor for BenchmarkConcurrentCalls, measured the same way:
// the same number of sockets and packets from the same child sender, each socket read by its
// own goroutine that does nothing with the packets. It reports the receiver's CPU per 1,000
// packets and the calls per core a recorder costing only this would reach.
func BenchmarkBareUDPReceive(b *testing.B) {
	calls := benchEnvInt(benchCallsEnv, 200)
	var conns []*net.UDPConn
	var ports []int
	var got atomic.Int64
	var wg sync.WaitGroup
	for range 2 * calls {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		ports = append(ports, c.LocalAddr().(*net.UDPAddr).Port)
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 2048)
			for {
				if _, _, err := c.ReadFrom(buf); err != nil {
					return
				}
				got.Add(1)
			}
		}()
	}
	b.ResetTimer()
	wait := runSenders(b, ports)
	wall0, cpu0 := time.Now(), cpuSelf(b)
	sent := wait()
	wall, cpu := time.Since(wall0), cpuSelf(b)-cpu0
	b.StopTimer()
	time.Sleep(100 * time.Millisecond) // let the readers drain their sockets
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	total := int64(sent * len(ports))
	if got.Load() != total {
		b.Errorf("%d of %d packets received", got.Load(), total)
	}
	b.ReportMetric(float64(cpu.Microseconds())*1000/float64(total), "cpu-us/1000pkts")
	b.ReportMetric(float64(calls)/(cpu.Seconds()/wall.Seconds()), "calls_per_core")
}
