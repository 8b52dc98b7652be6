// Package rtp receives the media of a recorded call and turns it into one stereo stream of
// 16-bit PCM, in wall-clock time.
//
// Each RTP stream is placed on the recording's timeline by its timestamps, anchored to the
// arrival time of its first packet, moved earlier while its audio is still unwritten if a later
// packet shows that first one was delayed (see anchor.go): reordered packets land where they
// belong, lost packets leave silence, and the two directions stay aligned. A stream is re-anchored to the wall clock
// when its SSRC changes, after a pause, or when its timestamps drift from the wall clock by more
// than a second (a hold, a restarted sender), so that a minute of wall-clock time is a minute of
// recording. Memory per call is one fixed ring buffer; audio leaves it for the writer (the
// archive's encrypting stream) a fixed jitter delay after it was due.
//
// Codecs: G.711 mu-law (PT 0) and A-law (PT 8), G.722 (PT 9, decoded by internal/rtp/g722),
// RFC 4733 telephone events (counted, never stored: digits may be card numbers) and comfort
// noise (silence).
//
// Sample rate: a recording has one rate for both channels, chosen when it starts (RecorderConfig.
// SampleRate). At 16 kHz (a call set up with G.722) G.711 audio is upsampled by repeating each
// sample; at 8 kHz (a call set up with G.711 that later switches to G.722) G.722 audio is
// decimated by averaging each pair of samples. So a call mixing G.722 and G.711 still gives one
// single-rate stereo file.
package rtp
