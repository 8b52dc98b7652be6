package siprec

import (
	"encoding/json"
	"io"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/rtp"
)

// How the end of a session is recorded in Recording.Attributes["end_reason"].
const (
	endBYE      = "bye"
	endTimeout  = "rtp_timeout"
	endShutdown = "shutdown"
	endPCI      = "pci_stop"
	endNoAck    = "no_ack"
)

// media is one m-line of the session: its port pair and stream, or nothing when declined.
type media struct {
	pair   *rtp.Pair
	stream *rtp.Stream
	ch     channel
}

// pauseInterval is one pause, kept in Recording.Attributes["pauses"].
type pauseInterval struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
	By   string    `json:"by"`
}

// session is one recording session (one SIP dialog).
type session struct {
	srv      *Server
	callID   string
	localTag string
	created  time.Time

	mu         sync.Mutex
	remoteTag  string
	peer       netip.Addr // where the INVITE came from; media may come from it too (NAT)
	meta       *Metadata
	metaLog    metadataLog
	offer      []*offerStream
	media      []*media
	sdpID      uint64
	sdpVersion uint64
	answer     []byte
	invitePend time.Time     // when an INVITE was answered and its ACK is still due; zero if none
	ackCh      chan struct{} // closed when the ACK of the pending INVITE (CSeq ackCSeq) arrives
	ackCSeq    uint32
	acked      bool
	dlg        dialog // for the server's own requests (BYE)
	byeSent    bool
	srcPaused  bool // the client's offer made every stream inactive (pause or hold)
	apiPaused  bool
	pauses     []pauseInterval
	pciStopped bool
	finished   bool
	finishedAt time.Time
	endReason  string
	remoteCSeq uint32                 // the highest CSeq of the client's requests (RFC 3261 12.2.2)
	ingesting  bool                   // the archive has been handed the recording
	events     []callvault.AuditEvent // queued under mu, sent by unlock

	rec      *callvault.Recording
	recorder *rtp.Recorder
	pw       *io.PipeWriter
	stop     chan struct{} // closed by finish: the pump writes the tail and closes pw
	abort    error         // set before stop closes: CloseWithError instead of Close
	done     chan struct{} // closed when Ingest has returned

	lastMedia   atomic.Int64 // unix nanoseconds of the last packet, resume or offer
	retransmits atomic.Int64 // 2xx retransmissions sent (for tests and logs)
	counted     atomic.Bool  // counted in the active-sessions gauge
	retrans     retransLog   // when 2xx retransmissions and ACKs happened (for tests)
}

// expectAck marks an INVITE with CSeq cseq as answered at now and returns the channel that
// onAck closes when its ACK arrives. The caller holds mu.
func (s *session) expectAck(cseq uint32, now time.Time) <-chan struct{} {
	if s.ackCh != nil {
		close(s.ackCh) // a new offer supersedes the old one (the 491 check makes this rare)
	}
	s.invitePend = now
	s.ackCh, s.ackCSeq = make(chan struct{}), cseq
	return s.ackCh
}

// gotAck records the ACK of the INVITE with CSeq cseq. The caller holds mu.
func (s *session) gotAck(cseq uint32) {
	if s.ackCh != nil && cseq == s.ackCSeq {
		s.retrans.acked(time.Now())
		close(s.ackCh)
		s.ackCh = nil
		s.invitePend = time.Time{}
		s.acked = true
	}
}

// sessionID returns the RFC 7865 session id of the recorded call, or "".
func (s *session) sessionID() string {
	if s.meta == nil {
		return ""
	}
	return s.meta.SessionID
}

func (s *session) touch(t time.Time) { s.lastMedia.Store(t.UnixNano()) }

// paused reports whether no audio is kept right now. The caller holds mu.
func (s *session) paused() bool { return s.srcPaused || s.apiPaused }

// setPause changes one source of pause (the client's offer, or the API) and, when the session
// as a whole starts or stops being paused, pauses or resumes the recorder, records the interval
// and emits an audit event. The caller holds mu.
func (s *session) setPause(api, on bool, actor callvault.Actor, now time.Time) {
	if s.finished || s.pciStopped {
		return
	}
	was := s.paused()
	if api {
		s.apiPaused = on
	} else {
		s.srcPaused = on
	}
	is := s.paused()
	switch {
	case !was && is:
		s.recorder.Pause(now)
		s.pauses = append(s.pauses, pauseInterval{From: now.UTC(), By: string(actor)})
		s.emit(actor, callvault.ActionRecordingPause, map[string]string{"session": s.sessionID()})
	case was && !is:
		s.recorder.Resume(now)
		s.touch(now)
		if n := len(s.pauses); n > 0 && s.pauses[n-1].To.IsZero() {
			s.pauses[n-1].To = now.UTC()
		}
		s.emit(actor, callvault.ActionRecordingResume, map[string]string{"session": s.sessionID()})
	}
	s.writePauses()
}

// writePauses records the pause intervals in the recording's attributes. The caller holds mu.
func (s *session) writePauses() {
	if len(s.pauses) == 0 {
		return
	}
	b, _ := json.Marshal(s.pauses)
	s.rec.Attributes["pauses"] = string(b)
}

// applyMetadata merges a metadata document into the session's metadata, updates the recording
// from it, and stops recording if an unrecorded line has joined. The caller holds mu.
func (s *session) applyMetadata(m *Metadata, raw []byte, method string, now time.Time) {
	s.metaLog.add(method, now, raw)
	if s.meta == nil {
		s.meta = m
	} else {
		s.meta.Merge(m)
	}
	if s.finished {
		return
	}
	if _, p, hit := s.srv.unrec.matchMetadata(s.meta, s.srv.cfg.Region); hit && !s.pciStopped {
		s.stopForPCI(s.meta.associatedAt(p.ID), now)
		return
	}
	if !s.pciStopped {
		s.meta.applyTo(s.rec, s.srv.cfg.Region)
		s.applyStartTime()
		if id := s.meta.SessionID; id != "" {
			s.rec.Attributes["siprec_session_id"] = id
		}
		s.rec.Attributes["metadata_dialect"] = string(s.meta.Dialect)
	}
}

// applyStartTime records when the call began, by callvault.StartTimeRule. The recording's
// StartedAt is never the metadata's: it is the INVITE's arrival, where the recording's audio
// starts (so that EndedAt - StartedAt is the audio's length), and no clock of the client's can
// move it (a 1970 date would set retention in the past and the next sweep would delete the
// call). The metadata's start-time is kept as reported and, when plausible, is the call's
// start; otherwise the arrival is, and a note says why. The caller holds mu.
func (s *session) applyStartTime() {
	a := s.rec.Attributes
	var reported time.Time
	var zoneless bool
	if s.meta != nil {
		reported, zoneless = s.meta.StartTime, s.meta.StartTimeZoneless
	}
	st := callvault.StartTimeRule{Window: s.srv.cfg.StartWindow}.Resolve(s.created, reported, zoneless)
	a[callvault.AttrCallStartedAt] = st.At.Format(time.RFC3339Nano)
	delete(a, callvault.AttrReportedStartTime)
	delete(a, callvault.AttrStartTimeNote)
	if !st.Reported.IsZero() {
		a[callvault.AttrReportedStartTime] = s.meta.StartTimeText
		if st.Note != "" {
			a[callvault.AttrStartTimeNote] = st.Note
		}
	}
}

// stopForPCI ends the recording because an unrecorded line joined the call at joined (zero
// if the metadata does not say): the recording ends then, or now if that is earlier, or where
// the audio already written ends if that is later (it lags now by the jitter delay); what
// follows is discarded, and the event is audited. The SIP session stays up (answers decline
// the streams) so the client does not retry, until the janitor ends it. The caller holds mu.
func (s *session) stopForPCI(joined, now time.Time) {
	s.pciStopped = true
	end := s.recorder.Stop(joined, now)
	s.rec.Attributes["pci_stopped_at"] = end.UTC().Format(time.RFC3339Nano)
	s.emit(callvault.ActorSystem, callvault.ActionRecordingPCIStop, map[string]string{"session": s.sessionID(), "reason": "unrecorded line joined"})
	s.srv.log.Info("siprec: unrecorded line joined; recording stopped", "call_id", s.callID)
	s.finishLocked(endPCI, end, nil)
}

// finishLocked ends the recording: the pump writes the remaining audio and closes the stream
// (or aborts it with abort, so that nothing is stored). The caller holds mu.
func (s *session) finishLocked(reason string, now time.Time, abort error) {
	if s.finished {
		return
	}
	s.finished = true
	s.finishedAt = time.Now()
	s.endReason = reason
	if s.counted.CompareAndSwap(true, false) {
		s.srv.metrics.active.Dec() // no longer recording, whether or not the dialog lingers
	}
	if s.paused() {
		if n := len(s.pauses); n > 0 && s.pauses[n-1].To.IsZero() {
			s.pauses[n-1].To = now.UTC()
		}
		s.writePauses()
	}
	s.rec.EndedAt = now.UTC() // until the recorder says where the audio ends (closeStream)
	s.rec.Attributes["end_reason"] = reason
	if reason == endBYE || reason == endShutdown || reason == endPCI {
		// The call lasted until now (or was recorded until the PCI stop) even if its media
		// stopped earlier: the recording is padded with silence to its end, as gaps are.
		// (Without media for RTPTimeout, or never acknowledged, the call is taken to have
		// ended with its last audio.)
		s.recorder.PadTo(now)
	}
	s.rec.Attributes["channel_layout"] = s.channelLayout()
	s.recordSRTP()
	var st rtp.Stats
	for _, m := range s.media {
		if m.pair != nil {
			m.pair.Close() // the readers stop; what follows is discarded
		}
		if m.stream != nil {
			x := m.stream.Stats()
			st.Packets += x.Packets
			st.Lost += x.Lost
			st.Late += x.Late
			st.Dropped += x.Dropped
			st.Foreign += x.Foreign
			st.Events += x.Events
			st.Duplicate += x.Duplicate
		}
	}
	s.rec.Attributes["rtp_packets"] = strconv.FormatInt(st.Packets, 10)
	s.rec.Attributes["rtp_lost"] = strconv.FormatInt(st.Lost, 10)
	s.rec.Attributes["rtp_late"] = strconv.FormatInt(st.Late, 10)
	// Audio the archive was too slow to take: never expected, never silent when it happens.
	s.rec.Attributes["rtp_dropped"] = strconv.FormatInt(st.Dropped, 10)
	if st.Foreign > 0 {
		s.rec.Attributes["rtp_foreign"] = strconv.FormatInt(st.Foreign, 10)
	}
	if st.Duplicate > 0 {
		s.rec.Attributes["rtp_duplicate"] = strconv.FormatInt(st.Duplicate, 10)
	}
	if st.Events > 0 {
		s.rec.Attributes["telephone_events"] = strconv.FormatInt(st.Events, 10)
	}
	if s.metaLog.dropped > 0 {
		s.rec.Attributes["metadata_dropped"] = strconv.Itoa(s.metaLog.dropped)
	}
	s.abort = abort
	close(s.stop)
}

// pump writes due audio every tick and, once stopped, the tail of the recording; then it closes
// the pipe so Ingest can commit. It runs in its own goroutine: a slow archive blocks only it.
func (s *session) pump() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			if err := s.recorder.Flush(now); err != nil {
				<-s.stop // the archive stopped reading; wait for the end
				s.closeStream(time.Now())
				return
			}
		case <-s.stop:
			s.closeStream(time.Now())
			return
		}
	}
}

func (s *session) closeStream(now time.Time) {
	if s.abort != nil {
		s.pw.CloseWithError(s.abort)
		return
	}
	if err := s.recorder.Close(now); err != nil {
		s.pw.CloseWithError(err)
		return
	}
	// The archive reads the recording again once the audio has ended: EndedAt - StartedAt is
	// then exactly the length of the audio (StartedAt is the recorder's origin, the INVITE's
	// arrival).
	s.mu.Lock()
	s.rec.EndedAt = s.recorder.End().UTC()
	s.mu.Unlock()
	s.pw.Close()
}

// Values of Recording.Attributes["channel_layout"]: what the two channels of the recording
// hold.
const (
	layoutSplit = "split" // left: the caller; right: the other parties (either may be silent)
	layoutMixed = "mixed" // one mixed stream of the whole call, the same audio on both channels
	// layoutMixedSplit: a mixed stream on both channels, and besides it audio of one side.
	layoutMixedSplit = "mixed+split"
)

// channelLayout says what the recording's channels hold, from the channels of its streams.
// The caller holds mu.
func (s *session) channelLayout() string {
	var both, side bool
	for _, m := range s.media {
		if m.stream == nil {
			continue
		}
		switch m.ch {
		case channelBoth:
			both = true
		case channelLeft, channelRight:
			side = true
		}
	}
	switch {
	case both && side:
		return layoutMixedSplit
	case both:
		return layoutMixed
	}
	return layoutSplit
}
