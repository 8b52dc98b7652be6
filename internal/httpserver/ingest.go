package httpserver

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/callvault/callvault"
)

// bodyOverhead is what an upload body may carry beyond the audio limit: the metadata part,
// part headers and boundaries.
const bodyOverhead = 1 << 20

// curlExample shows a correct upload in error messages.
const curlExample = "curl -F metadata=@meta.json -F audio=@call.wav " +
	"-H 'Authorization: Bearer cv_...' https://HOST/api/v1/recordings"

// ingestResponse is the answer to a successful upload.
type ingestResponse struct {
	ID              string           `json:"id"`
	Source          callvault.Source `json:"source"`
	SourceID        string           `json:"source_id"`
	PlainSHA256     string           `json:"plain_sha256"`
	StoredSHA256    string           `json:"stored_sha256"`
	PlainSize       int64            `json:"plain_size"`
	StoredSize      int64            `json:"stored_size"`
	DurationSeconds float64          `json:"duration_seconds"`
	Codec           callvault.Codec  `json:"codec"`
	SampleRate      int              `json:"sample_rate"`
	Channels        int              `json:"channels"`
	Created         bool             `json:"created"`
	// ExpiredOnArrival is true when the recording's retention had already ended when it
	// arrived (an old call): it is stored, and the next retention sweep deletes it unless held.
	ExpiredOnArrival bool `json:"expired_on_arrival"`
	// AudioMasked says that keyed digits were silenced (setting dtmf_mask) in MaskedSpans
	// stretches: the stored audio and its hashes differ from the upload there. The recording's
	// attributes give the stretches' times.
	AudioMasked bool `json:"audio_masked,omitempty"`
	MaskedSpans int  `json:"masked_spans,omitempty"`
}

// handleIngest is POST /api/v1/recordings: a multipart/form-data body of a "metadata" part
// (JSON) and an "audio" part (WAV), streamed into the archive as it arrives. The recording's
// source is always "upload": metadata naming another source is refused with 400. It answers 201 for
// a new recording, 200 for a retry of one already stored (same source, source ID and audio), and
// 409 when a stored source ID comes with other audio.
func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	principal, ok := PrincipalFromContext(r.Context())
	if !ok || s.archive == nil || s.decodeMetadata == nil {
		s.rejectUnread(w, r, callvault.Errorf(callvault.KindInternal,
			"ingest handler misconfigured: principal %t, archive %t, decoder %t",
			ok, s.archive != nil, s.decodeMetadata != nil))
		return
	}
	if err := checkUploadType(r.Header.Get("Content-Type")); err != nil {
		s.rejectUnread(w, r, err)
		return
	}

	maxBody := s.maxUpload + bodyOverhead
	if r.ContentLength > maxBody {
		// Refused before anything is read: a client waiting for "100 Continue" never gets it.
		s.rejectUnread(w, r, callvault.Errorf(callvault.KindTooLarge,
			"the request body is larger than %s (Content-Length %d)", formatBytes(maxBody), r.ContentLength))
		return
	}
	counted := &countingReader{r: &idleReader{g: s.bodyGuard(w, r), timeout: s.uploadIdleTimeout}}
	r.Body = http.MaxBytesReader(w, counted, maxBody)
	mr, err := r.MultipartReader()
	if err != nil {
		s.rejectRead(w, r, callvault.WrapError(callvault.KindInvalid, err,
			"the multipart/form-data Content-Type needs a boundary parameter; for example: "+curlExample))
		return
	}
	parts := &uploadParts{mr: mr, body: counted, maxBody: maxBody, idleLimit: s.uploadIdleTimeout.String()}

	rec, err := parts.metadata(s.decodeMetadata)
	if err == nil {
		// An upload is source "upload" whatever its metadata claims: a recorder token must not
		// take a SIPREC (or import) source id and block the real recording.
		err = callvault.AssignSource(rec, callvault.SourceUpload)
	}
	if err != nil {
		s.rejectRead(w, r, err)
		return
	}
	audio, err := parts.audio(s.maxUpload)
	if err != nil {
		s.rejectRead(w, r, err)
		return
	}

	rec, created, err := s.archive.Ingest(r.Context(), callvault.IngestRequest{
		Actor:     principal.Actor,
		Recording: rec,
		Audio:     audio,
	})
	if err != nil {
		if audio.err != nil {
			err = audio.err // the upload was at fault, whatever the archive made of it
		}
		s.rejectRead(w, r, err)
		return
	}
	if rec == nil {
		s.rejectRead(w, r, callvault.Errorf(callvault.KindInternal, "archive returned no recording"))
		return
	}
	// Consume whatever the archive left unread (such as the closing boundary) so that the client
	// can read the answer. The body is bounded by maxBody.
	if _, err := io.Copy(io.Discard, audio); err != nil {
		w.Header().Set("Connection", "close")
	}

	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/recordings/"+url.PathEscape(rec.ID))
	writeJSON(w, status, ingestResponse{
		ID:               rec.ID,
		Source:           rec.Source,
		SourceID:         rec.SourceID,
		PlainSHA256:      rec.PlainSHA256,
		StoredSHA256:     rec.StoredSHA256,
		PlainSize:        rec.PlainSize,
		StoredSize:       rec.StoredSize,
		DurationSeconds:  rec.Duration.Seconds(),
		Codec:            rec.Codec,
		SampleRate:       rec.SampleRate,
		Channels:         rec.Channels,
		Created:          created,
		ExpiredOnArrival: rec.Attributes[callvault.AttrExpiredOnArrival] == "true",
		AudioMasked:      maskedSpans(rec) > 0,
		MaskedSpans:      maskedSpans(rec),
	})
}

// checkUploadType accepts only multipart/form-data with a boundary.
func checkUploadType(contentType string) error {
	if contentType == "" {
		return callvault.Errorf(callvault.KindUnsupported,
			"missing Content-Type: expected multipart/form-data with a metadata part and an audio part; "+
				"for example: %s", curlExample)
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "multipart/form-data" {
		return callvault.Errorf(callvault.KindUnsupported,
			"unsupported Content-Type: expected multipart/form-data with a metadata part and an audio part; "+
				"for example: %s", curlExample)
	}
	if params["boundary"] == "" {
		return callvault.Errorf(callvault.KindInvalid,
			"the multipart/form-data Content-Type has no boundary parameter; for example: %s", curlExample)
	}
	return nil
}

// maskedSpans is how many stretches of the recording's audio the archive silenced.
func maskedSpans(rec *callvault.Recording) int {
	n, _ := strconv.Atoi(rec.Attributes[callvault.AttrDTMFMasked])
	return n
}
