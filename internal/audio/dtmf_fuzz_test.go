package audio

import (
	"bytes"
	"testing"
)

// FuzzDTMFDetector drives a synthesiser with the fuzzer's bytes, three per segment of tone,
// silence or noise (digit, duration, level, frequency offset and twist chosen by the fuzzer),
// at a rate and in chunks chosen by the fuzzer, so that short inputs make long streams around
// the rules' edges (FuzzMasker feeds raw bytes). No panic, and the events are well formed:
// starts and ends alternate, spans are ordered and within the stream.
func FuzzDTMFDetector(f *testing.F) {
	f.Add(uint8(0), uint16(160), []byte{0x00, 60, 10, 0x10, 40, 0, 0x09, 45, 3})
	f.Add(uint8(2), uint16(1), []byte{0x2e, 30, 0, 0x0e, 23, 40, 0x1e, 40, 0, 0x0e, 40, 0xff})
	f.Add(uint8(5), uint16(7), []byte{0x03, 200, 0x9f, 0x23, 200, 5})
	f.Fuzz(func(t *testing.T, rateSel uint8, chunk uint16, data []byte) {
		rates := []int{8000, 11025, 16000, 22050, 44100, 48000}
		rate := rates[int(rateSel)%len(rates)]
		samples := synth(rate, data).pcm()
		d, err := NewDTMFDetector(rate)
		if err != nil {
			t.Fatal(err)
		}
		n := max(1, int(chunk))
		var events []ToneEvent
		for p := samples; len(p) > 0; p = p[min(n, len(p)):] {
			events = append(events, d.Write(p[:min(n, len(p))])...)
		}
		events = append(events, d.Close()...)
		var last int64
		for i, e := range events {
			if e.Ended != (i%2 == 1) {
				t.Fatalf("event %d: %+v out of turn", i, e)
			}
			if e.Start < last || (e.Ended && (e.End <= e.Start || e.End > int64(len(samples))+int64(rate/50))) {
				t.Fatalf("event %d: %+v after %d in a stream of %d samples", i, e, last, len(samples))
			}
			last = e.Start
			if e.Ended {
				last = e.End
			}
		}
		if len(events)%2 != 0 {
			t.Fatal("a tone did not end at Close")
		}
	})
}

// FuzzMasker feeds arbitrary audio data (raw bytes, or a synthesised signal of tones and
// noise) in arbitrary chunks, with signalled digits, through a Masker: no panic and exactly
// as many bytes out as in.
func FuzzMasker(f *testing.F) {
	f.Add(uint8(0x40), uint16(160), uint16(300), []byte{0x00, 60, 10, 0x10, 40, 0, 0x09, 45, 3, 0x09, 45, 3})
	f.Add(uint8(0x41), uint16(3), uint16(0), []byte{0x2e, 30, 0, 0x0e, 23, 40, 0x1e, 40, 0, 0x0e, 40, 0xff})
	f.Add(uint8(2), uint16(1), uint16(9), []byte{1, 2, 3})
	f.Add(uint8(1), uint16(5), uint16(2), []byte{0x7f, 0xff, 0x00, 0x80, 0x55})
	f.Fuzz(func(t *testing.T, fmtSel uint8, chunk, signalAt uint16, data []byte) {
		formats := []Format{MuLawFormat(8000, 1), ALawFormat(8000, 2), PCMFormat(16000, 1), PCMFormat(48000, 2), PCMFormat(11025, 1)}
		format := formats[int(fmtSel)%len(formats)]
		if fmtSel&0x40 != 0 { // the bytes describe a signal, in every channel
			s := synth(format.SampleRate, data).pcm()
			data = encode(format, repeat(s, format.Channels)...)
		}
		var out bytes.Buffer
		m, err := NewMasker(&out, format, MaskOptions{KeepShortRuns: fmtSel&0x80 != 0})
		if err != nil {
			t.Fatal(err)
		}
		n := max(1, int(chunk))
		for p := data; len(p) > 0; p = p[min(n, len(p)):] {
			if int(signalAt) < len(p) {
				m.Signal(p[signalAt], int64(signalAt)-100, int64(signalAt)+int64(chunk))
			}
			if _, err := m.Write(p[:min(n, len(p))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if out.Len() != len(data) {
			t.Fatalf("%d bytes out for %d in", out.Len(), len(data))
		}
	})
}

// synth makes a test signal from fuzzer bytes, three per segment of tone, silence or noise.
func synth(rate int, data []byte) *signal {
	s := newSignal(rate)
	for i := 0; i+2 < len(data); i += 3 {
		kind, ms, p := data[i]>>4&3, float64(data[i+1]), data[i+2]
		switch kind {
		case 0, 3:
			level := -float64(p & 31)
			s.tone(toneSpec{
				digit: allDigits[data[i]&15], ms: ms, lowDBm0: level, highDBm0: level + float64(int(data[i]>>6)*3-3),
				lowOff: float64(int(p>>5)-4) / 100, highOff: float64(int(p>>5)-4) / 200,
			})
		case 1:
			s.silence(ms)
		case 2:
			n := len(s.x)
			s.silence(ms)
			noise := newSignal(rate)
			noise.x = make([]float64, len(s.x)-n)
			noise.noise(-float64(p&63), uint64(p))
			copy(s.x[n:], noise.x)
		}
	}
	return s
}
