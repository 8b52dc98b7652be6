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
// extension naming the calling and called party).
//
// Unrecorded lines (the PCI DSS payment line) are enforced here, for every call: a session that
// includes one is declined with 603, and a session that is transferred to one stops recording
// at that moment.
package siprec
