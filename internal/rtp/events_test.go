package rtp

import (
	"bytes"
	"io"
	"math"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

func TestParseTelephoneEvent(t *testing.T) {
	for _, c := range []struct {
		p    []byte
		want telephoneEvent
		ok   bool
	}{
		{[]byte{4, 10, 0, 160}, telephoneEvent{'4', false, 160}, true},
		{[]byte{11, 0x8a, 0x03, 0x20}, telephoneEvent{'#', true, 800}, true},
		{[]byte{10, 0, 0xff, 0xff}, telephoneEvent{'*', false, 65535}, true},
		{[]byte{15, 0x80, 0, 0}, telephoneEvent{'D', true, 0}, true},
		{[]byte{16, 0, 0, 160}, telephoneEvent{}, false}, // flash: not a key
		{[]byte{1, 0, 0}, telephoneEvent{}, false},       // short
		{nil, telephoneEvent{}, false},
	} {
		got, ok := parseTelephoneEvent(c.p)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("parse %v = %+v, %v; want %+v, %v", c.p, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParseTelephoneEvent(f *testing.F) {
	f.Add([]byte{4, 10, 0, 160})
	f.Add([]byte{255, 255, 255, 255, 1})
	f.Fuzz(func(t *testing.T, p []byte) {
		ev, ok := parseTelephoneEvent(p)
		if ok && (len(p) < 4 || bytes.IndexByte([]byte(eventDigits), ev.digit) < 0) {
			t.Fatalf("accepted %v as %+v", p, ev)
		}
	})
}

// eventPayload is an RFC 4733 payload: event code, E bit and volume, duration.
func eventPayload(code byte, end bool, dur int) []byte {
	e := byte(10)
	if end {
		e |= 0x80
	}
	return []byte{code, e, byte(dur >> 8), byte(dur)}
}

// keyedCall sends 3 s of a quiet line with two keys pressed as RFC 4733 events (codes 4 and 1,
// 200 ms each, at 1.0 s and 2.0 s). While a key is down the audio packets carry a loud 1 kHz
// tone (not a DTMF pair, so only the events can get it masked). Event packets of the key at
// delayKey arrive delay late; those of key 0 from its packet lostFrom on (its final packets
// included) are lost, unless lostFrom is negative. It returns the recorder's output, masked as the archive masks it,
// the masker's report and the loud spans in frames.
func keyedCall(t *testing.T, delayKey int, delay time.Duration, lostFrom int) ([]byte, audio.MaskReport, [][2]int64) {
	t.Helper()
	pr, pw := io.Pipe()
	rec, err := NewRecorder(pw, RecorderConfig{SampleRate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	var pm PayloadMap
	pm[0], pm[101] = EncodingPCMU, EncodingTelephoneEvent
	st := rec.AddStream(Left, pm)

	// The archive's side: the WAV is read from the pipe and masked, the signalled digits
	// given to the masker before each write.
	type result struct {
		out []byte
		rep audio.MaskReport
		err error
	}
	done := make(chan result, 1)
	go func() {
		var out bytes.Buffer
		wav, err := audio.NewWAVReader(pr)
		if err != nil {
			done <- result{err: err}
			return
		}
		m, err := audio.NewWAVMasker(&out, wav, audio.MaskOptions{})
		if err != nil {
			done <- result{err: err}
			return
		}
		buf := make([]byte, 4096)
		for {
			n, rerr := wav.Read(buf)
			for _, d := range rec.Digits() {
				m.Signal(d.Digit, d.Start, d.End)
			}
			if _, err := m.Write(buf[:n]); err != nil {
				done <- result{err: err}
				return
			}
			if rerr == io.EOF {
				break
			} else if rerr != nil {
				done <- result{err: rerr}
				return
			}
		}
		err = m.Close()
		done <- result{out.Bytes(), m.Report(), err}
	}()

	keys := []struct {
		code  byte
		first int // packet index the key goes down at
	}{{4, 50}, {1, 100}}
	const keyPackets = 10
	var loud [][2]int64
	for _, k := range keys {
		loud = append(loud, [2]int64{int64(k.first) * 160, int64(k.first+keyPackets) * 160})
	}
	type late struct {
		at time.Time
		b  []byte
	}
	var delayed []late
	seq := uint16(0)
	send := func(b []byte, at time.Time) {
		for len(delayed) > 0 && !delayed[0].at.After(at) {
			st.Write(delayed[0].b, delayed[0].at)
			delayed = delayed[1:]
		}
		st.Write(b, at)
	}
	for i := range 150 {
		at := t0.Add(time.Duration(i) * ptime)
		payload := make([]byte, 160)
		down := -1
		for j, k := range keys {
			if i >= k.first && i < k.first+keyPackets {
				down = j
			}
		}
		for n := range payload {
			v := 800 * math.Sin(2*math.Pi*400*float64(160*i+n)/8000)
			if down >= 0 {
				v = 12000 * math.Sin(2*math.Pi*1000*float64(160*i+n)/8000)
			}
			payload[n] = audio.MuLawEncode(int16(v))
		}
		seq++
		send(packet(t, 0, seq, uint32(160*i), 9, payload), at)
		if down >= 0 {
			k := keys[down]
			j := i - k.first
			ends := 1
			if j == keyPackets-1 {
				ends = 3 // the final packet is sent three times (RFC 4733 2.5.1.4)
			}
			for range ends {
				if down == 0 && lostFrom >= 0 && j >= lostFrom {
					break
				}
				seq++
				b := packet(t, 101, seq, uint32(160*k.first), 9, eventPayload(k.code, j == keyPackets-1, 160*(j+1)))
				if down == delayKey {
					delayed = append(delayed, late{at.Add(delay), b})
				} else {
					send(b, at)
				}
			}
		}
		if i%5 == 4 {
			if err := rec.Flush(at); err != nil {
				t.Fatal(err)
			}
		}
	}
	end := t0.Add(150 * ptime)
	for _, d := range delayed {
		st.Write(d.b, d.at)
	}
	if err := rec.Close(end.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.out, r.rep, loud
}

// TestSignalledDigitsAreMasked: RFC 4733 events reach the masker, placed where their audio is,
// before that audio leaves the look-ahead: the loud audio sent while each key was down is
// silenced, the line around it is kept, and the report counts two signalled digits, none late;
// also when one key's event packets arrive 150 ms after its audio.
func TestSignalledDigitsAreMasked(t *testing.T) {
	for _, c := range []struct {
		name  string
		delay time.Duration
	}{{"on time", 0}, {"events 150 ms late", 150 * time.Millisecond}} {
		t.Run(c.name, func(t *testing.T) {
			out, rep, loud := keyedCall(t, 1, c.delay, -1)
			left, _ := readStereo(t, out)
			if rep.Signalled != 2 || rep.Late != 0 || len(rep.Masked) != 2 || rep.InBand != 0 {
				t.Fatalf("report %+v; want 2 signalled digits, none late, 2 spans", rep)
			}
			for i, v := range left {
				if v > 2000 || v < -2000 {
					t.Fatalf("loud audio at frame %d (%d) was not masked", i, v)
				}
			}
			for k, s := range loud {
				for i := s[0]; i < s[1]; i++ {
					if left[i] != 0 {
						t.Fatalf("key %d: frame %d is %d, want silence", k, i, left[i])
					}
				}
				// The margin and hold are short: the quiet line 200 ms before and after is kept.
				if left[s[0]-1600+1] == 0 && left[s[0]-1600+2] == 0 || left[s[1]+1600+1] == 0 && left[s[1]+1600+2] == 0 {
					t.Errorf("key %d: the line around the key was silenced too", k)
				}
				m := rep.Masked[k]
				if m.Start > s[0] || m.End < s[1] || m.Start < s[0]-400 || m.End > s[1]+1200 {
					t.Errorf("key %d: masked %+v, want about [%d, %d)", k, m, s[0], s[1])
				}
			}
		})
	}
}

// TestSignalledDigitLostEnd: the last updates and every final packet of a key are lost: the
// key is masked to its latest update and a hold beyond it, so the rest of its audio (60 ms
// here) is not stored either.
func TestSignalledDigitLostEnd(t *testing.T) {
	out, rep, loud := keyedCall(t, 1, 0, 7) // key 0's updates for 140 ms arrive, not the last 60 ms
	left, _ := readStereo(t, out)
	if rep.Signalled != 2 || rep.Late != 0 {
		t.Fatalf("report %+v; want 2 signalled digits, none late", rep)
	}
	for i := loud[0][0]; i < loud[0][1]; i++ {
		if left[i] != 0 {
			t.Fatalf("frame %d of the key whose end was lost is %d, want silence", i, left[i])
		}
	}
}

// TestSignalledDigitTooLate: an event arriving long after its audio was written cannot be
// masked; the masker counts it as late rather than pretending.
func TestSignalledDigitTooLate(t *testing.T) {
	_, rep, _ := keyedCall(t, 1, 800*time.Millisecond, -1)
	if rep.Late == 0 {
		t.Errorf("report %+v; want the late key counted", rep)
	}
}

// TestDigitsPlacement: Digits gives each event once per update with its span on the
// recording's timeline, merges updates not yet taken, and holds nothing while paused.
func TestDigitsPlacement(t *testing.T) {
	rec, err := NewRecorder(io.Discard, RecorderConfig{SampleRate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	var pm PayloadMap
	pm[9], pm[101] = EncodingG722, EncodingTelephoneEvent
	st := rec.AddStream(Right, pm)
	silence := make([]byte, 160)
	for i := range 20 {
		st.Write(packet(t, 9, uint16(i), uint32(160*i), 3, silence), t0.Add(time.Duration(i)*ptime))
	}
	// Key 7 down at packet 10's timestamp; its updates arrive with packets 10..12.
	for j := range 3 {
		st.Write(packet(t, 101, uint16(100+j), 1600, 3, eventPayload(7, false, 160*(j+1))), t0.Add(time.Duration(10+j)*ptime))
	}
	got := rec.Digits()
	hold := int64(eventHold * 16000 / time.Second)
	want := []callvault.SignalledDigit{{Digit: '7', Start: 3200, End: 3200 + 960 + hold}} // the latest update's end, held
	if len(got) != 1 || got[0] != want[0] {
		t.Fatalf("Digits = %+v, want %+v (16 kHz frames)", got, want)
	}
	if again := rec.Digits(); len(again) != 0 {
		t.Errorf("Digits again = %+v, want nothing new", again)
	}
	st.Write(packet(t, 101, 103, 1600, 3, eventPayload(7, true, 800)), t0.Add(14*ptime))
	if got := rec.Digits(); len(got) != 1 || got[0].Start != 3200 || got[0].End != 3200+1600 {
		t.Errorf("final update: %+v, want [3200, 4800)", got)
	}
	rec.Pause(t0.Add(15 * ptime))
	st.Write(packet(t, 101, 104, 2400, 3, eventPayload(1, false, 160)), t0.Add(15*ptime))
	if got := rec.Digits(); len(got) != 0 {
		t.Errorf("while paused: %+v, want nothing", got)
	}
	if s := st.Stats(); s.Events != 2 {
		t.Errorf("Events = %d, want 2", s.Events)
	}
}
