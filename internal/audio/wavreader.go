package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/callvault/callvault"
)

// Bounds that keep a hostile file from costing memory or time. The header (everything before
// the audio) is held in memory; the audio and the chunks after it are not.
const (
	maxChunkSize  = 1 << 20 // any chunk other than data
	maxHeaderSize = 2 << 20 // all bytes before the first audio byte
	maxChunks     = 64      // chunks before data, and again chunks after it

	// riffSlack tolerates RIFF sizes that common writers get slightly wrong: counting the
	// 8-byte RIFF header itself, or a pad byte they never wrote.
	riffSlack = 9

	unknownSize = 0xFFFFFFFF
)

// WAVReader validates a WAV file while passing its bytes through unchanged. Read yields the
// original bytes from the first byte of the file, header included, so that what a caller stores
// is byte-identical to what it was given. Only the header is held in memory.
type WAVReader struct {
	r      io.Reader
	format Format

	hdr    []byte // the original bytes before the first audio byte
	hdrOff int    // how much of hdr Read has returned

	riffEnd  int64 // declared end of the RIFF chunk; 0 when the size is unknown (streamed)
	dataSize int64 // declared size of the data chunk; -1 when it runs to EOF (streamed)
	total    int64 // bytes taken from r, header included

	dataBytes int64 // audio bytes seen so far
	trailer   trailer
	done      bool
	err       error // sticky validation error
}

// NewWAVReader reads and validates the WAV header from r, up to and including the data chunk
// header, and returns a reader that yields the whole file. Errors are *callvault.Error:
// KindInvalid for input that is empty, not a WAV file, truncated or malformed; KindUnsupported
// for a well-formed WAV whose encoding, rate or channel count the vault does not accept. An
// error from r itself is returned as it is.
func NewWAVReader(r io.Reader) (*WAVReader, error) {
	w := &WAVReader{r: r, dataSize: -1}
	if err := w.readHeader(); err != nil {
		return nil, err
	}
	return w, nil
}

// Format returns the audio format declared by the header.
func (w *WAVReader) Format() Format { return w.format }

// DataOffset returns the offset in the file of the first audio byte.
func (w *WAVReader) DataOffset() int64 { return int64(len(w.hdr)) }

// DataBytes returns the number of audio bytes read so far; after Read has returned io.EOF it
// is the size of the audio.
func (w *WAVReader) DataBytes() int64 { return w.dataBytes }

// Duration returns the duration of the audio read so far; after Read has returned io.EOF it is
// the duration of the recording.
func (w *WAVReader) Duration() time.Duration {
	return framesDuration(w.dataBytes/int64(w.format.BlockAlign), w.format.SampleRate)
}

func framesDuration(frames int64, rate int) time.Duration {
	r := int64(rate)
	return time.Duration(frames/r)*time.Second + time.Duration(frames%r)*time.Second/time.Duration(r)
}

// Read reads the file's original bytes. When the underlying reader ends, Read checks that the
// audio and the chunks after it are complete and well-formed, and returns a KindInvalid error
// instead of io.EOF if they are not.
func (w *WAVReader) Read(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.hdrOff < len(w.hdr) {
		n := copy(p, w.hdr[w.hdrOff:])
		w.hdrOff += n
		return n, nil
	}
	if w.done {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := w.r.Read(p)
	if n > 0 {
		w.total += int64(n)
		if verr := w.observe(p[:n]); verr != nil {
			w.err = verr
			return n, verr
		}
	}
	switch {
	case err == io.EOF:
		if verr := w.finish(); verr != nil {
			w.err = verr
			return n, verr
		}
		w.done = true
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	case err != nil:
		w.err = err
		return n, err
	}
	return n, nil
}

// readHeader reads and checks everything up to the first audio byte.
func (w *WAVReader) readHeader() error {
	b, err := w.take(12)
	if err != nil {
		if len(w.hdr) == 0 && errors.Is(err, io.EOF) {
			return callvault.Errorf(callvault.KindInvalid, "audio is empty")
		}
		if !isTruncation(err) {
			return err
		}
		if len(w.hdr) < 4 || string(w.hdr[:4]) != "RIFF" {
			if len(w.hdr) < 4 && string(w.hdr) == "RIFF"[:len(w.hdr)] {
				return truncatedHeader()
			}
			return notWAV(w.hdr)
		}
		return truncatedHeader()
	}
	switch string(b[:4]) {
	case "RIFF":
	case "RF64":
		return callvault.Errorf(callvault.KindUnsupported, "unsupported WAV container: RF64 (64-bit WAV); use a standard RIFF WAV")
	case "RIFX":
		return callvault.Errorf(callvault.KindUnsupported, "unsupported WAV container: RIFX (big-endian WAV); use a standard little-endian RIFF WAV")
	default:
		return notWAV(b)
	}
	if string(b[8:12]) != "WAVE" {
		return callvault.Errorf(callvault.KindInvalid, "not a WAV file: RIFF form type is %s, expected WAVE", describeID(b[8:12]))
	}
	if riffSize := binary.LittleEndian.Uint32(b[4:]); riffSize != 0 && riffSize != unknownSize {
		w.riffEnd = int64(riffSize) + 8
	}

	haveFmt := false
	for chunks := 0; ; chunks++ {
		if chunks >= maxChunks {
			return callvault.Errorf(callvault.KindInvalid, "malformed WAV: more than %d chunks before the data chunk", maxChunks)
		}
		h, err := w.take(8)
		if err != nil {
			if isTruncation(err) {
				if haveFmt {
					return callvault.Errorf(callvault.KindInvalid, "truncated WAV header: no data chunk")
				}
				return truncatedHeader()
			}
			return err
		}
		id, size := h[:4], int64(binary.LittleEndian.Uint32(h[4:]))
		if !textID(id) {
			return callvault.Errorf(callvault.KindInvalid, "malformed WAV: chunk ID %s at offset %d is not text", describeID(id), len(w.hdr)-8)
		}
		switch string(id) {
		case "data":
			if !haveFmt {
				return callvault.Errorf(callvault.KindInvalid, "malformed WAV: data chunk comes before the fmt chunk")
			}
			return w.startData(size)
		case "fmt ":
			if haveFmt {
				return callvault.Errorf(callvault.KindInvalid, "malformed WAV: more than one fmt chunk")
			}
			if size < minFmtSize || size > maxFmtSize {
				return callvault.Errorf(callvault.KindInvalid, "malformed WAV: absurd fmt chunk size %d (expected %d to %d bytes)", size, minFmtSize, maxFmtSize)
			}
			body, err := w.takeChunk(size)
			if err != nil {
				return err
			}
			if w.format, err = parseFmt(body); err != nil {
				return err
			}
			haveFmt = true
		default:
			if size > maxChunkSize {
				return callvault.Errorf(callvault.KindInvalid, "malformed WAV: absurd chunk size %d for %s chunk (limit %d bytes)", size, describeID(id), maxChunkSize)
			}
			if string(id) == "fact" && size < 4 {
				return callvault.Errorf(callvault.KindInvalid, "malformed WAV: fact chunk is %d bytes, expected at least 4", size)
			}
			if len(w.hdr)+int(size) > maxHeaderSize {
				return callvault.Errorf(callvault.KindInvalid, "malformed WAV: more than %d bytes of chunks before the audio", maxHeaderSize)
			}
			if _, err := w.takeChunk(size); err != nil {
				return err
			}
		}
	}
}

// startData checks the data chunk header just read.
func (w *WAVReader) startData(size int64) error {
	start := int64(len(w.hdr))
	w.total = start
	if w.riffEnd != 0 && w.riffEnd < start {
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: RIFF size %d is smaller than the %d-byte header", w.riffEnd-8, start)
	}
	if size == unknownSize || size == 0 && w.riffEnd == 0 {
		w.dataSize = -1 // streamed: the audio runs to the end of the file
		return nil
	}
	if size == 0 {
		return callvault.Errorf(callvault.KindInvalid, "audio is empty: the WAV data chunk holds no samples")
	}
	if ba := int64(w.format.BlockAlign); size%ba != 0 {
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: data chunk size %d is not a multiple of the %d-byte block align", size, ba)
	}
	if w.riffEnd != 0 && start+size > w.riffEnd+riffSlack {
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: data chunk declares %d bytes, more than the RIFF size %d allows", size, w.riffEnd-8)
	}
	w.dataSize = size
	w.trailer.left = size
	return nil
}

// take reads exactly n more header bytes, appends them to w.hdr and returns them.
func (w *WAVReader) take(n int) ([]byte, error) {
	off := len(w.hdr)
	w.hdr = append(w.hdr, make([]byte, n)...)
	m, err := io.ReadFull(w.r, w.hdr[off:])
	w.hdr = w.hdr[:off+m]
	if err != nil {
		return nil, err
	}
	return w.hdr[off:], nil
}

// takeChunk reads a chunk body of size bytes and its pad byte, and returns the body.
func (w *WAVReader) takeChunk(size int64) ([]byte, error) {
	body, err := w.take(int(size + size&1))
	if err != nil {
		if isTruncation(err) {
			return nil, truncatedHeader()
		}
		return nil, err
	}
	return body[:size], nil
}

func isTruncation(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

func truncatedHeader() error {
	return callvault.Errorf(callvault.KindInvalid, "truncated WAV header")
}

// textID reports whether a chunk ID is four printable ASCII characters, as every RIFF ID is.
func textID(id []byte) bool {
	for _, c := range id {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

func describeID(id []byte) string {
	if textID(id) {
		return fmt.Sprintf("%q", id)
	}
	return fmt.Sprintf("0x%X", id)
}

// notWAV explains what a file that does not start with RIFF looks like instead.
func notWAV(b []byte) error {
	got := describeID(b[:min(len(b), 4)])
	s := string(b)
	has := func(prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }
	switch {
	case has("ID3"):
		got = "ID3 (an MP3?)"
	case len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		got = "an MPEG audio frame (an MP3 or AAC?)"
	case has("OggS"):
		got = "OggS (an Ogg or Opus file?)"
	case has("fLaC"):
		got = "fLaC (a FLAC file?)"
	case has("FORM"):
		got = "FORM (an AIFF file?)"
	case has("#!AMR"):
		got = "#!AMR (an AMR file?)"
	case len(b) >= 8 && string(b[4:8]) == "ftyp":
		got = "ftyp (an MP4 or M4A file?)"
	case has("\x1A\x45\xDF\xA3"):
		got = "EBML (a WebM or Matroska file?)"
	case has("{") || has("["):
		got = "JSON"
	}
	return callvault.Errorf(callvault.KindInvalid, "not a WAV file: expected RIFF header, got %s", got)
}
