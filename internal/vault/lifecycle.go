package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/callvault/callvault"
)

// EpochCatalogue is what the key epoch lifecycle needs of a catalogue: both of callvault's
// backends are one.
type EpochCatalogue interface {
	callvault.RecordingStore
	callvault.AuditStore
	callvault.KeyStore
	callvault.EpochStore
}

// Defaults of Epochs.
const (
	// DefaultHorizon is how many months ahead of the current one the recipients of month
	// epochs are recorded: retention (6 months by default) plus room for longer settings.
	DefaultHorizon = 36
	// DefaultDestroyGrace is how long after its month ends an epoch waits before it may be
	// destroyed: an ingest that chose its epoch just before midnight commits after it.
	DefaultDestroyGrace = 24 * time.Hour
)

// Epochs runs the life of key epochs over a catalogue: recording recipients ahead of need,
// learning and honouring destructions (Sync), destroying ended epochs (DestroyEnded), and
// re-wrapping headers (Rewrap, MigrateVaultKey). Every change is audited in the transaction
// that makes it. Methods are safe for concurrent use and across nodes.
type Epochs struct {
	Keys      *Keys
	Catalogue EpochCatalogue
	// Horizon is how many months after the current one Sync records (DefaultHorizon if 0).
	Horizon int
	// NoRecord makes Sync only read the catalogue, never record recipients (a migration's
	// source, which must not change).
	NoRecord bool
	// DestroyGrace: see DefaultDestroyGrace (used if 0).
	DestroyGrace time.Duration
	// AfterAudit, if set, is called after each committed audit event (for checkpointing).
	AfterAudit func(ctx context.Context)
	// AfterDestroyRecorded, if set, is called once the catalogue records an epoch's
	// destruction and before this node deletes its copy of the identity: the window a crash
	// can fall in, which the next Sync (at start, at every job run) closes. Crash tests stop
	// the process there.
	AfterDestroyRecorded func(ctx context.Context, epoch string)
	Logger               *slog.Logger
	Now                  func() time.Time
}

func (s *Epochs) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Epochs) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func (s *Epochs) afterAudit(ctx context.Context) {
	if s.AfterAudit != nil {
		s.AfterAudit(ctx)
	}
}

func fingerprint(public string) string {
	sum := sha256.Sum256([]byte(public))
	return hex.EncodeToString(sum[:8])
}

// Sync brings this node's keys in line with the catalogue; call it at start and at every job
// run. A node with the key directory first records, audited, the recipients of the hold key and
// of every month from the current one to Horizon months ahead that the catalogue lacks (so
// recorder-only nodes can seal to them). Then every node loads the recorded recipients and the
// destructions, refuses keys that differ from the record (KindConflict), and deletes its own
// copy of every destroyed epoch's identity. It returns the epochs whose secrets it removed.
func (s *Epochs) Sync(ctx context.Context) (removed []string, err error) {
	cat := s.Catalogue
	destroyed, err := cat.DestroyedEpochs(ctx)
	if err != nil {
		return nil, err
	}
	// The recorded recipients first: moving the ratchet past a destroyed month keeps the live
	// months before it as files only if it knows them. A node that has just started knows none
	// yet, and a month destroyed out of order (an earlier one still sealing a live recording)
	// would otherwise take the earlier month's identity with it.
	recorded, err := cat.VaultKeys(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Keys.UseCatalogue(recorded, destroyed); err != nil {
		return nil, err
	}
	// Honour destructions before anything else: a node never derives or records a destroyed
	// epoch again.
	if removed, err = s.Keys.ApplyDestructions(destroyed); err != nil {
		// The keys refuse destroyed epochs from now on all the same; the copy on disk must go.
		s.logger().Error("cannot delete destroyed key epochs from the key directory; make it writable for this node (or let a node that can write it run)",
			"err", err)
	}
	for _, ep := range removed {
		s.logger().Info("key epoch identity deleted from this node's key directory: the epoch was destroyed", "epoch", ep)
	}
	if s.Keys.HasEpochSeed() && !s.NoRecord {
		if err := s.recordAhead(ctx); err != nil {
			return removed, err
		}
	}
	if recorded, err = cat.VaultKeys(ctx); err != nil {
		return removed, err
	}
	return removed, s.Keys.UseCatalogue(recorded, destroyed)
}

func (s *Epochs) recordAhead(ctx context.Context) error {
	horizon := s.Horizon
	if horizon <= 0 {
		horizon = DefaultHorizon
	}
	want, err := s.Keys.EpochKeys(s.now(), horizon)
	if err != nil {
		return err
	}
	recorded, err := s.Catalogue.VaultKeys(ctx)
	if err != nil {
		return err
	}
	have := map[string]string{}
	for _, k := range recorded {
		if k.Kind == callvault.VaultKeyRecipient {
			have[k.Epoch] = k.Public
		}
	}
	var missing []*callvault.VaultKey
	var detail []map[string]string
	for _, k := range want {
		pub, ok := have[k.Epoch]
		switch {
		case !ok:
			missing = append(missing, k)
			detail = append(detail, map[string]string{"epoch": k.Epoch, "sha256": fingerprint(k.Public)})
		case pub != k.Public:
			return callvault.Errorf(callvault.KindConflict,
				"the catalogue records another recipient for key epoch %s than this key directory derives: its epochs/ is not this vault's (copy it from a node of this vault)", k.Epoch)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	ev := &callvault.AuditEvent{Time: s.now(), Actor: string(callvault.ActorSystem), Action: callvault.ActionKeyRecord,
		Object: "vault", Detail: callvault.AuditDetail(map[string]any{"keys": detail})}
	err = s.Catalogue.AddVaultKeys(ctx, missing, ev)
	if callvault.IsKind(err, callvault.KindConflict) {
		return nil // another node recorded them first; Sync's UseCatalogue checks they are ours
	}
	if err == nil {
		s.afterAudit(ctx)
	}
	return err
}

// Rewrap re-wraps rec's file key to epoch to (a month epoch, callvault.HoldEpoch, or "" only
// never: the vault key is being retired) and records it: the catalogue row's header and key
// epoch change and a recording.rewrap event with the previous and new header hashes is appended
// in the same transaction (audit verify follows them). Headers only: the audio is not read.
// actor and reason go into the event (for example "system", "hold placed: case 12").
// It returns the recording as stored now.
//
// rec must be as read from the catalogue (its Header is compared and swapped). Errors:
// KindNotFound if the recording is gone or its epoch's identity is (destroyed); KindConflict if
// its header changed meanwhile or to is destroyed; KindForbidden on a recorder-only node.
func (s *Epochs) Rewrap(ctx context.Context, rec *callvault.Recording, to, actor, reason string) (*callvault.Recording, error) {
	if to == VaultEpoch || !callvault.ValidEpoch(to) {
		return nil, callvault.Errorf(callvault.KindInvalid, "cannot re-wrap to key epoch %q: use a month epoch or %s", to, callvault.HoldEpoch)
	}
	if rec.KeyEpoch == to {
		return rec, nil
	}
	from, err := s.Keys.Identity(rec.KeyEpoch)
	if err != nil {
		return nil, err
	}
	r, err := s.Keys.Recipient(to)
	if err != nil {
		return nil, err
	}
	header, err := Rewrap(rec.Header, from, r)
	if err != nil {
		return nil, err
	}
	ev := &callvault.AuditEvent{Time: s.now(), Actor: actor, RequestID: callvault.RequestIDFrom(ctx),
		Action: callvault.ActionRecordingRewrap, Object: "recording:" + rec.ID,
		Detail: callvault.AuditDetail(map[string]any{
			"from_epoch": rec.KeyEpoch, "to_epoch": to, "reason": reason,
			callvault.DetailPrevHeaderSHA256: headerSHA256(rec.Header), callvault.DetailHeaderSHA256: headerSHA256(header),
		})}
	if err := s.Catalogue.RewrapRecording(ctx, rec.ID, rec.Header, to, header, ev); err != nil {
		return nil, err
	}
	s.afterAudit(ctx)
	out := *rec
	out.Header, out.KeyEpoch = header, to
	return &out, nil
}

func headerSHA256(h []byte) string {
	sum := sha256.Sum256(h)
	return hex.EncodeToString(sum[:])
}

// EpochFor returns the epoch rec belongs in now: callvault.EpochFor of its RetainUntil.
func (s *Epochs) EpochFor(rec *callvault.Recording) string {
	return callvault.EpochFor(rec.RetainUntil, s.now())
}

// Misplaced reports why rec's header must move to another epoch now, or "" if it need not:
// it is sealed to the vault key (stored before key epochs), or to a month other than the one
// its RetainUntil gives (its retention setting changed, or a crash came between the change and
// the re-wrap), unless both months have ended already (an expired recording the sweep deletes
// anyway). Recordings on hold (callvault.HoldEpoch) are never misplaced: holds move them.
func (s *Epochs) Misplaced(rec *callvault.Recording) string {
	if rec.Header == nil || rec.KeyEpoch == callvault.HoldEpoch {
		return ""
	}
	if rec.KeyEpoch == VaultEpoch {
		return "migration from the vault key to key epochs"
	}
	want := s.EpochFor(rec)
	if rec.KeyEpoch == want {
		return ""
	}
	now := callvault.EpochFor(s.now(), s.now())
	cur, _ := monthIndex(rec.KeyEpoch)
	if n, _ := monthIndex(now); cur <= n && want == now {
		return "" // expired, sealed to a month that has not been destroyed: the sweep deletes it
	}
	return "retention end moved to another month"
}

// MigrateVaultKey re-wraps up to limit recordings still sealed to the vault key (KeyEpoch "")
// into their month epochs, in ID order from after (""), found through the catalogue's index on
// the epoch (SealedRecordings), and returns how many it moved and the ID to resume after; next
// is "" when none is left after it. Each re-wrap is its own audited transaction, so an
// interrupted migration resumes where it stopped; a recording deleted or re-wrapped by someone
// else meanwhile is skipped. The key-epochs job runs it every run (cheap once none is left).
func (s *Epochs) MigrateVaultKey(ctx context.Context, after string, limit int) (moved int, next string, err error) {
	return s.rewrapPage(ctx, after, limit, func(ctx context.Context, after string, limit int) ([]*callvault.Recording, error) {
		return s.Catalogue.SealedRecordings(ctx, VaultEpoch, after, limit)
	})
}

// Reconcile re-wraps up to limit recordings, walking the whole catalogue in ID order from after,
// that Misplaced names: those whose retention end moved to another month (a change of the
// retention setting) and any left on the vault key. It returns as MigrateVaultKey does. The
// retention work calls it after recomputing RetainUntil, to the end of the walk; being
// resumable, it also repairs a recomputation cut short between a row's new RetainUntil and its
// re-wrap.
func (s *Epochs) Reconcile(ctx context.Context, after string, limit int) (moved int, next string, err error) {
	return s.rewrapPage(ctx, after, limit, s.Catalogue.ListRecordings)
}

func (s *Epochs) rewrapPage(ctx context.Context, after string, limit int,
	list func(ctx context.Context, after string, limit int) ([]*callvault.Recording, error)) (moved int, next string, err error) {
	page, err := list(ctx, after, limit)
	if err != nil {
		return 0, after, err
	}
	for _, rec := range page {
		next = rec.ID
		reason := s.Misplaced(rec)
		if reason == "" {
			continue
		}
		_, err := s.Rewrap(ctx, rec, s.EpochFor(rec), string(callvault.ActorSystem), reason)
		switch {
		case err == nil:
			moved++
		case callvault.IsKind(err, callvault.KindNotFound):
			if _, lerr := s.Catalogue.Recording(ctx, rec.ID); !callvault.IsKind(lerr, callvault.KindNotFound) {
				return moved, rec.ID, err // the vault key is gone, not the recording
			}
		case callvault.IsKind(err, callvault.KindConflict):
			// Changed meanwhile (deleted, re-wrapped by another node): read again next run.
		default:
			return moved, rec.ID, err
		}
	}
	if len(page) < callvault.PageLimit(limit) {
		next = ""
	}
	return moved, next, nil
}

// DestroyEnded destroys every month epoch whose month ended DestroyGrace ago or more and that
// seals no live recording, and deletes this node's copy of its identity (other nodes delete
// theirs at their next Sync). An epoch still sealing a live recording (a sweep behind, a
// recording not yet moved to the hold key) is left for a later run. It returns the epochs
// destroyed. The retention sweep calls it after deleting.
func (s *Epochs) DestroyEnded(ctx context.Context) ([]string, error) {
	now := s.now()
	grace := s.DestroyGrace
	if grace <= 0 {
		grace = DefaultDestroyGrace
	}
	recorded, err := s.Catalogue.VaultKeys(ctx)
	if err != nil {
		return nil, err
	}
	done, err := s.Catalogue.DestroyedEpochs(ctx)
	if err != nil {
		return nil, err
	}
	gone := map[string]bool{}
	for _, d := range done {
		gone[d.Epoch] = true
	}
	var destroyed []string
	for _, k := range recorded {
		end, ok := callvault.EpochEnd(k.Epoch)
		if k.Kind != callvault.VaultKeyRecipient || !ok || gone[k.Epoch] || now.Before(end.Add(grace)) {
			continue
		}
		d := &callvault.EpochDestruction{Epoch: k.Epoch, Recipient: k.Public, DestroyedAt: now.UTC().Truncate(time.Microsecond)}
		ev := &callvault.AuditEvent{Time: now, Actor: string(callvault.ActorSystem), Action: callvault.ActionKeyEpochDestroy,
			Object: "epoch:" + k.Epoch, Detail: callvault.AuditDetail(map[string]any{
				"epoch": k.Epoch, "recipient": k.Public, "recipient_sha256": fingerprint(k.Public),
				"ended": end.UTC().Format(time.RFC3339),
			})}
		err := s.Catalogue.DestroyEpoch(ctx, d, ev)
		if callvault.IsKind(err, callvault.KindConflict) {
			continue // still seals live recordings, or another node destroyed it just now
		}
		if err != nil {
			return destroyed, err
		}
		s.afterAudit(ctx)
		if s.AfterDestroyRecorded != nil {
			s.AfterDestroyRecorded(ctx, k.Epoch)
		}
		destroyed = append(destroyed, k.Epoch)
		done = append(done, d)
		s.logger().Info("key epoch destroyed: its recordings' retention ended and none is live", "epoch", k.Epoch)
	}
	if len(destroyed) > 0 {
		if _, err := s.Keys.ApplyDestructions(done); err != nil {
			return destroyed, err
		}
	}
	return destroyed, nil
}

// RetireVaultKey moves every recording still sealed to the vault key into its epoch, then
// destroys the vault key: the catalogue records it (DestroyEpoch of epoch "", which succeeds
// only if no live recording is sealed to it, audited), this node's vault.key is removed and
// every other node removes its copy at its next Sync. From then on no data backup taken before
// key epochs existed can be opened with today's key directory. It returns how many recordings it
// moved. KindConflict if recordings are still sealed to the vault key (a recorder-only node
// sealed more meanwhile: run it again); KindForbidden on a node without the keys.
func (s *Epochs) RetireVaultKey(ctx context.Context, actor string) (moved int, err error) {
	if !s.Keys.HasEpochSeed() {
		return 0, callvault.Errorf(callvault.KindForbidden, "only a node with the key directory's epochs/ can retire the vault key")
	}
	for after := ""; ; {
		n, next, err := s.MigrateVaultKey(ctx, after, 1000)
		moved += n
		if err != nil {
			return moved, err
		}
		if next == "" {
			break
		}
		after = next
	}
	public := s.Keys.RecipientString()
	d := &callvault.EpochDestruction{Epoch: VaultEpoch, Recipient: public, DestroyedAt: s.now().UTC().Truncate(time.Microsecond)}
	ev := &callvault.AuditEvent{Time: s.now(), Actor: actor, Action: callvault.ActionKeyEpochDestroy, Object: "epoch:vault",
		Detail: callvault.AuditDetail(map[string]any{"epoch": "", "recipient": public, "recipient_sha256": fingerprint(public),
			"reason": "vault key retired: every recording is sealed to a key epoch", "moved": moved})}
	err = s.Catalogue.DestroyEpoch(ctx, d, ev)
	switch {
	case callvault.IsKind(err, callvault.KindConflict):
		done, derr := s.Catalogue.DestroyedEpochs(ctx)
		if derr == nil && len(done) > 0 && done[0].Epoch == VaultEpoch {
			break // retired before, by this node or another: finish this node's part
		}
		return moved, callvault.PrefixError(err, "recordings are still sealed to the vault key; run the retirement again")
	case err != nil:
		return moved, err
	default:
		s.afterAudit(ctx)
	}
	done, err := s.Catalogue.DestroyedEpochs(ctx)
	if err != nil {
		return moved, err
	}
	_, err = s.Keys.ApplyDestructions(done)
	return moved, err
}
