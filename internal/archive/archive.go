package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/vault"
)

// BlobPrefix is where recordings live in the blob store.
const BlobPrefix = "recordings/"

// Store is what the archive needs of the catalogue: the recordings and the audit log.
type Store interface {
	callvault.RecordingStore
	AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error
}

// Service implements callvault.Archive over a catalogue, a blob store and the vault keys.
type Service struct {
	Catalogue Store
	Blobs     callvault.BlobStore
	Keys      *vault.Keys
	// RetentionMonths sets RetainUntil = StartedAt + RetentionMonths when the caller left it zero.
	RetentionMonths int
	// Retention, if set, gives the months instead of RetentionMonths: the period in force on
	// every node (retention.Setting: the stored setting, else the configuration's).
	Retention RetentionPeriod
	// MaskDTMF, if set, silences keyed digits (DTMF tones) in the audio before it is hashed
	// and encrypted (see mask.go); nil stores the audio exactly as received.
	MaskDTMF *audio.MaskOptions
	// OnCardData, if set, is called after a recording in which a card-like number was keyed
	// is committed (the DPO alert, internal/pci); its error is logged.
	OnCardData func(ctx context.Context, r *callvault.Recording, actor callvault.Actor) error
	// AfterAudit, if set, is called after every committed audit event (for checkpointing).
	AfterAudit func(ctx context.Context)
	Logger     *slog.Logger
	Now        func() time.Time
}

var _ callvault.Archive = (*Service)(nil)

// RetentionPeriod says how many calendar months recordings are kept (retention.Setting).
type RetentionPeriod interface {
	Months(ctx context.Context) (int, error)
}

// retentionMonths is the period a recording arriving now is kept for.
func (s *Service) retentionMonths(ctx context.Context) (int, error) {
	months := s.RetentionMonths
	if s.Retention != nil {
		m, err := s.Retention.Months(ctx)
		if err != nil {
			return 0, err
		}
		months = m
	}
	if months <= 0 {
		months = 6
	}
	return months, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Service) afterAudit(ctx context.Context) {
	if s.AfterAudit != nil {
		s.AfterAudit(ctx)
	}
}

// BlobKey returns the blob key of a recording ID: recordings/YYYY/MM/<id>.age, by creation month.
func BlobKey(id string, created time.Time) string {
	return BlobPrefix + created.UTC().Format("2006/01") + "/" + id + ".age"
}

// IDFromBlobKey returns the recording ID of a blob key made by BlobKey (or by Remask: <id>.vN.age),
// or "" if key is not one.
func IDFromBlobKey(key string) string {
	if !strings.HasPrefix(key, BlobPrefix) || !strings.HasSuffix(key, ".age") {
		return ""
	}
	id := key[strings.LastIndexByte(key, '/')+1 : len(key)-len(".age")]
	if base, v, ok := strings.Cut(id, ".v"); ok && v != "" && strings.Trim(v, "0123456789") == "" {
		id = base // a later version of the recording's audio (remask.go)
	}
	if !callvault.ValidID(id) {
		return ""
	}
	return id
}

func checkRequest(req callvault.IngestRequest) error {
	r := req.Recording
	switch {
	case r == nil:
		return callvault.Errorf(callvault.KindInvalid, "recording metadata is missing")
	case req.Audio == nil:
		return callvault.Errorf(callvault.KindInvalid, "audio is missing")
	case !r.Source.Valid():
		return callvault.Errorf(callvault.KindInvalid, "source %q is not one of upload, siprec, import", r.Source)
	case r.SourceID == "":
		return callvault.Errorf(callvault.KindInvalid, "source_id is required: it makes retries idempotent")
	case r.StartedAt.IsZero():
		return callvault.Errorf(callvault.KindInvalid, "started_at is required")
	case req.Actor == "":
		return callvault.Errorf(callvault.KindInternal, "ingest without an actor")
	}
	return nil
}

// Ingest implements callvault.Archive.
func (s *Service) Ingest(ctx context.Context, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
	if err := checkRequest(req); err != nil {
		return nil, false, err
	}
	if r, err := s.Catalogue.RecordingBySource(ctx, req.Recording.Source, req.Recording.SourceID); err == nil {
		return s.retry(ctx, r, req)
	} else if !callvault.IsKind(err, callvault.KindNotFound) {
		return nil, false, err
	}

	created := s.now().UTC()
	id := callvault.NewID()
	key := BlobKey(id, created)
	stored, err := s.store(ctx, key, req)
	if err != nil {
		return nil, false, err
	}

	rec := *req.Recording // read again now that the audio has ended
	rec.ID = id
	rec.BlobKey = key
	rec.CreatedAt = created.Truncate(time.Microsecond)
	stored.fill(&rec)
	maskAttributes(&rec, stored.mask, stored.format.SampleRate)
	if rec.AnnouncementPlayed == "" {
		rec.AnnouncementPlayed = callvault.AnnouncementUnknown
	}
	if rec.EndedAt.IsZero() {
		rec.EndedAt = rec.StartedAt.Add(rec.Duration)
	}
	if rec.RetainUntil.IsZero() {
		months, err := s.retentionMonths(ctx)
		if err != nil {
			return nil, false, err
		}
		rec.RetainUntil = callvault.RetentionEnd(rec.StartedAt, months, nil) // calendar months in Europe/London, month-end rule
	}
	normalizeTimes(&rec)
	expired := flagExpiredOnArrival(&rec, created)
	if expired {
		s.logger().Warn("recording expired on arrival: its retention ended before it arrived; it is stored and flagged",
			"id", id, "source", rec.Source, "started_at", rec.StartedAt, "retain_until", rec.RetainUntil)
	}
	if err := s.sealToEpoch(&rec, stored.fileKey, created); err != nil {
		s.discard(key)
		return nil, false, err
	}
	if req.Sidecar != nil {
		if doc := req.Sidecar(); len(doc) > 0 {
			if rec.Sidecar, err = sealSidecar(stored.fileKey, doc); err != nil {
				s.discard(key)
				return nil, false, err
			}
		}
	}

	detail := map[string]any{
		"source": rec.Source, "source_id": rec.SourceID, "plain_sha256": rec.PlainSHA256,
		"stored_sha256": rec.StoredSHA256, "plain_size": rec.PlainSize, "call_id": rec.Attributes["sip_call_id"],
		// The wrapped file key: audit verify checks the catalogue's header against it.
		audit.DetailHeaderSHA256: audit.HeaderSHA256(rec.Header),
		callvault.AttrDTMFMasked: maskedCount(stored.mask), callvault.AttrCardDataKeyed: cardDataKeyed(stored.mask),
	}
	if expired {
		detail[callvault.AttrExpiredOnArrival] = true
		detail["retain_until"] = rec.RetainUntil.UTC().Format(time.RFC3339)
	}
	ev := &callvault.AuditEvent{
		Time:      s.now(),
		Actor:     string(req.Actor),
		RequestID: callvault.RequestIDFrom(ctx),
		Action:    callvault.ActionRecordingIngest,
		Object:    "recording:" + id,
		Detail:    callvault.AuditDetail(detail),
	}
	if err := s.commit(ctx, &rec, ev); err != nil {
		if callvault.IsKind(err, callvault.KindConflict) {
			// Nothing was written: another request with the same (source, source id) committed
			// between our check above and our commit.
			s.discard(key)
			return s.lostRace(ctx, &rec, err)
		}
		if !s.committedAnyway(ctx, &rec, err) {
			return nil, false, err
		}
	}
	s.afterAudit(ctx)
	s.cardData(ctx, &rec, stored.mask, req.Actor)
	rec.Sidecar = nil
	return &rec, true, nil
}

// flagExpiredOnArrival marks rec (callvault.AttrExpiredOnArrival) when its retention ended
// before it arrived at now: an old call imported or uploaded late is stored and reported, never
// silently expired. The retention sweep deletes it like any other expired recording unless it
// is held. It reports whether rec was flagged.
func flagExpiredOnArrival(rec *callvault.Recording, now time.Time) bool {
	if rec.RetainUntil.After(now) {
		return false
	}
	attrs := make(map[string]string, len(rec.Attributes)+1) // the caller's map is not ours to change
	for k, v := range rec.Attributes {
		attrs[k] = v
	}
	attrs[callvault.AttrExpiredOnArrival] = "true"
	rec.Attributes = attrs
	return true
}

// commitTimeout bounds the catalogue commit of an ingest and the lookups that settle its
// outcome, which no longer follow the request's context.
const commitTimeout = 30 * time.Second

// commit creates the catalogue row and its audit event. The blob is committed by now, so the
// commit runs to its end even if the client goes away: a commit cut short by a cancelled
// request can have committed on the server while reporting an error.
func (s *Service) commit(ctx context.Context, rec *callvault.Recording, ev *callvault.AuditEvent) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	return s.Catalogue.CreateRecording(ctx, rec, ev)
}

// committedAnyway settles a commit that failed with err (not a conflict). A database can commit
// and still report an error (a connection lost during COMMIT), so the row is looked up: if it is
// there, the recording is stored and committedAnyway reports true. Otherwise the blob is
// discarded only when err says for certain that nothing was written; when the outcome is
// unclear, or the lookup fails, the blob stays for the orphan sweep, which removes blobs without
// a row after a grace period and so can never remove the audio of a row committed late.
func (s *Service) committedAnyway(ctx context.Context, rec *callvault.Recording, err error) bool {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	r, lerr := s.Catalogue.Recording(lctx, rec.ID)
	switch {
	case lerr == nil && r.BlobKey == rec.BlobKey:
		s.logger().Warn("the catalogue reported an error for a commit that went through; the recording is stored",
			"id", rec.ID, "err", err)
		return true
	case lerr == nil, callvault.IsKind(lerr, callvault.KindNotFound):
		if certainFailure(err) {
			s.discard(rec.BlobKey)
		} else {
			s.logger().Warn("ingest commit failed with an unclear outcome; the blob is left for the orphan sweep",
				"id", rec.ID, "key", rec.BlobKey, "err", err)
		}
	default:
		s.logger().Warn("cannot tell whether an ingest commit went through; the blob is left for the orphan sweep",
			"id", rec.ID, "key", rec.BlobKey, "err", err, "lookup_err", lerr)
	}
	return false
}

// certainFailure reports whether a CreateRecording error means the store wrote nothing: the
// request was refused before or by the database. Unavailable and internal errors may come from
// a COMMIT whose outcome the store never learnt.
func certainFailure(err error) bool {
	switch callvault.ErrorKind(err) {
	case callvault.KindInvalid, callvault.KindConflict, callvault.KindTooLarge:
		return true
	}
	return false
}

// lostRace answers an ingest whose commit found its (source, source id) taken by a concurrent
// request (err is that conflict): the same audio is a retry and gets the stored recording;
// other audio is refused, as retry does, so that it is never acknowledged and thrown away.
func (s *Service) lostRace(ctx context.Context, rec *callvault.Recording, err error) (*callvault.Recording, bool, error) {
	r, err2 := s.Catalogue.RecordingBySource(ctx, rec.Source, rec.SourceID)
	switch {
	case err2 == nil:
		if r.PlainSHA256 != rec.PlainSHA256 {
			return nil, false, differentAudio(r, rec.PlainSHA256)
		}
		return r, false, nil
	case callvault.IsKind(err2, callvault.KindNotFound):
		return nil, false, callvault.WrapError(callvault.KindConflict, err,
			"this recording ("+string(rec.Source)+" "+rec.SourceID+") was stored before and has been deleted; it is not stored again")
	}
	return nil, false, err2
}

// retry answers a second ingest of a stored (source, source id): the same audio is an
// idempotent retry and returns the stored recording; different audio is a conflict, since two
// recordings cannot share one source id and silently keeping either would lose evidence.
func (s *Service) retry(ctx context.Context, stored *callvault.Recording, req callvault.IngestRequest) (*callvault.Recording, bool, error) {
	h := sha256.New()
	if err := s.maskedHash(h, &ctxReader{ctx: ctx, r: req.Audio}); err != nil {
		return nil, false, readError(err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != stored.PlainSHA256 {
		return nil, false, differentAudio(stored, got)
	}
	return stored, false, nil
}

// differentAudio is the conflict of audio whose SHA-256 is got under the source id of stored.
func differentAudio(stored *callvault.Recording, got string) error {
	return callvault.Errorf(callvault.KindConflict,
		"%s %s was already stored with different audio (sha256 %s, this upload %s); give each recording its own source_id",
		stored.Source, stored.SourceID, stored.PlainSHA256, got)
}

// discard removes a blob whose recording will not be committed. Failure leaves an orphan that
// CleanOrphans removes at the next start.
func (s *Service) discard(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Blobs.Delete(ctx, key); err != nil {
		s.logger().Warn("cannot remove the blob of an uncommitted recording; it will be cleaned up as an orphan", "key", key, "err", err)
	}
}

// storedAudio is what streaming the audio into the blob store produced.
type storedAudio struct {
	fileKey      []byte
	format       audio.Format
	duration     time.Duration
	plainSize    int64
	plainSHA256  string
	storedSize   int64
	storedSHA256 string
	mask         *audio.MaskReport // nil when masking is off
}

func (st *storedAudio) fill(r *callvault.Recording) {
	r.Codec = st.format.Codec
	r.SampleRate = st.format.SampleRate
	r.Channels = st.format.Channels
	r.Duration = st.duration
	r.PlainSize = st.plainSize
	r.PlainSHA256 = st.plainSHA256
	r.StoredSize = st.storedSize
	r.StoredSHA256 = st.storedSHA256
}

// store streams req.Audio through the WAV validator and the encryptor into a new blob and commits
// it. On any error the blob is aborted and nothing is left behind.
func (s *Service) store(ctx context.Context, key string, req callvault.IngestRequest) (st *storedAudio, err error) {
	wav, err := audio.NewWAVReader(req.Audio)
	if err != nil {
		return nil, err
	}
	bw, err := s.Blobs.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			bw.Abort()
		}
	}()
	stored, plain := newAsyncHash(), newAsyncHash()
	defer stored.Sum() // ends the hashing goroutines on every path
	defer plain.Sum()
	// The recording's key epoch depends on when the call started, which a live capture may
	// settle only at its end: the header is made then (sealToEpoch), from the file key.
	fileKey, enc, err := vault.SealDeferred(io.MultiWriter(bw, stored))
	if err != nil {
		return nil, err
	}
	dst, masker, err := s.maskWriter(io.MultiWriter(enc, plain), wav, req.Digits)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, 64<<10)
	if _, err := io.CopyBuffer(dst, &ctxReader{ctx: ctx, r: wav}, buf); err != nil {
		return nil, readError(err)
	}
	mask, err := finishMask(masker)
	if err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot finish encrypting the recording")
	}
	if err := bw.Commit(); err != nil {
		return nil, err
	}
	return &storedAudio{
		fileKey:      fileKey,
		format:       wav.Format(),
		duration:     wav.Duration(),
		plainSize:    plain.n,
		plainSHA256:  plain.Sum(),
		storedSize:   stored.n,
		storedSHA256: stored.Sum(),
		mask:         mask,
	}, nil
}

// readError keeps the Kind of errors from the audio reader (validation, size limits, a client
// that went away) and classifies anything else.
func readError(err error) error {
	var e *callvault.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return callvault.WrapError(callvault.KindUnavailable, err, "upload interrupted")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return callvault.WrapError(callvault.KindInvalid, err, "audio ended unexpectedly")
	}
	return callvault.WrapError(callvault.KindInvalid, err, "cannot read the audio")
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// sealToEpoch wraps the recording's file key to the recipient of its key epoch: the month in
// which its retention ends (callvault.EpochFor; the current month for a recording that arrives
// already expired). Every header is sealed to a month epoch, never to the long-lived vault key,
// so that destroying the month's identity makes it unreadable in every copy of the catalogue.
//
// A recorder-only node whose catalogue records no epoch at all seals to the vault key, as
// before key epochs, and says so; the key-epochs job of a node with the key directory moves
// such recordings into their epochs.
func (s *Service) sealToEpoch(rec *callvault.Recording, fileKey []byte, now time.Time) error {
	epoch := callvault.EpochFor(rec.RetainUntil, now)
	if !s.Keys.SealsToEpochs() {
		s.logger().Warn("no key epoch is known to this recorder-only node: the recording is sealed to the vault key until a node with the key directory moves it into its epoch",
			"id", rec.ID, "epoch", epoch)
		epoch = vault.VaultEpoch
	}
	r, err := s.Keys.Recipient(epoch)
	if err != nil {
		return callvault.PrefixError(err, "cannot seal the recording to its key epoch")
	}
	header, err := vault.WrapFileKey(fileKey, r)
	if err != nil {
		return err
	}
	rec.KeyEpoch, rec.Header = epoch, header
	return nil
}

// normalizeTimes stores every time in UTC at microsecond precision, which every catalogue keeps.
func normalizeTimes(r *callvault.Recording) {
	for _, t := range []*time.Time{&r.StartedAt, &r.EndedAt, &r.RetainUntil, &r.CreatedAt} {
		if !t.IsZero() {
			*t = t.UTC().Truncate(time.Microsecond)
		}
	}
}
