package s3blob

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/callvault/callvault"
)

// blob is an open object. Each ReadAt is one ranged GetObject, conditional on the ETag seen by
// Open so that a replaced object is never read as a mix of two.
type blob struct {
	s    *Store
	ctx  context.Context
	key  string
	size int64
	etag string
}

func (b *blob) Size() int64 { return b.size }

// ReadAt follows io.ReaderAt: it returns io.EOF (unwrapped) when fewer than len(p) bytes remain.
func (b *blob) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, callvault.Errorf(callvault.KindInvalid, "s3blob: read %s at negative offset %d", b.key, off)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if off >= b.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), b.size-off)
	in := &s3.GetObjectInput{
		Bucket: &b.s.bucket,
		Key:    aws.String(b.s.objectKey(b.key)),
		Range:  aws.String(fmt.Sprintf("bytes=%d-%d", off, off+n-1)),
	}
	if b.etag != "" {
		in.IfMatch = aws.String(b.etag)
	}
	out, err := b.s.client.GetObject(b.ctx, in)
	if err != nil {
		return 0, translate(err, "read", b.key)
	}
	defer out.Body.Close()
	// A server that ignores Range answers 200 with the object from its first byte; reading that
	// as the bytes at off would hand age the wrong ciphertext.
	cr := aws.ToString(out.ContentRange)
	if !strings.HasPrefix(cr, fmt.Sprintf("bytes %d-%d/", off, off+n-1)) && !(cr == "" && off == 0 && n == b.size) {
		return 0, callvault.Errorf(callvault.KindUnavailable, "s3blob: read %s: asked the object store for bytes %d-%d and got range %q; does it support ranged GETs?", b.key, off, off+n-1, cr)
	}
	m, err := io.ReadFull(out.Body, p[:n])
	if err != nil {
		return m, callvault.WrapError(callvault.KindUnavailable, err, fmt.Sprintf("s3blob: read %s: the object store sent %d of %d bytes", b.key, m, n))
	}
	if n < int64(len(p)) {
		return int(n), io.EOF
	}
	return int(n), nil
}

// Close releases nothing: an open blob holds no connection between reads.
func (b *blob) Close() error { return nil }
