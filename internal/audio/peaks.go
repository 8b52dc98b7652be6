package audio

import (
	"io"

	"github.com/callvault/callvault"
)

// MaxPeakBuckets bounds the buckets of a waveform: enough for a wide screen, small enough
// that the answer stays a few kilobytes.
const MaxPeakBuckets = 4000

// Waveform is a recording's outline for a player to draw: for each channel, the lowest and
// the highest sample of each of Buckets equal stretches of the audio, scaled to int8 (the
// high byte of a 16-bit sample). Peaks[ch] holds min0, max0, min1, max1, ...
type Waveform struct {
	Buckets    int
	Frames     int64
	SampleRate int
	Peaks      [][]int8
}

// Peaks reads the WAV file in r (size bytes: a recording as the archive opens it) and returns
// its waveform in at most buckets stretches (fewer when the audio has fewer frames). It reads
// the audio once, in order, holding one block at a time. Errors: those of NewWAVReader for a
// file that is not a WAV the vault accepts, KindInvalid for buckets out of 1..MaxPeakBuckets,
// and r's own.
func Peaks(r io.ReaderAt, size int64, buckets int) (*Waveform, error) {
	if buckets < 1 || buckets > MaxPeakBuckets {
		return nil, callvault.Errorf(callvault.KindInvalid, "buckets must be 1 to %d", MaxPeakBuckets)
	}
	wr, err := NewWAVReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, err
	}
	f := wr.Format()
	start := wr.DataOffset()
	n := size - start // a streamed data chunk runs to the end of the file
	if wr.dataSize >= 0 && wr.dataSize < n {
		n = wr.dataSize
	}
	ba := int64(f.BlockAlign)
	frames := n / ba
	w := &Waveform{Frames: frames, SampleRate: f.SampleRate, Buckets: int(min(int64(buckets), frames)),
		Peaks: make([][]int8, f.Channels)}
	for ch := range w.Peaks {
		w.Peaks[ch] = make([]int8, 2*w.Buckets)
	}
	if w.Buckets == 0 {
		return w, nil
	}
	lo, hi := make([]int16, f.Channels), make([]int16, f.Channels)
	reset := func() {
		for ch := range lo {
			lo[ch], hi[ch] = 32767, -32768
		}
	}
	reset()
	bucket, end := 0, frames/int64(w.Buckets) // bucket b holds frames [b*frames/B, (b+1)*frames/B)
	if end == 0 {
		end = 1
	}
	var table *[256]int16 // G.711: one byte per sample, decoded by table
	switch f.Codec {
	case callvault.CodecMuLaw:
		table = &muLawToLinear
	case callvault.CodecALaw:
		table = &aLawToLinear
	}
	step, width := int(ba), f.BitsPerSample/8
	buf := make([]byte, 64<<10/ba*ba)
	var frame int64
	for off := int64(0); off < frames*ba; {
		m, err := r.ReadAt(buf[:min(int64(len(buf)), frames*ba-off)], start+off)
		m -= m % step
		if m == 0 && err != nil {
			return nil, err
		}
		off += int64(m)
		for i := 0; i < m; i += step {
			for ch := range lo {
				j := i + ch*width
				var s int16
				if table != nil {
					s = table[buf[j]]
				} else {
					s = int16(uint16(buf[j]) | uint16(buf[j+1])<<8)
				}
				if s < lo[ch] {
					lo[ch] = s
				}
				if s > hi[ch] {
					hi[ch] = s
				}
			}
			frame++
			if frame == end {
				for ch := range lo {
					w.Peaks[ch][2*bucket], w.Peaks[ch][2*bucket+1] = int8(lo[ch]>>8), int8(hi[ch]>>8)
				}
				reset()
				bucket++
				end = int64(bucket+1) * frames / int64(w.Buckets)
			}
		}
	}
	return w, nil
}
