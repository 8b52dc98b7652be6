// Package siprec is callvault's SIPREC recording server (RFC 7866 signalling, RFC 7865
// metadata).
//
// A session recording client (an SBC or a hosted PBX) sends an INVITE with a multipart body of
// SDP and recording metadata. The server answers with one recvonly m-line per offered stream,
// receives the media through internal/rtp, and streams the call as one stereo WAV (caller left,
// other party right) into callvault.Archive while it happens, so no plaintext audio ever touches
// the disk. The raw metadata documents travel with the recording as its sidecar.
//
// Metadata dialects understood: RFC 7865 (urn:ietf:params:xml:ns:recording:1), the pre-RFC
// draft namespace used by Oracle/Acme Packet and Sonus/Ribbon (urn:ietf:params:xml:ns:recording,
// id/session attributes, send/recv inside participant), and the BroadWorks form
// (urn:ietf:params:xml:ns:siprec, root recording_metadata, with its broadWorksRecordingMetadata
// extension naming the recorded user and the calling and called party, whose numbers go to the
// participants they belong to: Webex Calling users appear only by an opaque id). Extensions
// read in any dialect: Metaswitch's metaswitchRecordingMetadata (call type and recorded party
// give direction and caller) and Oracle/Acme's apkt:callingParty (marks the caller).
//
// SDP is read leniently (sdpread.go): no t= line, c= only per m-line, LF-only line ends, extra
// spaces and unknown lines are accepted; only an offer with nothing to record is refused.
//
// Codecs: G.711 mu-law (PT 0) and A-law (PT 8) and G.722 (PT 9, or a dynamic type mapped to
// G722/8000), with telephone events and comfort noise; the answer offers back every accepted
// type, the audio codecs first in the offer's order, then telephone events and comfort noise. A call whose streams prefer G.722 is recorded at 16 kHz (G.711
// streams in it are upsampled), any other at 8 kHz (see internal/rtp).
//
// SRTP (srtp.go, crypto.go): RTP/SAVP m-lines keyed by SDES (RFC 4568 a=crypto;
// AES_CM_128_HMAC_SHA1_80/_32, AEAD_AES_128_GCM and the AES-256 forms) are taken over SIP over
// TLS only: the first offered line the recorder supports is answered with its tag and suite and
// a fresh key of the recorder's own. SDES over UDP or TCP (keys readable on the network) gets
// 488, and so does plain RTP when Config.RequireSRTP is set. Keys are never logged.
//
// Announcement evidence: Recording.AnnouncementPlayed is "unknown" unless the client says
// otherwise, in the INVITE's header named by Config.AnnouncementHeader (default
// X-Recording-Announcement) or in a metadata extension element (announcement,
// recording-announcement, announcementPlayed, ...). Accepted values, case-insensitive:
// "played", "yes", "true", "1", "on" give "yes"; "not-played", "notplayed", "not_played",
// "no", "false", "0", "off", "skipped" give "no"; anything else leaves "unknown". The INVITE's
// header is read after its metadata, so it wins over the metadata of the same INVITE; later
// metadata updates may change the value.
//
// Timers: over UDP the 200 OK of an INVITE or re-INVITE is retransmitted from T1 (500 ms),
// doubling up to T2 (4 s), until the ACK arrives (RFC 3261 section 13.3.1.4). Without an ACK
// the session ends (a new session stores nothing) and the client gets a BYE: a new session
// after Config.AckTimeout (5 s), releasing its RTP ports, a re-INVITE after 64*T1. One address
// may have Config.MaxPendingPerSource new sessions awaiting their ACK; more INVITEs get 503. A call
// without media for Config.RTPTimeout (never while paused or on hold) is finalised, audited
// (action "recording.ended", detail reason "rtp_timeout") and ended with a BYE carrying a
// Reason header.
//
// Pause and resume: an offer in a re-INVITE or UPDATE that sends nothing (a=inactive or
// recvonly, connection address 0.0.0.0, or port 0 on every m-line, even without a codec the
// recorder takes) pauses the recording; the next offer that sends resumes it. The API
// (Server.Pause, Resume) pauses independently; the recording goes on once neither holds it.
//
// In-dialog requests (re-INVITE, UPDATE, BYE, CANCEL, ACK) are taken only from the address
// (over TCP and TLS, the connection) that set the dialog up and with the dialog's From and To
// tags (else 403 or 481), and in CSeq order (a lower
// CSeq gets 500, RFC 3261 section 12.2.2). Each media stream takes packets from the offer's
// connection address or the address the INVITE came from (an SBC behind NAT) only, the port of
// the first packet then latched, or from the first source when neither is known; others are
// counted (rtp_packets_foreign_total, the recording's rtp_foreign attribute) and discarded.
//
// Unrecorded lines (the PCI DSS payment line) are enforced here, for every call: a session that
// includes one is declined with 603. Metadata showing one joining mid-call (a transfer) stops
// the recording, checked before anything else about the request, so a re-INVITE refused for its
// SDP (488) or for glare (491) still stops it. The recording ends at the participant's
// associate-time from the metadata, or when the metadata arrived if that is earlier; audio
// already handed to the archive (all but the last jitter delay, 200 ms) cannot be taken back,
// so the cut is never earlier than that. Everything after the cut is discarded. The session is
// no longer counted as active; it answers the client's requests (declining the streams) until
// RTPTimeout has passed, and then ends with a BYE.
//
// The gate (listen.go) meets every datagram and connection before sipgo does: sources outside
// Config.AllowFrom are dropped unread; TCP and TLS connections are capped per address and have
// deadlines on every read and write (a message must arrive whole within MessageTimeout, an
// idle connection without a live dialog lasts IdleTimeout); messages are framed and parsed, a
// malformed request is answered 400 and an oversized one 513 statelessly; refusals are logged
// as rate-limited lines with source, size and reason, never the message.
//
// A recording the archive refuses or fails to store is audited (recording.failed) as well as
// logged and counted.
package siprec
