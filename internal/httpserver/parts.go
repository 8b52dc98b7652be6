package httpserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/callvault/callvault"
)

// Part names of an upload, in the only order accepted.
const (
	partMetadata = "metadata"
	partAudio    = "audio"
)

// maxMetadataBytes limits the metadata part.
const maxMetadataBytes = 64 << 10

// uploadParts walks an upload's multipart body: exactly a metadata part, then an audio part,
// then the closing boundary. It reads straight from the request body; nothing is buffered
// beyond the metadata part, and nothing touches disk.
type uploadParts struct {
	mr        *multipart.Reader
	body      *countingReader // the request body under the multipart reader
	maxBody   int64
	idleLimit string // the upload idle timeout, for messages
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// next returns the next part, nil at the closing boundary, or a callvault error.
func (u *uploadParts) next() (*multipart.Part, error) {
	p, err := u.mr.NextPart()
	switch {
	case err == nil:
		return p, nil
	case err == io.EOF: // exactly io.EOF: the closing boundary was read
		return nil, nil
	case errors.Is(err, io.EOF) && u.body.n == 0:
		return nil, callvault.Errorf(callvault.KindInvalid,
			"the request body is empty: send a %q part (JSON) followed by an %q part (WAV)", partMetadata, partAudio)
	}
	return nil, u.readError(err, "the multipart body")
}

// readError classifies an error met while reading the body into a callvault error.
func (u *uploadParts) readError(err error, what string) error {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return callvault.WrapError(callvault.KindTooLarge, err,
			fmt.Sprintf("the request body is larger than %s", formatBytes(u.maxBody)))
	case isTimeout(err):
		return callvault.WrapError(callvault.KindInvalid, err,
			fmt.Sprintf("reading %s: the upload stalled (nothing received for %s)", what, u.idleLimit))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return callvault.WrapError(callvault.KindInvalid, err, fmt.Sprintf("reading %s: the body ended early "+
			"or its boundary lines do not match the boundary declared in Content-Type", what))
	}
	return callvault.WrapError(callvault.KindInvalid, err, fmt.Sprintf("reading %s: malformed multipart body: %s",
		what, truncate(err.Error(), 200)))
}

// metadata reads the first part, which must be the metadata, and decodes it.
func (u *uploadParts) metadata(decode func(io.Reader) (*callvault.Recording, error)) (*callvault.Recording, error) {
	p, err := u.next()
	if err != nil {
		return nil, err
	}
	switch name := partName(p); {
	case p == nil:
		return nil, callvault.Errorf(callvault.KindInvalid,
			"missing %q part: the multipart body has no parts; send metadata (JSON), then audio (WAV)", partMetadata)
	case name == partAudio:
		return nil, callvault.Errorf(callvault.KindInvalid,
			"the %q part came before the %q part: send metadata first, then audio", partAudio, partMetadata)
	case name != partMetadata:
		return nil, unknownPart(name, "as the first part")
	}
	buf, err := io.ReadAll(io.LimitReader(p, maxMetadataBytes+1))
	if err != nil {
		return nil, u.readError(err, "the metadata part")
	}
	switch {
	case len(buf) > maxMetadataBytes:
		return nil, callvault.Errorf(callvault.KindTooLarge, "the %q part is larger than %s",
			partMetadata, formatBytes(maxMetadataBytes))
	case len(buf) == 0:
		return nil, callvault.Errorf(callvault.KindInvalid, "the %q part is empty", partMetadata)
	}
	rec, err := decode(bytes.NewReader(buf))
	switch {
	case err != nil && callvault.ErrorKind(err) == callvault.KindInternal:
		var e *callvault.Error
		if errors.As(err, &e) { // the decoder says it failed itself
			return nil, err
		}
		// A decoder error without a Kind is about the input.
		return nil, callvault.WrapError(callvault.KindInvalid, err,
			"invalid metadata: "+truncate(err.Error(), 300))
	case err != nil:
		return nil, err
	case rec == nil:
		return nil, callvault.Errorf(callvault.KindInternal, "the metadata decoder returned no recording")
	}
	return rec, nil
}

// audio returns the second part, which must be the audio, as a reader limited to maxAudio bytes
// that reports io.EOF only after the closing boundary.
func (u *uploadParts) audio(maxAudio int64) (*audioReader, error) {
	p, err := u.next()
	if err != nil {
		return nil, err
	}
	switch name := partName(p); {
	case p == nil:
		return nil, callvault.Errorf(callvault.KindInvalid,
			"missing %q part: the body ended after the %q part", partAudio, partMetadata)
	case name == partMetadata:
		return nil, callvault.Errorf(callvault.KindInvalid,
			"duplicated %q part: send it once, followed by the %q part", partMetadata, partAudio)
	case name != partAudio:
		return nil, unknownPart(name, "after the metadata part")
	}
	return &audioReader{parts: u, part: p, remaining: maxAudio, max: maxAudio}, nil
}

// audioReader is the audio part as the archive reads it. It fails with KindTooLarge once more
// than max bytes arrive, and returns io.EOF only when the multipart body ends properly after
// the part, so the archive commits nothing for a truncated or malformed upload.
type audioReader struct {
	parts     *uploadParts
	part      *multipart.Part
	remaining int64
	max       int64
	err       error // the first failure, returned from then on
	eof       bool
}

func (a *audioReader) Read(p []byte) (int, error) {
	switch {
	case a.err != nil:
		return 0, a.err
	case a.eof:
		return 0, io.EOF
	}
	if int64(len(p)) > a.remaining+1 {
		p = p[:a.remaining+1] // one byte more than allowed reveals an oversized part
	}
	n, err := a.part.Read(p)
	if int64(n) > a.remaining {
		a.err = callvault.Errorf(callvault.KindTooLarge, "the %q part is larger than the limit of %s",
			partAudio, formatBytes(a.max))
		return int(a.remaining), a.err
	}
	a.remaining -= int64(n)
	switch {
	case err == nil:
		return n, nil
	case err != io.EOF:
		a.err = a.parts.readError(err, "the audio part")
		return n, a.err
	}
	next, err := a.parts.next()
	switch name := partName(next); {
	case err != nil:
		a.err = err
	case next == nil:
		a.eof = true
		return n, io.EOF
	case name == partAudio:
		a.err = callvault.Errorf(callvault.KindInvalid, "duplicated %q part: send exactly one", partAudio)
	case name == partMetadata:
		a.err = callvault.Errorf(callvault.KindInvalid,
			"a %q part follows the %q part: send metadata once, before the audio", partMetadata, partAudio)
	default:
		a.err = unknownPart(name, "after the audio part (nothing may follow it)")
	}
	return n, a.err
}

// partName is p's form name, "" for no part or a part without one.
func partName(p *multipart.Part) string {
	if p == nil {
		return ""
	}
	return p.FormName()
}

func unknownPart(name, where string) error {
	if name == "" {
		return callvault.Errorf(callvault.KindInvalid, "a part without a form name %s: every part needs "+
			"'Content-Disposition: form-data; name=...' with name %q or %q", where, partMetadata, partAudio)
	}
	return callvault.Errorf(callvault.KindInvalid, "unknown part %q %s: expected %q, then %q",
		truncate(name, 64), where, partMetadata, partAudio)
}
