package audio

import (
	"bytes"
	"strings"
	"testing"
)

// TestMaskerSignalled: digits signalled out of band only (RFC 4733), reported as they arrive
// (first at their start, then with their final duration), are masked like tones; the card
// number they form is noticed; a digit signalled after its audio has left is counted late.
func TestMaskerSignalled(t *testing.T) {
	f := MuLawFormat(8000, 2)
	s := newSignal(8000).silence(6000).noise(-30, 3)
	orig := encode(f, s.pcm(), s.pcm())
	type event struct{ start, end int64 }
	var events []event
	at := int64(2400)
	for i := range 16 {
		events = append(events, event{at, at + 560})
		at += 1120
		if i%4 == 3 {
			at += 4800
		}
	}
	var out bytes.Buffer
	m, err := NewMasker(&out, f, MaskOptions{})
	if err != nil {
		t.Fatal(err)
	}
	digits := strings.ReplaceAll(testCard, " ", "")
	const chunk = 160 // 20 ms packets
	for pos := int64(0); pos*2 < int64(len(orig)); pos += chunk {
		for i, e := range events {
			if e.start >= pos && e.start < pos+chunk {
				m.Signal(digits[i], e.start, pos+chunk) // the event's first packet
			}
			if e.end >= pos && e.end < pos+chunk {
				m.Signal(digits[i], e.start, e.end) // its end packet
			}
		}
		if _, err := m.Write(orig[2*pos : min(len(orig), int(2*(pos+chunk)))]); err != nil {
			t.Fatal(err)
		}
	}
	m.Signal('5', 100, 900) // long gone
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	rep := m.Report()
	if rep.Signalled != 17 || rep.InBand != 0 || len(rep.CardLike) != 1 || rep.Late != 800 {
		t.Errorf("report %+v: want 17 signalled digits, one card-like sequence, 800 late frames", rep)
	}
	masked := out.Bytes()
	for _, e := range events {
		if !covered(rep.Masked, e.start, e.end) {
			t.Errorf("signalled digit [%d,%d) not in the masked spans %v", e.start, e.end, rep.Masked)
		}
		for i := e.start; i < e.end; i++ {
			if masked[2*i] != 0xFF || masked[2*i+1] != 0xFF {
				t.Fatalf("frame %d of a signalled digit is not silent", i)
			}
		}
	}
	if !bytes.Equal(masked[:1800], orig[:1800]) {
		t.Error("frames written before the late signal arrived were changed")
	}
}

// TestMaskerKeepShortRuns keys a menu choice, a PIN, the card number and a security code. By
// default every tone is masked; with KeepShortRuns the menu choice, the PIN and the first six
// digits of the card number stay audible (multimon-ng hears exactly those) and the rest of the
// card number and the security code after it are masked.
func TestMaskerKeepShortRuns(t *testing.T) {
	f := MuLawFormat(8000, 1)
	s := newSignal(8000).silence(200)
	s.keyed("1", 80, 80)
	s.silence(21000) // beyond keepHorizon: not counted with the PIN
	s.keyed("1234", 80, 80)
	s.silence(21000)
	for _, g := range strings.Fields(testCard) {
		s.keyed(g, 80, 80)
		s.silence(700)
	}
	s.silence(5000)
	s.keyed("737", 80, 80)
	s.silence(300)
	orig := encode(f, s.pcm())

	_, all := mask(t, f, orig, MaskOptions{}, 160)
	if all.InBand != 24 || all.Kept != 0 || len(all.Masked) != 24 || len(all.CardLike) != 1 {
		t.Errorf("default report %+v: want all 24 tones masked", all)
	}
	kept, rep := mask(t, f, orig, MaskOptions{KeepShortRuns: true}, 160)
	if rep.InBand != 24 || rep.Kept != 11 || len(rep.Masked) != 13 || len(rep.CardLike) != 1 {
		t.Errorf("KeepShortRuns report %+v: want 11 tones kept and 13 masked", rep)
	}
	if got := multimon(t, f, kept); got != "11234411111" {
		t.Errorf("multimon-ng hears %q with KeepShortRuns, want the menu choice, the PIN and six digits", got)
	}
}
