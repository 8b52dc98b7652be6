package audio

import (
	"io"

	"github.com/callvault/callvault"
)

// WAVMasker masks the DTMF tones of a whole WAV file as a WAVReader yields it: the header and
// any chunks after the audio pass through unchanged, the audio goes through a Masker. Feed it
// every byte the reader returns, then Close it.
type WAVMasker struct {
	w      io.Writer
	m      *Masker
	off    int64 // bytes written so far
	start  int64 // first audio byte
	end    int64 // one past the last audio byte; -1 when the audio runs to the end
	closed bool
}

// NewWAVMasker returns a WAVMasker writing to w the file that r yields.
func NewWAVMasker(w io.Writer, r *WAVReader, opts MaskOptions) (*WAVMasker, error) {
	m, err := NewMasker(w, r.Format(), opts)
	if err != nil {
		return nil, err
	}
	end := int64(-1)
	if r.dataSize >= 0 {
		end = r.DataOffset() + r.dataSize
	}
	return &WAVMasker{w: w, m: m, start: r.DataOffset(), end: end}, nil
}

// Write writes p, the next bytes of the file.
func (x *WAVMasker) Write(p []byte) (int, error) {
	if x.closed {
		return 0, callvault.Errorf(callvault.KindInternal, "WAV masker: write after close")
	}
	n := len(p)
	for len(p) > 0 {
		var k int
		var err error
		switch {
		case x.off < x.start:
			k, err = x.w.Write(p[:min(int64(len(p)), x.start-x.off)])
		case x.end < 0 || x.off < x.end:
			k = len(p)
			if x.end >= 0 {
				k = int(min(int64(k), x.end-x.off))
			}
			k, err = x.m.Write(p[:k])
			if err == nil && x.off+int64(k) == x.end {
				err = x.m.Close() // the audio is complete: flush it before what follows
			}
		default:
			k, err = x.w.Write(p)
		}
		x.off += int64(k)
		p = p[k:]
		if err != nil {
			return n - len(p), err
		}
	}
	return n, nil
}

// Close writes the audio still in the delay line.
func (x *WAVMasker) Close() error {
	x.closed = true
	return x.m.Close()
}

// Report says what was masked; after Close it is complete.
func (x *WAVMasker) Report() MaskReport { return x.m.Report() }

// Signal notes a digit signalled out of band over frames [start, end) of the audio (see
// Masker.Signal).
func (x *WAVMasker) Signal(digit byte, start, end int64) { x.m.Signal(digit, start, end) }
