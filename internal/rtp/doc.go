// Package rtp receives the media of a recorded call and turns it into one stereo stream of
// 16-bit PCM, in wall-clock time.
//
// Each RTP stream is placed on the recording's timeline by its timestamps (not by sequence
// numbers, which only count loss), anchored to the arrival time of its first packet, moved
// earlier while its audio is still unwritten if a later packet shows that first one was
// delayed (see anchor.go): reordered packets land where they belong, lost packets leave
// silence, and the two directions stay aligned. A packet older than the newest one (by
// timestamp and sequence number) goes where its timestamp puts it or, if that audio has been
// written already, is counted late; it never moves the anchor. A stream is re-anchored to the
// wall clock when its SSRC changes, after a pause, or when a new packet's timestamp puts it more
// than half a second (driftLimit) from its arrival time (a hold, a restarted sender), so that a
// minute of wall-clock time is a minute of recording.
//
// Where two sources meet on a channel (several streams for one side of the call, a mixed
// stream on both channels) their audio is summed with saturation by one mixer (mix.go), never
// overwritten; a channel with one source holds exactly what it sent, and a duplicate packet is
// not added twice.
//
// Memory per call is one ring buffer: half a second of both channels at first (16 KiB at
// 8 kHz), doubling up to about two seconds (64 KiB) only when audio arrives beyond it (the
// writer fell behind, a sender runs ahead), and back once the writer has kept up for a few
// seconds; audio leaves it for the writer (the archive's
// encrypting stream) a fixed jitter delay after it was due. A recording may be padded to a
// given end (PadTo: the call's BYE) when its media stopped earlier.
// Silence is never buffered: a gap in the media of any length (media starting long after the
// call, both directions silent on hold) is owed to the writer as a count of silent frames. Only
// when the writer itself falls behind by more than the ring holds is audio discarded, and then
// it is counted (Stats.Dropped, Metrics.Dropped) rather than lost silently. Stop ends a
// recording at a given time (an unrecorded line joined), discarding what came after.
//
// Each stream takes packets from one source only: the address of the SDP offer or of the SIP
// peer when known (ExpectSource), with the port of the first packet from it, else the first
// source to send.
// Packets from anywhere else are counted (Stats.Foreign) and discarded.
//
// SRTP (srtp.go): with the sender's keys set (Stream.SetSRTP) every packet is authenticated and
// decrypted before the logic above sees it, per SSRC with its rollover counter; packets failing
// authentication or replaying one already taken are counted (Stats.SRTPAuthFailed,
// SRTPReplayed) and dropped, never written, and latch no source. SRTCP is not read.
//
// Codecs: G.711 mu-law (PT 0) and A-law (PT 8), G.722 (PT 9, decoded by internal/rtp/g722),
// RFC 4733 telephone events (counted, and handed to the archive's masker with their place in
// the recording by Recorder.Digits so that the audio they cover is silenced; never stored:
// digits may be card numbers) and comfort
// noise (silence). Events and comfort noise share the audio's sequence numbers and so are not
// counted as lost.
//
// Sample rate: a recording has one rate for both channels, chosen when it starts (RecorderConfig.
// SampleRate). At 16 kHz (a call set up with G.722) G.711 audio is upsampled by repeating each
// sample; at 8 kHz (a call set up with G.711 that later switches to G.722) G.722 audio is
// decimated by averaging each pair of samples. So a call mixing G.722 and G.711 still gives one
// single-rate stereo file.
package rtp
