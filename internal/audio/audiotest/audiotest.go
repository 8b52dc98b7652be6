// Package audiotest makes deterministic test audio for the capture tests.
package audiotest

// MuLawSignal returns n mu-law octets of a deterministic pseudo-random signal without the two
// codes for silence (0xFF and 0x7F), so that silence in a recording can only come from the
// recorder (loss, pauses), never from the signal.
func MuLawSignal(n int, seed uint32) []byte {
	b := make([]byte, n)
	x := seed*2654435761 + 1
	for i := range b {
		x = x*1664525 + 1013904223
		c := byte(x >> 24)
		if c == 0xFF || c == 0x7F {
			c = 0x80
		}
		b[i] = c
	}
	return b
}
