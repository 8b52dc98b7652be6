package archive

import (
	"context"
	"io"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// Open implements callvault.Archive. The read is audited before any byte is returned: if the
// audit event cannot be committed, the recording is not opened.
func (s *Service) Open(ctx context.Context, actor callvault.Actor, id, purpose string) (callvault.Audio, error) {
	if actor == "" {
		return nil, callvault.Errorf(callvault.KindInternal, "open without an actor")
	}
	return s.OpenAudited(ctx, id, &callvault.AuditEvent{
		Actor:   string(actor),
		Action:  callvault.ActionRecordingOpen,
		Purpose: purpose,
	})
}

var _ callvault.AuditedOpener = (*Service)(nil)

// OpenAudited implements callvault.AuditedOpener: Open with the caller's event (its Time,
// RequestID and Object are filled in), appended before any byte is returned.
func (s *Service) OpenAudited(ctx context.Context, id string, ev *callvault.AuditEvent) (callvault.Audio, error) {
	if ev == nil || ev.Actor == "" || ev.Action == "" {
		return nil, callvault.Errorf(callvault.KindInternal, "open without an actor and action")
	}
	if !callvault.ValidID(id) {
		return nil, callvault.Errorf(callvault.KindInvalid, "%q is not a recording id", id)
	}
	rec, err := s.Catalogue.Recording(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.Keys.CanOpen() {
		// Refuse before auditing: nothing is read.
		_, err := s.Keys.Identity(rec.KeyEpoch)
		return nil, err
	}
	blob, err := s.Blobs.Open(ctx, rec.BlobKey)
	if err != nil {
		if callvault.IsKind(err, callvault.KindNotFound) {
			return nil, callvault.WrapError(callvault.KindInternal, err, "recording payload is missing from the blob store")
		}
		return nil, err
	}
	plain, size, err := s.Keys.Open(rec.KeyEpoch, rec.Header, blob, blob.Size())
	if err != nil {
		blob.Close()
		return nil, err
	}
	sealed := *ev
	sealed.Time, sealed.RequestID, sealed.Object = s.now(), callvault.RequestIDFrom(ctx), "recording:"+id
	if err := s.Catalogue.AppendAudit(ctx, &sealed); err != nil {
		blob.Close()
		return nil, err
	}
	s.afterAudit(ctx)
	return &openAudio{ReaderAt: plain, size: size, rec: rec, blob: blob, s: s}, nil
}

type openAudio struct {
	io.ReaderAt
	size int64
	rec  *callvault.Recording
	blob callvault.Blob
	s    *Service
}

func (a *openAudio) Size() int64 { return a.size }
func (a *openAudio) Recording() *callvault.Recording {
	r := *a.rec
	r.Header, r.Sidecar = nil, nil
	return &r
}
func (a *openAudio) Close() error { return a.blob.Close() }

func (a *openAudio) Sidecar() ([]byte, error) {
	if len(a.rec.Sidecar) == 0 {
		return nil, nil
	}
	id, err := a.s.Keys.Identity(a.rec.KeyEpoch)
	if err != nil {
		return nil, err
	}
	fileKey, err := age.DecryptHeader(a.rec.Header, id)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot unwrap the recording key")
	}
	return openSidecar(fileKey, a.rec.Sidecar)
}
