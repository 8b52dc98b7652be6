package rtp

import (
	"strconv"
	"strings"
)

// Encoding is what an RTP payload type carries.
type Encoding uint8

// The encodings the recorder understands.
const (
	EncodingNone           Encoding = iota // unknown payload type: ignored
	EncodingPCMU                           // G.711 mu-law, 8 kHz
	EncodingPCMA                           // G.711 A-law, 8 kHz
	EncodingG722                           // G.722 (64 kbit/s), 16 kHz audio on an 8 kHz RTP clock
	EncodingTelephoneEvent                 // RFC 4733 DTMF and other events
	EncodingComfortNoise                   // RFC 3389 comfort noise
)

func (e Encoding) String() string {
	switch e {
	case EncodingPCMU:
		return "PCMU"
	case EncodingPCMA:
		return "PCMA"
	case EncodingG722:
		return "G722"
	case EncodingTelephoneEvent:
		return "telephone-event"
	case EncodingComfortNoise:
		return "CN"
	}
	return "none"
}

// Audio reports whether e carries audio samples.
func (e Encoding) Audio() bool {
	return e == EncodingPCMU || e == EncodingPCMA || e == EncodingG722
}

// PayloadMap maps RTP payload types (0-127) to encodings.
type PayloadMap [128]Encoding

// StaticEncoding returns the encoding of a static payload type (RFC 3551), or EncodingNone.
func StaticEncoding(pt int) Encoding {
	switch pt {
	case 0:
		return EncodingPCMU
	case 8:
		return EncodingPCMA
	case 9:
		return EncodingG722
	case 13:
		return EncodingComfortNoise
	}
	return EncodingNone
}

// EncodingByName returns the encoding of an SDP rtpmap value such as "PCMU/8000" or
// "telephone-event/8000", or EncodingNone for codecs the recorder cannot take.
func EncodingByName(rtpmap string) Encoding {
	name, rate, _ := strings.Cut(strings.TrimSpace(rtpmap), "/")
	if r, _, _ := strings.Cut(rate, "/"); r != "" {
		if n, err := strconv.Atoi(r); err != nil || n != 8000 {
			return EncodingNone
		}
	}
	switch strings.ToUpper(name) {
	case "PCMU":
		return EncodingPCMU
	case "PCMA":
		return EncodingPCMA
	case "G722":
		return EncodingG722
	case "TELEPHONE-EVENT":
		return EncodingTelephoneEvent
	case "CN":
		return EncodingComfortNoise
	}
	return EncodingNone
}
