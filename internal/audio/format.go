package audio

import (
	"fmt"

	"github.com/callvault/callvault"
)

// Limits of the formats the vault accepts.
const (
	MinSampleRate = 8000
	MaxSampleRate = 48000
	MaxChannels   = 2
)

// Format describes the audio of a WAV file.
type Format struct {
	Codec         callvault.Codec
	SampleRate    int // frames per second
	Channels      int
	BitsPerSample int // 16 for PCM, 8 for G.711
	BlockAlign    int // bytes per frame: Channels * BitsPerSample / 8
}

// PCMFormat returns the format of 16-bit little-endian linear PCM.
func PCMFormat(rate, channels int) Format {
	return Format{Codec: callvault.CodecPCM16, SampleRate: rate, Channels: channels, BitsPerSample: 16, BlockAlign: 2 * channels}
}

// MuLawFormat returns the format of G.711 mu-law, one byte per sample.
func MuLawFormat(rate, channels int) Format {
	return Format{Codec: callvault.CodecMuLaw, SampleRate: rate, Channels: channels, BitsPerSample: 8, BlockAlign: channels}
}

// ALawFormat returns the format of G.711 A-law, one byte per sample.
func ALawFormat(rate, channels int) Format {
	return Format{Codec: callvault.CodecALaw, SampleRate: rate, Channels: channels, BitsPerSample: 8, BlockAlign: channels}
}

// ByteRate returns the bytes per second of f.
func (f Format) ByteRate() int { return f.SampleRate * f.BlockAlign }

// Validate reports whether f is a format the vault accepts: KindUnsupported for a codec, rate
// or channel count it does not take, KindInvalid for inconsistent fields.
func (f Format) Validate() error {
	bits := 0
	switch f.Codec {
	case callvault.CodecPCM16:
		bits = 16
	case callvault.CodecMuLaw, callvault.CodecALaw:
		bits = 8
	default:
		return callvault.Errorf(callvault.KindUnsupported, "unsupported codec %q; use %s, %s or %s",
			f.Codec, callvault.CodecPCM16, callvault.CodecMuLaw, callvault.CodecALaw)
	}
	if f.BitsPerSample != bits {
		return callvault.Errorf(callvault.KindInvalid, "codec %s has %d bits per sample, not %d", f.Codec, bits, f.BitsPerSample)
	}
	if err := checkChannels(f.Channels); err != nil {
		return err
	}
	if err := checkRate(f.SampleRate); err != nil {
		return err
	}
	if want := f.Channels * bits / 8; f.BlockAlign != want {
		return callvault.Errorf(callvault.KindInvalid, "inconsistent format: block align is %d, expected %d for %d channel(s) of %d bits",
			f.BlockAlign, want, f.Channels, bits)
	}
	return nil
}

func checkChannels(n int) error {
	switch {
	case n <= 0:
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: fmt chunk declares %d channels", n)
	case n > MaxChannels:
		return callvault.Errorf(callvault.KindUnsupported, "unsupported WAV: %d channels; only mono and stereo are supported", n)
	}
	return nil
}

func checkRate(rate int) error {
	switch {
	case rate <= 0:
		return callvault.Errorf(callvault.KindInvalid, "malformed WAV: fmt chunk declares a sample rate of %d Hz", rate)
	case rate < MinSampleRate || rate > MaxSampleRate:
		return callvault.Errorf(callvault.KindUnsupported, "unsupported WAV sample rate: %d Hz; use %d to %d Hz",
			rate, MinSampleRate, MaxSampleRate)
	}
	return nil
}

// String describes f for people, e.g. "pcm_mulaw 8000 Hz mono".
func (f Format) String() string {
	ch := fmt.Sprintf("%d channels", f.Channels)
	switch f.Channels {
	case 1:
		ch = "mono"
	case 2:
		ch = "stereo"
	}
	return fmt.Sprintf("%s %d Hz %s", f.Codec, f.SampleRate, ch)
}
