package siprec

import (
	"bytes"
	"fmt"
	"time"
)

// maxMetadataLog bounds the raw metadata kept per call; later documents are counted, not kept.
const maxMetadataLog = 1 << 20

// metaBoundary separates the documents of a metadata log.
const metaBoundary = "callvault-siprec-metadata"

// metadataLog keeps every metadata document of a call exactly as received, for the sidecar. It
// is a MIME multipart/mixed document: one part per received document, with the SIP method and
// the time it arrived.
type metadataLog struct {
	buf     bytes.Buffer
	dropped int
}

func (l *metadataLog) add(method string, at time.Time, doc []byte) {
	if l.buf.Len()+len(doc) > maxMetadataLog {
		l.dropped++
		return
	}
	if l.buf.Len() == 0 {
		fmt.Fprintf(&l.buf, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=%s\r\n\r\n", metaBoundary)
	}
	fmt.Fprintf(&l.buf, "--%s\r\nContent-Type: application/rs-metadata+xml\r\nX-SIP-Method: %s\r\nDate: %s\r\n\r\n",
		metaBoundary, method, at.UTC().Format(time.RFC3339Nano))
	l.buf.Write(doc)
	l.buf.WriteString("\r\n")
}

// bytes returns the log, closed with the final boundary, or nil when no document came.
func (l *metadataLog) bytes() []byte {
	if l.buf.Len() == 0 {
		return nil
	}
	out := bytes.Clone(l.buf.Bytes())
	return append(out, "--"+metaBoundary+"--\r\n"...)
}
