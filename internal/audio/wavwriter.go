package audio

import (
	"encoding/binary"
	"io"

	"github.com/callvault/callvault"
)

// WriteHeader writes a WAV header for audio of format f whose data chunk will hold dataBytes
// bytes; the caller then writes the audio, and a zero pad byte if dataBytes is odd. A negative
// dataBytes means the length is unknown (a stream): the RIFF and data sizes are written as
// 0xFFFFFFFF, which NewWAVReader reads as "the audio runs to the end of the file".
//
// PCM gets the canonical 44-byte header; G.711 gets an 18-byte fmt chunk and a fact chunk,
// as the format requires for non-PCM encodings.
func WriteHeader(w io.Writer, f Format, dataBytes int64) error {
	if err := f.Validate(); err != nil {
		return err
	}
	tag, fmtSize := uint16(tagPCM), uint32(16)
	switch f.Codec {
	case callvault.CodecMuLaw:
		tag, fmtSize = tagMuLaw, 18
	case callvault.CodecALaw:
		tag, fmtSize = tagALaw, 18
	}
	hasFact := tag != tagPCM
	headerSize := 12 + 8 + int64(fmtSize) + 8
	if hasFact {
		headerSize += 12
	}
	if dataBytes >= 0 && dataBytes%int64(f.BlockAlign) != 0 {
		return callvault.Errorf(callvault.KindInvalid, "WAV data of %d bytes is not a whole number of %d-byte frames", dataBytes, f.BlockAlign)
	}
	if dataBytes > unknownSize-1-headerSize {
		return callvault.Errorf(callvault.KindTooLarge, "%d bytes of audio do not fit in a WAV file (limit 4 GiB)", dataBytes)
	}

	riffSize, dataSize := uint32(unknownSize), uint32(unknownSize)
	if dataBytes >= 0 {
		riffSize = uint32(headerSize - 8 + dataBytes + dataBytes&1)
		dataSize = uint32(dataBytes)
	}
	le := binary.LittleEndian
	b := make([]byte, 0, headerSize)
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, riffSize)
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, fmtSize)
	b = le.AppendUint16(b, tag)
	b = le.AppendUint16(b, uint16(f.Channels))
	b = le.AppendUint32(b, uint32(f.SampleRate))
	b = le.AppendUint32(b, uint32(f.ByteRate()))
	b = le.AppendUint16(b, uint16(f.BlockAlign))
	b = le.AppendUint16(b, uint16(f.BitsPerSample))
	if fmtSize == 18 {
		b = le.AppendUint16(b, 0) // cbSize: no extra format bytes
	}
	if hasFact {
		frames := uint32(unknownSize)
		if dataBytes >= 0 {
			frames = uint32(dataBytes / int64(f.BlockAlign))
		}
		b = append(b, "fact"...)
		b = le.AppendUint32(b, 4)
		b = le.AppendUint32(b, frames)
	}
	b = append(b, "data"...)
	b = le.AppendUint32(b, dataSize)
	_, err := w.Write(b)
	return err
}
