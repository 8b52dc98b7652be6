// Package audio validates WAV files as they stream through and converts G.711 samples.
//
// The vault stores recordings exactly as received, so validation never rewrites a file: a
// WAVReader checks the RIFF/WAVE structure while passing the original bytes through unchanged,
// and fails the read (instead of returning io.EOF) when the file turns out to be truncated or
// malformed. Only the header is held in memory, never the audio.
//
// Accepted encodings are those of telephony: 16-bit linear PCM, G.711 mu-law and G.711 A-law,
// mono or stereo, 8 to 48 kHz.
package audio
