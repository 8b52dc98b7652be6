package audio

import (
	"encoding/binary"

	"github.com/callvault/callvault"
)

// The phases of a WAV file after its header, tracked as the bytes stream past.
type phase int

const (
	phaseData   phase = iota // inside the data chunk
	phasePad                 // the pad byte after an odd-sized chunk
	phaseHeader              // a chunk header after the data chunk
	phaseBody                // the body of a chunk after the data chunk
)

// trailer follows the data chunk and the chunks after it without buffering them.
type trailer struct {
	phase  phase
	left   int64 // bytes left in the data chunk, pad or chunk body
	hdr    [8]byte
	hdrN   int
	size   int64 // size of the current chunk after data
	chunks int   // chunks seen after data
}

// observe checks the bytes b that follow the header, in file order.
func (w *WAVReader) observe(b []byte) error {
	t := &w.trailer
	for len(b) > 0 {
		switch t.phase {
		case phaseData:
			if w.dataSize < 0 {
				w.dataBytes += int64(len(b))
				return nil
			}
			k := min(int64(len(b)), t.left)
			w.dataBytes += k
			t.left -= k
			b = b[k:]
			if t.left == 0 {
				t.phase, t.left = phaseHeader, 0
				if w.dataSize&1 == 1 {
					t.phase, t.left = phasePad, 1
				}
			}
		case phasePad, phaseBody:
			k := min(int64(len(b)), t.left)
			t.left -= k
			b = b[k:]
			if t.left == 0 {
				t.phase = phaseHeader
			}
		case phaseHeader:
			k := copy(t.hdr[t.hdrN:], b)
			t.hdrN += k
			b = b[k:]
			if t.hdrN < len(t.hdr) {
				continue
			}
			if err := t.startChunk(w.total - int64(len(b)) - 8); err != nil {
				return err
			}
		}
	}
	return nil
}

// startChunk checks the chunk header in t.hdr, found at offset off.
func (t *trailer) startChunk(off int64) error {
	id, size := t.hdr[:4], int64(binary.LittleEndian.Uint32(t.hdr[4:]))
	t.hdrN = 0
	t.chunks++
	switch {
	case t.chunks > maxChunks:
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: more than %d chunks after the audio", maxChunks)
	case !textID(id):
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: unexpected bytes after the audio (chunk ID %s at offset %d is not text)", describeID(id), off)
	case string(id) == "data":
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: a second data chunk at offset %d", off)
	case size > maxChunkSize:
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: absurd chunk size %d for %s chunk after the audio (limit %d bytes)", size, describeID(id), maxChunkSize)
	}
	t.size = size
	t.left = size + size&1
	if t.left > 0 {
		t.phase = phaseBody
	}
	return nil
}

// finish checks that the file ended where its header says it does.
func (w *WAVReader) finish() error {
	t := &w.trailer
	switch t.phase {
	case phaseData:
		if w.dataSize >= 0 {
			return callvault.Errorf(callvault.KindInvalid, "truncated WAV: data chunk declares %d bytes, got %d", w.dataSize, w.dataBytes)
		}
		if w.dataBytes == 0 {
			return callvault.Errorf(callvault.KindInvalid, "audio is empty: the WAV has a header but no samples")
		}
		if ba := int64(w.format.BlockAlign); w.dataBytes%ba != 0 {
			return callvault.Errorf(callvault.KindInvalid, "truncated WAV: streamed data is %d bytes, not a whole number of %d-byte frames", w.dataBytes, ba)
		}
	case phaseHeader:
		if t.hdrN > 0 {
			return callvault.Errorf(callvault.KindInvalid, "truncated WAV: incomplete chunk header after the audio")
		}
	case phaseBody:
		// A missing final pad byte is a common writer bug, and harmless.
		if !(t.left == 1 && t.size&1 == 1) {
			return callvault.Errorf(callvault.KindInvalid, "truncated WAV: %s chunk after the audio declares %d bytes, got %d",
				describeID(t.hdr[:4]), t.size, t.size+t.size&1-t.left)
		}
	}
	if w.riffEnd != 0 && w.total < w.riffEnd-riffSlack {
		return callvault.Errorf(callvault.KindInvalid, "truncated WAV: RIFF header declares %d bytes, got %d", w.riffEnd, w.total)
	}
	return nil
}
