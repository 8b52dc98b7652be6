package audio

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/callvault/callvault"
)

// WAVE format tags (the wFormatTag field of the fmt chunk).
const (
	tagPCM        = 0x0001
	tagALaw       = 0x0006
	tagMuLaw      = 0x0007
	tagExtensible = 0xFFFE
)

// Bounds of the fmt chunk: 16 bytes (WAVEFORMAT with wBitsPerSample), 18 (WAVEFORMATEX), 40
// (WAVEFORMATEXTENSIBLE); anything much larger is not a format description.
const (
	minFmtSize = 16
	maxFmtSize = 256
)

// guidTail is the common tail of the KSDATAFORMAT_SUBTYPE_* GUIDs; the first two bytes of the
// GUID are the format tag of the subformat.
var guidTail = []byte{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71}

// tagNames names the encodings people most often upload by mistake, for error messages.
var tagNames = map[uint16]string{
	0x0000: "unknown (format tag 0)",
	0x0002: "Microsoft ADPCM",
	0x0003: "IEEE float",
	0x0011: "IMA ADPCM",
	0x0022: "DSP Group TrueSpeech",
	0x0031: "GSM 6.10",
	0x0040: "G.721 ADPCM",
	0x0045: "G.726 ADPCM",
	0x0050: "MPEG audio",
	0x0055: "MPEG Layer 3 (MP3)",
	0x0064: "G.726 ADPCM",
	0x0083: "G.729",
	0x028F: "G.722",
	0x1610: "AAC",
}

func tagName(tag uint16) string {
	if name, ok := tagNames[tag]; ok {
		return name
	}
	return fmt.Sprintf("format tag 0x%04X", tag)
}

func unsupportedEncoding(what string) error {
	return callvault.Errorf(callvault.KindUnsupported,
		"unsupported WAV encoding: %s; use 16-bit PCM, G.711 mu-law or A-law", what)
}

// parseFmt checks a fmt chunk body and returns the format it describes.
func parseFmt(b []byte) (Format, error) {
	if len(b) < minFmtSize {
		return Format{}, callvault.Errorf(callvault.KindInvalid, "malformed WAV: fmt chunk is %d bytes, expected at least %d", len(b), minFmtSize)
	}
	le := binary.LittleEndian
	tag := le.Uint16(b[0:])
	channels := int(le.Uint16(b[2:]))
	rate := int64(le.Uint32(b[4:]))
	byteRate := int64(le.Uint32(b[8:]))
	blockAlign := int(le.Uint16(b[12:]))
	bits := int(le.Uint16(b[14:]))

	if tag == tagExtensible {
		// WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) subFormat GUID(16).
		if len(b) < 40 {
			return Format{}, callvault.Errorf(callvault.KindInvalid, "malformed WAV: extensible fmt chunk is %d bytes, expected 40", len(b))
		}
		if cb := le.Uint16(b[16:]); cb < 22 {
			return Format{}, callvault.Errorf(callvault.KindInvalid, "malformed WAV: extensible fmt chunk has cbSize %d, expected 22", cb)
		}
		guid := b[24:40]
		if !bytes.Equal(guid[2:], guidTail) {
			return Format{}, unsupportedEncoding(fmt.Sprintf("extensible format with unknown subformat %X", guid))
		}
		sub := le.Uint16(guid)
		if sub != tagPCM {
			return Format{}, unsupportedEncoding("extensible format with subformat " + tagName(sub))
		}
		if valid := int(le.Uint16(b[18:])); valid != 0 && valid != bits {
			return Format{}, unsupportedEncoding(fmt.Sprintf("%d valid bits in %d-bit samples", valid, bits))
		}
		tag = tagPCM
	}

	var f Format
	switch tag {
	case tagPCM:
		f.Codec = callvault.CodecPCM16
		if bits != 16 {
			if bits == 0 || bits > 64 {
				return Format{}, callvault.Errorf(callvault.KindInvalid, "malformed WAV: fmt chunk declares %d bits per sample", bits)
			}
			return Format{}, unsupportedEncoding(fmt.Sprintf("%d-bit PCM", bits))
		}
	case tagMuLaw, tagALaw:
		f.Codec, f.BitsPerSample = callvault.CodecMuLaw, 8
		name := "G.711 mu-law"
		if tag == tagALaw {
			f.Codec, name = callvault.CodecALaw, "G.711 A-law"
		}
		if bits != 8 {
			return Format{}, unsupportedEncoding(fmt.Sprintf("%s with %d bits per sample (expected 8)", name, bits))
		}
	default:
		return Format{}, unsupportedEncoding(tagName(tag))
	}
	if err := checkChannels(channels); err != nil {
		return Format{}, err
	}
	if err := checkRate(int(min(rate, 1<<31))); err != nil {
		return Format{}, err
	}
	f.SampleRate, f.Channels, f.BitsPerSample = int(rate), channels, bits
	f.BlockAlign = channels * bits / 8
	if blockAlign != f.BlockAlign {
		return Format{}, callvault.Errorf(callvault.KindInvalid,
			"malformed WAV: fmt chunk declares block align %d, expected %d for %d channel(s) of %d bits",
			blockAlign, f.BlockAlign, channels, bits)
	}
	if byteRate != int64(f.ByteRate()) {
		return Format{}, callvault.Errorf(callvault.KindInvalid,
			"malformed WAV: fmt chunk declares %d bytes per second, expected %d (%d Hz x %d bytes)",
			byteRate, f.ByteRate(), f.SampleRate, f.BlockAlign)
	}
	return f, nil
}
