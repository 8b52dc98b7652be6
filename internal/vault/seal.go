package vault

import (
	"bytes"
	"io"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// Seal starts encrypting a recording to recipients. It returns the age header, which holds the
// wrapped file key and belongs in the catalogue (Recording.Header), and a WriteCloser whose
// plaintext is encrypted to dst. Only the payload (the 16-byte nonce, already written when Seal
// returns, then the STREAM chunks) reaches dst. The caller must Close w to flush the final chunk.
//
// header followed by the bytes written to dst is exactly an age file.
func Seal(dst io.Writer, recipients ...age.Recipient) (header []byte, w io.WriteCloser, err error) {
	if len(recipients) == 0 {
		return nil, nil, callvault.Errorf(callvault.KindInternal, "no recipient to seal the recording to")
	}
	sw := &splitWriter{}
	ew, err := age.Encrypt(sw, recipients...)
	if err != nil {
		return nil, nil, callvault.WrapError(callvault.KindInternal, err, "cannot encrypt the recording")
	}
	// age.Encrypt has written the header and the nonce; find where the header ends.
	head := sw.buf.Bytes()
	header, err = age.ExtractHeader(bytes.NewReader(head))
	if err != nil || !bytes.HasPrefix(head, header) {
		return nil, nil, callvault.WrapError(callvault.KindInternal, err, "cannot split the age header from the payload")
	}
	header = bytes.Clone(header)
	if _, err := dst.Write(head[len(header):]); err != nil {
		return nil, nil, callvault.WrapError(callvault.KindInternal, err, "cannot write the recording payload")
	}
	sw.dst = dst
	sw.buf = bytes.Buffer{}
	return header, ew, nil
}

// splitWriter buffers what age.Encrypt writes before it returns (header and nonce), then passes
// everything through to dst.
type splitWriter struct {
	buf bytes.Buffer
	dst io.Writer
}

func (s *splitWriter) Write(p []byte) (int, error) {
	if s.dst == nil {
		return s.buf.Write(p)
	}
	return s.dst.Write(p)
}
