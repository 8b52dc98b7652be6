package audiotest

import (
	"bytes"
	"testing"
)

func TestMuLawSignal(t *testing.T) {
	a, b := MuLawSignal(8000, 1), MuLawSignal(8000, 2)
	if !bytes.Equal(a, MuLawSignal(8000, 1)) || bytes.Equal(a, b) {
		t.Fatal("the signal is not deterministic per seed")
	}
	if bytes.IndexByte(a, 0xFF) >= 0 || bytes.IndexByte(a, 0x7F) >= 0 {
		t.Fatal("the signal contains silence codes")
	}
}
