package rtp

import (
	"github.com/callvault/callvault/internal/audio/audiotest"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
)

// cpuTime returns the process's user+system CPU time.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecordedCall measures the CPU a recorded call costs, per packet: two G.711 streams
// at 50 packets/s each, reordered into the timeline, mixed to stereo PCM and sealed with age as
// it is written (as the archive does). It reports calls/core: how many such calls one fully
// used core sustains (100 packets/s each), not counting socket reads (see BenchmarkBareUDP).
func BenchmarkRecordedCall(b *testing.B) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	enc, err := age.Encrypt(io.Discard, id.Recipient())
	if err != nil {
		b.Fatal(err)
	}
	r, err := NewRecorder(enc, RecorderConfig{SampleRate: 8000})
	if err != nil {
		b.Fatal(err)
	}
	s := [2]*Stream{r.AddStream(Left, pcmu()), r.AddStream(Right, pcmu())}
	payload := audiotest.MuLawSignal(160, 9)
	pkts := make([][]byte, 2)
	b.ReportAllocs()
	start := cpuTime(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k, n := i&1, i>>1
		pkts[k] = packetB(b, uint16(n), uint32(160*n), uint32(k+1), payload, pkts[k])
		at := t0.Add(time.Duration(n) * ptime)
		s[k].Write(pkts[k], at)
		if n%5 == 4 && k == 1 {
			r.Flush(at)
		}
	}
	r.Close(t0.Add(time.Duration(b.N/2+1) * ptime))
	b.StopTimer()
	cpu := cpuTime(b) - start
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds()/100, "calls/core")
	}
}

// packetB builds an RTP packet in place (12-byte header + payload).
func packetB(b *testing.B, seq uint16, ts, ssrc uint32, payload, buf []byte) []byte {
	if cap(buf) < 12+len(payload) {
		buf = make([]byte, 12+len(payload))
	}
	buf = buf[:12+len(payload)]
	buf[0], buf[1] = 0x80, 0
	buf[2], buf[3] = byte(seq>>8), byte(seq)
	buf[4], buf[5], buf[6], buf[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	buf[8], buf[9], buf[10], buf[11] = byte(ssrc>>24), byte(ssrc>>16), byte(ssrc>>8), byte(ssrc)
	copy(buf[12:], payload)
	return buf
}

// BenchmarkBareUDP is the floor: a loopback UDP receive loop doing nothing with the packets
// (the sender runs in the same process, so its CPU is included). It reports CPU microseconds
// per 1,000 packets.
func BenchmarkBareUDP(b *testing.B) {
	rc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer rc.Close()
	sc, err := net.DialUDP("udp", nil, rc.LocalAddr().(*net.UDPAddr))
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	pkt := make([]byte, 172)
	buf := make([]byte, 2048)
	start := cpuTime(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := sc.Write(pkt); err != nil {
			b.Fatal(err)
		}
		if _, _, err := rc.ReadFrom(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime(b) - start
	b.ReportMetric(float64(cpu.Microseconds())*1000/float64(b.N), "cpu-us/1000pkts")
}
