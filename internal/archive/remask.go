package archive

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audit"
)

// Masking what is already stored (`callvault pci scan`): audio stored before masking existed
// (or with masking off) may hold keyed digits. Scan reads a recording and reports its tones;
// Remask stores it again masked, as a new version: a new blob under a new file key, the row
// pointed at it with a recording.remask event holding the old and new hashes (audit verify
// follows the versions), and then the old blob deleted. The old header is overwritten in the
// row and the catalogue compacted, so even a copy of the old blob can no longer be decrypted
// (crypto-shredding).

// ScanResult is what scanning a stored recording found. It never says which digits were keyed.
type ScanResult struct {
	Recording *callvault.Recording
	Report    audio.MaskReport // what masking would change (Remask: what it changed)
	Remasked  bool             // a new version was stored
}

// Scan reads a recording (an audited open, purpose "pci scan") and reports the tones that
// masking with opts would silence.
func (s *Service) Scan(ctx context.Context, actor callvault.Actor, id string, opts audio.MaskOptions) (*ScanResult, error) {
	a, err := s.Open(ctx, actor, id, "pci scan: look for keyed digits")
	if err != nil {
		return nil, err
	}
	defer a.Close()
	wav, err := audio.NewWAVReader(io.NewSectionReader(a, 0, a.Size()))
	if err != nil {
		return nil, err
	}
	m, err := audio.NewWAVMasker(io.Discard, wav, opts)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(m, &ctxReader{ctx: ctx, r: wav}); err != nil {
		return nil, readError(err)
	}
	rep, err := finishMask(m)
	if err != nil {
		return nil, err
	}
	return &ScanResult{Recording: a.Recording(), Report: *rep}, nil
}

// Remask stores recording id again with its keyed digits masked by opts, if it has any (else
// nothing changes and Remasked is false). The new version is committed (catalogue row and
// recording.remask event, atomically) before the old blob is deleted; a failed deletion is
// logged and left to the orphan sweep, which removes blobs no row points at. KindConflict if
// the recording was changed meanwhile.
func (s *Service) Remask(ctx context.Context, actor callvault.Actor, id string, opts audio.MaskOptions) (*ScanResult, error) {
	replacer, ok := s.Catalogue.(callvault.RecordingAudioReplacer)
	if !ok {
		return nil, callvault.Errorf(callvault.KindInternal, "this catalogue cannot store a recording's audio again")
	}
	a, err := s.Open(ctx, actor, id, "pci scan: mask keyed digits")
	if err != nil {
		return nil, err
	}
	defer a.Close()
	old, err := s.Catalogue.Recording(ctx, id)
	if err != nil {
		return nil, err
	}
	sidecar, err := a.Sidecar()
	if err != nil {
		return nil, err
	}
	masking := *s
	masking.MaskDTMF = &opts
	key := nextBlobKey(old.BlobKey, id, s.now())
	st, err := masking.store(ctx, key, callvault.IngestRequest{Audio: io.NewSectionReader(a, 0, a.Size())})
	if err != nil {
		return nil, err
	}
	res := &ScanResult{Report: *st.mask}
	if len(st.mask.Masked) == 0 || st.plainSHA256 == old.PlainSHA256 {
		s.discard(key)
		res.Recording = a.Recording()
		return res, nil
	}

	next := *old
	next.BlobKey = key
	st.fill(&next)
	if err := s.sealToEpoch(&next, st.fileKey, s.now()); err != nil {
		s.discard(key)
		return nil, err
	}
	delete(next.Attributes, callvault.AttrDTMFMaskedSpans) // replaced by this masking's
	maskAttributes(&next, st.mask, st.format.SampleRate)
	next.Sidecar = nil
	if len(sidecar) > 0 {
		if next.Sidecar, err = sealSidecar(st.fileKey, sidecar); err != nil {
			s.discard(key)
			return nil, err
		}
	}
	ev := &callvault.AuditEvent{
		Time:      s.now(),
		Actor:     string(actor),
		RequestID: callvault.RequestIDFrom(ctx),
		Action:    callvault.ActionRecordingRemask,
		Object:    "recording:" + id,
		Detail: callvault.AuditDetail(map[string]any{
			audit.DetailPlainSHA256: next.PlainSHA256, audit.DetailStoredSHA256: next.StoredSHA256,
			audit.DetailPlainSize: next.PlainSize, audit.DetailHeaderSHA256: audit.HeaderSHA256(next.Header),
			audit.DetailOldPlainSHA256: old.PlainSHA256, audit.DetailOldStoredSHA256: old.StoredSHA256,
			audit.DetailOldHeaderSHA256: audit.HeaderSHA256(old.Header),
			callvault.AttrDTMFMasked:    len(st.mask.Masked), callvault.AttrCardDataKeyed: cardDataKeyed(st.mask),
		}),
	}
	if err := replacer.ReplaceRecordingAudio(ctx, &next, old.StoredSHA256, ev); err != nil {
		if !s.committedAnyway(ctx, &next, err) {
			return nil, err
		}
	}
	s.afterAudit(ctx)
	if err := s.Blobs.Delete(context.WithoutCancel(ctx), old.BlobKey); err != nil && !callvault.IsKind(err, callvault.KindNotFound) {
		s.logger().Warn("cannot delete the blob of a recording's old version; the orphan sweep will", "id", id, "key", old.BlobKey, "err", err)
	}
	s.compact(ctx)
	s.cardData(ctx, &next, st.mask, actor)
	next.Header, next.Sidecar = nil, nil
	res.Recording, res.Remasked = &next, true
	return res, nil
}

// nextBlobKey returns the key of a recording's next version: <id>.v<N>.age beside the month
// of now, N one more than the current key's.
func nextBlobKey(current, id string, now time.Time) string {
	n := 1
	name := current[strings.LastIndexByte(current, '/')+1:]
	if _, v, ok := strings.Cut(strings.TrimSuffix(name, ".age"), ".v"); ok {
		if k, err := strconv.Atoi(v); err == nil {
			n = k
		}
	}
	return strings.TrimSuffix(BlobKey(id, now), ".age") + ".v" + strconv.Itoa(n+1) + ".age"
}

// compact has the catalogue, if it can, rid its files of the old version's header (the row
// overwrote it, but a write-ahead log keeps the page as it was until a checkpoint): until then
// a copy of the files and of the old blob would give the unmasked audio back. A failure is
// logged; the retention sweep compacts again.
func (s *Service) compact(ctx context.Context) {
	c, ok := s.Catalogue.(callvault.Compactor)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	if err := c.Compact(ctx); err != nil {
		s.logger().Warn("cannot compact the catalogue after storing a recording again; the old version's key stays in its log until the retention sweep compacts it", "err", err)
	}
}
