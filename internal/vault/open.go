package vault

import (
	"errors"
	"io"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

var (
	errShredded       = callvault.Errorf(callvault.KindNotFound, "recording key destroyed: the recording was crypto-shredded and cannot be opened")
	errRecipientOnly  = callvault.Errorf(callvault.KindForbidden, "this node holds only the public recipient: it can store recordings but not open them")
	errWrongKey       = "recording is sealed to a different key: none of this node's identities can open it"
	errAuthentication = "recording payload failed authentication: the stored ciphertext is corrupt, truncated or was tampered with"
)

// Open decrypts a recording for random access. header is the age header kept in the catalogue,
// payload the blob of payloadSize bytes. It returns the plaintext as a ReaderAt and its size.
// Each ReadAt reads and authenticates only the 64 KiB chunks it covers; Open itself reads the
// header's neighbourhood and the final chunk (which authenticates the size). The ReaderAt is safe
// for concurrent use.
//
// Errors: KindNotFound "recording key destroyed" for a nil header (crypto-shredded);
// KindForbidden if no identity is given (a recipient-only node) or none matches the header;
// KindInternal "recording payload failed authentication" if the payload is corrupt, at Open
// or at ReadAt; errors of the payload ReaderAt (for example KindUnavailable from a blob store)
// are returned as they are.
func Open(header []byte, payload io.ReaderAt, payloadSize int64, identities ...age.Identity) (io.ReaderAt, int64, error) {
	if header == nil {
		return nil, 0, errShredded
	}
	if len(identities) == 0 {
		return nil, 0, errRecipientOnly
	}
	if payloadSize < 0 {
		return nil, 0, callvault.Errorf(callvault.KindInternal, "negative payload size %d", payloadSize)
	}
	// Unwrap the file key from the detached header first, so that a wrong key and a corrupt
	// payload are told apart, then let DecryptReaderAt do the random access.
	fileKey, err := age.DecryptHeader(header, identities...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, 0, callvault.WrapError(callvault.KindForbidden, err, errWrongKey)
		}
		return nil, 0, callvault.WrapError(callvault.KindInternal, err, "recording header is malformed or failed authentication")
	}
	src := &concatReaderAt{head: header, tail: payload, size: int64(len(header)) + payloadSize}
	r, size, err := age.DecryptReaderAt(src, src.size, age.NewInjectedFileKeyIdentity(fileKey))
	if err != nil {
		return nil, 0, translateReadError(err)
	}
	return &plainReaderAt{r: r}, size, nil
}

// translateReadError keeps errors from the payload's ReaderAt and turns every other decryption
// failure into an authentication error.
func translateReadError(err error) error {
	var se *sourceError
	if errors.As(err, &se) {
		return se.err
	}
	return callvault.WrapError(callvault.KindInternal, err, errAuthentication)
}

// plainReaderAt translates decryption errors at read time.
type plainReaderAt struct{ r io.ReaderAt }

func (p *plainReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.r.ReadAt(b, off)
	if err != nil && err != io.EOF {
		return n, translateReadError(err)
	}
	return n, err
}

// concatReaderAt presents header followed by the payload as one age file.
type concatReaderAt struct {
	head []byte
	tail io.ReaderAt
	size int64
}

// sourceError marks an error of the payload's ReaderAt, as opposed to a decryption failure.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

func (c *concatReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, callvault.Errorf(callvault.KindInternal, "negative offset %d", off)
	}
	if off >= c.size {
		return 0, io.EOF
	}
	n := 0
	hl := int64(len(c.head))
	if off < hl {
		n = copy(p, c.head[off:])
		if n == len(p) {
			return n, nil
		}
	}
	m, err := c.tail.ReadAt(p[n:], off+int64(n)-hl)
	n += m
	if err == io.EOF || err == nil {
		if err == nil && off+int64(n) == c.size {
			return n, io.EOF
		}
		return n, err
	}
	return n, &sourceError{err: err}
}

var _ io.ReaderAt = (*concatReaderAt)(nil)
