package siprec

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/callvault/callvault"
)

// maxParts bounds the parts of a multipart body (SDP, metadata, and a few vendor extras).
const maxParts = 8

// body is what a SIPREC request carries: an SDP offer and/or a metadata document.
type body struct {
	sdp      []byte
	metadata []byte
}

// parseBody splits a request body by its Content-Type: application/sdp, application/rs-metadata
// (+xml), or multipart/mixed holding them. Other parts of a multipart body are ignored. It
// returns KindUnsupported for other content types and KindInvalid for malformed bodies.
func parseBody(contentType string, b []byte) (body, error) {
	if len(b) == 0 {
		return body{}, nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return body{}, callvault.Errorf(callvault.KindInvalid, "malformed Content-Type %q", contentType)
	}
	var out body
	switch {
	case mt == "application/sdp":
		out.sdp = b
	case isMetadataType(mt):
		out.metadata = b
	case mt == "multipart/mixed" || mt == "multipart/related" || mt == "multipart/alternative":
		boundary := params["boundary"]
		if boundary == "" {
			return body{}, callvault.Errorf(callvault.KindInvalid, "multipart body without a boundary parameter")
		}
		mr := multipart.NewReader(bytes.NewReader(b), boundary)
		for i := 0; ; i++ {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return body{}, callvault.Errorf(callvault.KindInvalid, "malformed multipart body: %w", err)
			}
			if i >= maxParts {
				return body{}, callvault.Errorf(callvault.KindInvalid, "multipart body has more than %d parts", maxParts)
			}
			data, err := io.ReadAll(p) // bounded by the body, itself bounded by MaxBodyBytes
			if err != nil {
				return body{}, callvault.Errorf(callvault.KindInvalid, "malformed multipart body: %w", err)
			}
			pt, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if err != nil {
				continue
			}
			switch {
			case pt == "application/sdp" && out.sdp == nil:
				out.sdp = data
			case isMetadataType(pt) && out.metadata == nil:
				out.metadata = data
			}
		}
	default:
		return body{}, callvault.Errorf(callvault.KindUnsupported, "unsupported body type %q; expected application/sdp, application/rs-metadata+xml or multipart/mixed", mt)
	}
	out.sdp = trimBody(out.sdp)
	if len(bytes.TrimSpace(out.metadata)) == 0 {
		out.metadata = nil // the raw document is kept as received for the sidecar
	}
	return out, nil
}

func isMetadataType(mt string) bool {
	return mt == "application/rs-metadata+xml" || mt == "application/rs-metadata"
}

func trimBody(b []byte) []byte {
	if b == nil {
		return nil
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return nil
	}
	return []byte(s + "\r\n")
}
