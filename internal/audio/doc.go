// Package audio validates WAV files as they stream through, converts G.711 samples, and finds
// and masks DTMF tones.
//
// The vault stores recordings exactly as received, so validation never rewrites a file: a
// WAVReader checks the RIFF/WAVE structure while passing the original bytes through unchanged,
// and fails the read (instead of returning io.EOF) when the file turns out to be truncated or
// malformed. Only the header is held in memory, never the audio.
//
// Accepted encodings are those of telephony: 16-bit linear PCM, G.711 mu-law and G.711 A-law,
// mono or stereo, 8 to 48 kHz.
//
// The one change the vault may make to audio is masking keyed digits (PCI DSS): a
// DTMFDetector finds tones under the ITU-T Q.24 receiver rules, and a Masker, a delay line
// of 100 ms in front of a writer, silences every tone on every channel before its first
// frame leaves, along with digits signalled out of band (RFC 4733). It reports what it
// silenced and whether a card-like number (13-19 digits passing the Luhn check) was keyed,
// never which digits.
package audio
