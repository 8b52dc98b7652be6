package s3blob

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/callvault/callvault"
)

// abortTimeout bounds the cleanup of a multipart upload, which runs even when the writer's
// context is done.
const abortTimeout = 30 * time.Second

// Create starts a blob under key. Bytes are buffered up to the part size; beyond that they go up
// as parts of a multipart upload, so memory stays at one part per writer. Nothing is visible
// under key until Commit returns nil. Requests use ctx.
func (s *Store) Create(ctx context.Context, key string) (callvault.BlobWriter, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, translate(err, "create", key)
	}
	return &writer{s: s, ctx: ctx, key: key, objKey: s.objectKey(key)}, nil
}

// writer streams one blob. It is not safe for concurrent use.
type writer struct {
	s      *Store
	ctx    context.Context
	key    string
	objKey string

	buf      []byte  // bytes not yet sent, at most s.partSize
	uploadID *string // set once a multipart upload has started
	parts    []types.CompletedPart
	err      error // first failure; Commit returns it
	done     bool  // committed or cleaned up
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, callvault.Errorf(callvault.KindInvalid, "s3blob: write to %s after Commit or Abort", w.key)
	}
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		// A full buffer is sent only when more bytes follow, so a blob of exactly one part
		// still goes up with a single PutObject.
		if int64(len(w.buf)) == w.s.partSize {
			if err := w.uploadPart(); err != nil {
				w.err = err
				return n, err
			}
		}
		m := min(int(w.s.partSize)-len(w.buf), len(p))
		if w.buf == nil {
			w.buf = make([]byte, 0, min(int(w.s.partSize), max(m, 64<<10)))
		}
		w.buf = append(w.buf, p[:m]...)
		p = p[m:]
		n += m
	}
	return n, nil
}

// uploadPart sends the buffer as the next part, starting the multipart upload if needed.
func (w *writer) uploadPart() error {
	if w.uploadID == nil {
		out, err := w.s.client.CreateMultipartUpload(w.ctx, &s3.CreateMultipartUploadInput{
			Bucket:            &w.s.bucket,
			Key:               &w.objKey,
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			return translate(err, "write", w.key)
		}
		w.uploadID = out.UploadId
	}
	num := int32(len(w.parts) + 1)
	out, err := w.s.client.UploadPart(w.ctx, &s3.UploadPartInput{
		Bucket:            &w.s.bucket,
		Key:               &w.objKey,
		UploadId:          w.uploadID,
		PartNumber:        aws.Int32(num),
		Body:              bytes.NewReader(w.buf),
		ContentLength:     aws.Int64(int64(len(w.buf))),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		return translate(err, "write", w.key)
	}
	w.parts = append(w.parts, types.CompletedPart{PartNumber: aws.Int32(num), ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32})
	w.buf = w.buf[:0]
	return nil
}

// Commit sends what is buffered and makes the blob visible: one conditional PutObject for a blob
// of at most one part, otherwise the last part and a conditional CompleteMultipartUpload. It first
// checks with HeadObject that the key is free (see the package doc). If the key exists it returns
// KindConflict and the existing blob is kept. On any failure the multipart upload is aborted;
// Abort is then a no-op.
func (w *writer) Commit() error {
	if w.done {
		return callvault.Errorf(callvault.KindInvalid, "s3blob: commit %s: the writer is already finished", w.key)
	}
	err := w.commit()
	if err != nil {
		if cerr := w.cleanup(); cerr != nil {
			// The upload's parts stay until a lifecycle rule removes them; say so.
			err = callvault.WrapError(callvault.ErrorKind(err), errors.Join(err, cerr),
				callvault.ErrorMessage(err)+"; its multipart upload could not be aborted either")
		}
	}
	w.done = true
	w.buf = nil
	return err
}

func (w *writer) commit() error {
	if w.err != nil {
		return w.err
	}
	_, err := w.s.client.HeadObject(w.ctx, &s3.HeadObjectInput{Bucket: &w.s.bucket, Key: &w.objKey})
	switch err := translate(err, "commit", w.key); {
	case err == nil:
		return callvault.Errorf(callvault.KindConflict, "s3blob: blob %s already exists", w.key)
	case !callvault.IsKind(err, callvault.KindNotFound):
		return err
	}
	if w.uploadID == nil {
		_, err := w.s.client.PutObject(w.ctx, &s3.PutObjectInput{
			Bucket:            &w.s.bucket,
			Key:               &w.objKey,
			Body:              bytes.NewReader(w.buf),
			ContentLength:     aws.Int64(int64(len(w.buf))),
			IfNoneMatch:       aws.String("*"),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		return commitError(err, w.key)
	}
	if len(w.buf) > 0 {
		if err := w.uploadPart(); err != nil {
			return err
		}
	}
	_, err = w.s.client.CompleteMultipartUpload(w.ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          &w.s.bucket,
		Key:             &w.objKey,
		UploadId:        w.uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: w.parts},
		IfNoneMatch:     aws.String("*"),
	})
	return commitError(err, w.key)
}

// commitError translates the error of the final write; a failed precondition means the key was
// taken between the check and the write.
func commitError(err error, key string) error {
	err = translate(err, "commit", key)
	if callvault.IsKind(err, callvault.KindConflict) {
		return callvault.WrapError(callvault.KindConflict, err, "s3blob: blob "+key+" already exists")
	}
	return err
}

// Abort discards the buffer and aborts the multipart upload, if any. It does nothing after Commit
// or a previous Abort.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.buf = nil
	return w.cleanup()
}

// cleanup aborts the multipart upload, if one was started, even when the writer's context is done.
func (w *writer) cleanup() error {
	if w.uploadID == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), abortTimeout)
	defer cancel()
	_, err := w.s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &w.s.bucket, Key: &w.objKey, UploadId: w.uploadID})
	if err != nil {
		if apiErr := translate(err, "abort", w.key); callvault.IsKind(apiErr, callvault.KindNotFound) {
			return nil // already gone (NoSuchUpload after a completed upload)
		}
		return translate(err, "abort", w.key)
	}
	w.uploadID = nil
	return nil
}
