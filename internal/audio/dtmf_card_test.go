package audio

import (
	"strings"
	"testing"
)

// keys feeds a watch digits keyed 100 ms apart; a space is a pause of the given frames.
func keys(c *cardWatch, s string, pause int64) {
	var at int64
	for _, r := range s {
		if r == ' ' {
			at += pause
			continue
		}
		c.add(keyedDigit{byte(r), at, at + 400})
		at += 800
	}
}

func TestCardWatch(t *testing.T) {
	const gap = 32000 // 4 s at 8 kHz
	cases := []struct {
		keys  string
		pause int64
		card  bool
	}{
		{"4111111111111111", 0, true},
		{"4111 1111 1111 1111", 16000, true},     // groups with 2 s pauses: one run
		{"4111 1111 1111 1111", 40000, false},    // 5 s pauses: four runs of four
		{"4111111111111113", 0, false},           // Luhn fails
		{"79927398713", 0, false},                // passes Luhn, too short
		{"4222222222222", 0, true},               // 13 digits
		{"6011000990139000000", 0, false},        // 19 digits, no 13-19 digit end passing Luhn
		{"1 4111111111111111", 1000, true},       // a menu choice just before: the run's end
		{"4111111111111111 1", 1000, true},       // a key just after: the run's start
		{"4111111111*111111", 0, false},          // a star ends a run
		{"4111111111111111#", 0, true},           // the number then the hash
		{"12345678901234567890123", 0, false},    // 23 digits: no anchored card number
		{"1234 4111111111111111 9999", 0, false}, // a card inside a longer run is not anchored
	}
	for _, c := range cases {
		w := newCardWatch(gap, 0)
		keys(w, c.keys, c.pause)
		w.close()
		if got := len(w.spans) > 0; got != c.card {
			t.Errorf("%q with pauses of %d: card-like %v, want %v", c.keys, c.pause, got, c.card)
		}
		if w.runLen != 0 || len(w.head) != 0 || len(w.tail) != 0 || len(w.recent) != 0 {
			t.Errorf("%q: the watch still holds digits after close", c.keys)
		}
	}
}

// TestCardWatchDuplicates: one key heard on two channels, or signalled and heard, counts once.
func TestCardWatchDuplicates(t *testing.T) {
	w := newCardWatch(32000, 0)
	var at int64
	for _, d := range []byte(strings.Repeat("1", 15) + "4") {
		if !w.add(keyedDigit{d, at, at + 400}) {
			t.Fatalf("first hearing of a key at %d refused", at)
		}
		if w.add(keyedDigit{d, at + 40, at + 420}) {
			t.Fatalf("second hearing of the key at %d counted", at)
		}
		at += 800
	}
	if w.runLen != 16 {
		t.Fatalf("run of %d digits, want 16", w.runLen)
	}
}

func TestLuhn(t *testing.T) {
	for s, want := range map[string]bool{
		"4111111111111111": true, "5555555555554444": true, "378282246310005": true,
		"4111111111111112": false, "0000000000000": true, "1234567812345678": false,
	} {
		var seq []keyedDigit
		for _, d := range []byte(s) {
			seq = append(seq, keyedDigit{digit: d})
		}
		if luhn(seq) != want {
			t.Errorf("luhn(%s) = %v", s, !want)
		}
	}
}
