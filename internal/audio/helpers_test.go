package audio

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
)

// chunk returns a RIFF chunk with its pad byte.
func chunk(id string, body []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// sizedChunk returns a chunk header declaring size followed by body as given (no pad).
func sizedChunk(id string, size uint32, body []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, size)...)
	return append(b, body...)
}

// riff returns a RIFF/WAVE file of the given chunks with a correct RIFF size.
func riff(chunks ...[]byte) []byte {
	body := []byte("WAVE")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}

// riffSized is riff with an explicit RIFF size.
func riffSized(size uint32, chunks ...[]byte) []byte {
	b := riff(chunks...)
	binary.LittleEndian.PutUint32(b[4:], size)
	return b
}

// fmtBody returns a 16-byte fmt chunk body.
func fmtBody(tag, channels uint16, rate, byteRate uint32, align, bits uint16) []byte {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, tag)
	b = le.AppendUint16(b, channels)
	b = le.AppendUint32(b, rate)
	b = le.AppendUint32(b, byteRate)
	b = le.AppendUint16(b, align)
	return le.AppendUint16(b, bits)
}

// extensibleBody returns a 40-byte WAVE_FORMAT_EXTENSIBLE fmt body with the given subformat.
func extensibleBody(sub uint16, channels uint16, rate uint32, bits, validBits uint16) []byte {
	le := binary.LittleEndian
	align := channels * bits / 8
	b := fmtBody(tagExtensible, channels, rate, rate*uint32(align), align, bits)
	b = le.AppendUint16(b, 22)
	b = le.AppendUint16(b, validBits)
	b = le.AppendUint32(b, 0x4) // front centre
	b = le.AppendUint16(b, sub)
	return append(b, guidTail...)
}

func pcmFmt(channels uint16, rate uint32) []byte {
	return chunk("fmt ", fmtBody(tagPCM, channels, rate, rate*2*uint32(channels), 2*channels, 16))
}

func muLawFmt(channels uint16, rate uint32) []byte {
	return chunk("fmt ", fmtBody(tagMuLaw, channels, rate, rate*uint32(channels), channels, 8))
}

// pattern returns n bytes of a repeating non-zero pattern.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	return b
}

// makeWAV returns a WAV file written with WriteHeader (sizes known) and n bytes of audio.
func makeWAV(t testing.TB, f Format, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHeader(&buf, f, int64(n)); err != nil {
		t.Fatalf("WriteHeader: %v", err)
	}
	buf.Write(pattern(n))
	if n%2 == 1 {
		buf.WriteByte(0)
	}
	return buf.Bytes()
}

// readWAV runs b through a WAVReader and returns what it read.
func readWAV(r io.Reader) (*WAVReader, []byte, error) {
	w, err := NewWAVReader(r)
	if err != nil {
		return nil, nil, err
	}
	out, err := io.ReadAll(w)
	return w, out, err
}
