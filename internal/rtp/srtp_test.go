package rtp

import (
	"bytes"
	"crypto/rand"
	"io"
	"testing"
	"time"

	"github.com/pion/srtp/v3"

	"github.com/callvault/callvault/internal/audio/audiotest"
)

// testKeying returns a random keying for profile.
func testKeying(t *testing.T, profile srtp.ProtectionProfile) *SRTP {
	t.Helper()
	kl, _ := profile.KeyLen()
	sl, _ := profile.SaltLen()
	k := SRTPKey{Key: make([]byte, kl), Salt: make([]byte, sl)}
	rand.Read(k.Key)
	rand.Read(k.Salt)
	return &SRTP{Profile: profile, Keys: []SRTPKey{k}}
}

// protector encrypts packets as the sender does.
func protector(t *testing.T, k *SRTP, opts ...srtp.ContextOption) func(b []byte) []byte {
	t.Helper()
	if len(k.Keys[0].MKI) > 0 {
		opts = append(opts, srtp.MasterKeyIndicator(k.Keys[0].MKI))
	}
	c, err := srtp.CreateContext(k.Keys[0].Key, k.Keys[0].Salt, k.Profile, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return func(b []byte) []byte {
		out, err := c.EncryptRTP(nil, b, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// srtpWrite passes an SRTP packet through the stream's reader as Serve does.
func srtpWrite(s *Stream, sr *srtpReader, b []byte, at time.Time) {
	if k := s.srtp.Load(); k != nil {
		var ok bool
		if b, ok = sr.read(k, b); !ok {
			return
		}
	}
	s.Write(b, at)
}

// TestSRTPLossReorderAndRollover: SRTP streams of each SDES suite, whose sequence numbers
// wrap (a packet just before the wrap arriving after the one just after it), with 5% loss and
// reordering, are recorded exactly as their plain audio would be: lost packets silent, nothing
// late, no packet failing authentication.
func TestSRTPLossReorderAndRollover(t *testing.T) {
	for _, profile := range []srtp.ProtectionProfile{srtp.ProtectionProfileAes128CmHmacSha1_80,
		srtp.ProtectionProfileAes128CmHmacSha1_32, srtp.ProtectionProfileAeadAes128Gcm} {
		t.Run(profile.String(), func(t *testing.T) {
			const n = 100
			var buf bytes.Buffer
			r := newTestRecorder(t, &buf)
			left, right := r.AddStream(Left, pcmu()), r.AddStream(Right, pcmu())
			kl, kr := testKeying(t, profile), testKeying(t, profile)
			if err := left.SetSRTP(kl); err != nil {
				t.Fatal(err)
			}
			if err := right.SetSRTP(kr); err != nil {
				t.Fatal(err)
			}
			encL, encR := protector(t, kl), protector(t, kr)
			srL, srR := &srtpReader{s: left}, &srtpReader{s: right}
			la, ra := audiotest.MuLawSignal(n*160, 1), audiotest.MuLawSignal(n*160, 2)
			type pkt struct {
				s  *Stream
				sr *srtpReader
				b  []byte
				at time.Time
			}
			var ps []pkt
			lost := map[int]bool{}
			for i := range n {
				at := t0.Add(time.Duration(i) * ptime)
				ps = append(ps, pkt{left, srL, encL(packet(t, 0, uint16(65500+i), uint32(1000+160*i), 11, la[i*160:(i+1)*160])), at})
				if i%20 == 17 {
					lost[i] = true
					continue
				}
				rat := at.Add(3 * time.Millisecond)
				if i%10 == 3 { // i = 3: sequence number 65535 arrives after 0
					rat = rat.Add(30 * time.Millisecond)
				}
				ps = append(ps, pkt{right, srR, encR(packet(t, 0, uint16(65532+i), uint32(4000000000+160*i), 22, ra[i*160:(i+1)*160])), rat})
			}
			// Deliver in arrival order, flushing every 100 ms as play does.
			for i := 1; i < len(ps); i++ {
				for j := i; j > 0 && ps[j].at.Before(ps[j-1].at); j-- {
					ps[j], ps[j-1] = ps[j-1], ps[j]
				}
			}
			next := t0
			for _, p := range ps {
				for !p.at.Before(next) {
					r.Flush(next)
					next = next.Add(100 * time.Millisecond)
				}
				srtpWrite(p.s, p.sr, p.b, p.at)
			}
			if err := r.Close(t0.Add(n * ptime)); err != nil {
				t.Fatal(err)
			}
			const skew = 24
			gotL, gotR := readStereo(t, buf.Bytes())
			if len(gotL) != n*160+skew {
				t.Fatalf("recorded %d frames, want %d", len(gotL), n*160+skew)
			}
			wantR := decodeMuLaw(ra)
			for i := range lost {
				clear(wantR[i*160 : (i+1)*160])
			}
			if !equalPCM(gotL[:n*160], decodeMuLaw(la)) {
				t.Error("left channel differs from the sent audio")
			}
			if !equalPCM(gotR[skew:], wantR) {
				t.Error("right channel differs from the sent audio (lost packets as silence)")
			}
			if st := right.Stats(); st.Lost != int64(len(lost)) || st.Late != 0 || st.SRTPAuthFailed != 0 || st.SRTPReplayed != 0 || st.Packets != int64(n-len(lost)) {
				t.Errorf("right stats %+v, want %d lost, %d packets, none late or failing SRTP", st, len(lost), n-len(lost))
			}
		})
	}
}

// TestSRTPRejects: a packet under a wrong key, a tampered packet and a replayed one are
// counted and dropped before the stream logic; RTCP on the RTP port is skipped.
func TestSRTPRejects(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	s := r.AddStream(Left, pcmu())
	k := testKeying(t, srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err := s.SetSRTP(k); err != nil {
		t.Fatal(err)
	}
	sr := &srtpReader{s: s}
	enc := protector(t, k)
	wrong := protector(t, testKeying(t, srtp.ProtectionProfileAes128CmHmacSha1_80))
	p := audiotest.MuLawSignal(160, 3)
	good := enc(packet(t, 0, 1, 160, 7, p))
	srtpWrite(s, sr, good, t0)
	srtpWrite(s, sr, good, t0.Add(ptime)) // replay
	srtpWrite(s, sr, wrong(packet(t, 0, 2, 320, 7, p)), t0.Add(ptime))
	tampered := enc(packet(t, 0, 3, 480, 7, p))
	tampered[20] ^= 1
	srtpWrite(s, sr, tampered, t0.Add(2*ptime))
	rtcp := []byte{0x80, 200, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	srtpWrite(s, sr, rtcp, t0.Add(2*ptime))
	srtpWrite(s, sr, enc(packet(t, 0, 4, 640, 7, p)), t0.Add(3*ptime))
	st := s.Stats()
	if st.Packets != 2 || st.SRTPReplayed != 1 || st.SRTPAuthFailed != 2 || st.Unknown != 0 {
		t.Errorf("stats %+v, want 2 packets taken, 1 replay, 2 authentication failures, RTCP skipped", st)
	}
}

// TestSRTPRekey: the same keys again keep the contexts (a later packet's rollover counter
// carries on); new keys take over, and packets still in flight under the old ones are kept.
func TestSRTPRekey(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	s := r.AddStream(Left, pcmu())
	k1 := testKeying(t, srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err := s.SetSRTP(k1); err != nil {
		t.Fatal(err)
	}
	sr := &srtpReader{s: s}
	enc1 := protector(t, k1)
	p := audiotest.MuLawSignal(160, 4)
	at := t0
	send := func(enc func([]byte) []byte, seq uint16) {
		srtpWrite(s, sr, enc(packet(t, 0, seq, 160*uint32(seq), 9, p)), at)
		at = at.Add(ptime)
	}
	for seq := uint16(65530); seq != 3; seq++ { // across the wrap: the rollover counter is 1
		send(enc1, seq)
	}
	first := s.srtp.Load()
	same := *k1
	same.Keys = []SRTPKey{{Key: bytes.Clone(k1.Keys[0].Key), Salt: bytes.Clone(k1.Keys[0].Salt)}}
	if err := s.SetSRTP(&same); err != nil || s.srtp.Load() != first {
		t.Fatalf("the same keys replaced the context (err %v)", err)
	}
	send(enc1, 3) // decrypts only with the rollover counter kept
	k2 := testKeying(t, srtp.ProtectionProfileAeadAes128Gcm)
	if err := s.SetSRTP(k2); err != nil {
		t.Fatal(err)
	}
	send(enc1, 4) // in flight during the re-key
	send(protector(t, k2), 100)
	send(enc1, 5) // old keys after the new ones worked: refused
	if st := s.Stats(); st.Packets != 12 || st.SRTPAuthFailed != 1 {
		t.Errorf("stats %+v, want 12 packets and 1 authentication failure", st)
	}
	if err := s.SetSRTP(&SRTP{Profile: srtp.ProtectionProfileAes128CmHmacSha1_80, Keys: []SRTPKey{{Key: []byte{1}, Salt: []byte{2}}}}); err == nil {
		t.Error("a 1-byte key was taken")
	}
	if s.srtp.Load().params.Profile != srtp.ProtectionProfileAeadAes128Gcm {
		t.Error("a refused keying replaced the stream's keys")
	}
}

// TestSRTPMasterKeyIndicator: a sender with two master keys told apart by an MKI may use
// either.
func TestSRTPMasterKeyIndicator(t *testing.T) {
	var buf bytes.Buffer
	r := newTestRecorder(t, &buf)
	s := r.AddStream(Left, pcmu())
	a, b := testKeying(t, srtp.ProtectionProfileAes128CmHmacSha1_32), testKeying(t, srtp.ProtectionProfileAes128CmHmacSha1_32)
	a.Keys[0].MKI, b.Keys[0].MKI = []byte{1}, []byte{2}
	if err := s.SetSRTP(&SRTP{Profile: a.Profile, Keys: []SRTPKey{a.Keys[0], b.Keys[0]}}); err != nil {
		t.Fatal(err)
	}
	sr := &srtpReader{s: s}
	p := audiotest.MuLawSignal(160, 5)
	srtpWrite(s, sr, protector(t, a)(packet(t, 0, 1, 160, 9, p)), t0)
	srtpWrite(s, sr, protector(t, b)(packet(t, 0, 2, 320, 9, p)), t0.Add(ptime))
	if st := s.Stats(); st.Packets != 2 || st.SRTPAuthFailed != 0 {
		t.Errorf("stats %+v, want both packets taken", st)
	}
	if err := s.SetSRTP(&SRTP{Profile: a.Profile, Keys: []SRTPKey{a.Keys[0], {Key: b.Keys[0].Key, Salt: b.Keys[0].Salt}}}); err == nil {
		t.Error("two keys, one without an MKI, were taken")
	}
}

// BenchmarkSRTPRead is the SRTP reader's cost per 20 ms G.711 packet, by suite.
func BenchmarkSRTPRead(b *testing.B) {
	for _, profile := range []srtp.ProtectionProfile{srtp.ProtectionProfileAes128CmHmacSha1_80, srtp.ProtectionProfileAeadAes128Gcm} {
		b.Run(profile.String(), func(b *testing.B) {
			t := &testing.T{}
			r, _ := NewRecorder(io.Discard, RecorderConfig{SampleRate: 8000})
			s := r.AddStream(Left, pcmu())
			k := testKeying(t, profile)
			s.SetSRTP(k)
			enc := protector(t, k)
			pkts := make([][]byte, 1024)
			p := audiotest.MuLawSignal(160, 1)
			for i := range pkts {
				pkts[i] = enc(packet(t, 0, uint16(i), uint32(160*i), 1, p))
			}
			sr := &srtpReader{s: s, buf: make([]byte, 2048)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if i%len(pkts) == 0 && i > 0 {
					b.StopTimer()
					s.srtp.Store(nil)
					s.SetSRTP(k) // a fresh replay window for the next round
					b.StartTimer()
				}
				if _, ok := sr.read(s.srtp.Load(), pkts[i%len(pkts)]); !ok {
					b.Fatal("packet refused")
				}
			}
		})
	}
}

// TestSRTPServeLatchesOnlyAuthenticated: a packet that fails authentication does not latch
// its source, so garbage sent first cannot lock the sender with the keys out.
func TestSRTPServeLatchesOnlyAuthenticated(t *testing.T) {
	s := discardStream(t)
	k := testKeying(t, srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err := s.SetSRTP(k); err != nil {
		t.Fatal(err)
	}
	addr, taken := serveStream(t, s)
	intruder, sbc := sender(t, "127.0.0.1:0", addr), sender(t, "127.0.0.1:0", addr)
	p := audiotest.MuLawSignal(160, 1)
	intruder.Write(protector(t, testKeying(t, k.Profile))(packet(t, 0, 1, 160, 1, p)))
	sbc.Write(protector(t, k)(packet(t, 0, 1, 160, 1, p)))
	select {
	case <-taken:
	case <-time.After(5 * time.Second):
		t.Fatalf("the sender's packet was not taken (stats %+v)", s.Stats())
	}
	if st := s.Stats(); st.Packets != 1 || st.Foreign != 0 || st.SRTPAuthFailed != 1 {
		t.Errorf("stats %+v, want the intruder's packet failing authentication and the sender's taken", st)
	}
}
