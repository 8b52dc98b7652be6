package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	"filippo.io/age"
	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/vault"
)

// loadKeys loads this process's keys and holds them against the public halves the catalogue
// records (callvault.VaultKey). Keys are created only for a new vault: a catalogue that records
// no keys and has an empty audit log. Once the catalogue records keys, a node whose keys are
// missing or different is refused: a forgotten --keys would otherwise create a new identity
// that seals recordings no other node can open, and a signing key whose checkpoints make
// `audit verify` fail for ever. Keys the catalogue does not record yet (a vault from before
// keys were recorded, or one whose first node was recorder-only) are recorded, audited.
func (m *Main) loadKeys(ctx context.Context) error {
	ks, ok := m.Catalogue.(callvault.KeyStore)
	if !ok {
		return callvault.Errorf(callvault.KindInternal, "the catalogue (%T) cannot record the vault's keys", m.Catalogue)
	}
	recorded, err := ks.VaultKeys(ctx)
	if err != nil {
		return err
	}
	keys, created, err := m.readKeys(ctx, recorded)
	if err != nil {
		return err
	}
	for _, f := range created {
		ev := &callvault.AuditEvent{Time: time.Now(), Actor: string(callvault.ActorSystem), Action: callvault.ActionKeyCreate,
			Object: "key:" + filepath.Base(f), Detail: callvault.AuditDetail(map[string]any{
				"dir": m.Config.KeysDir(), "recipient_sha256": fingerprint(keys.RecipientString())})}
		if err := m.Catalogue.AppendAudit(ctx, ev); err != nil {
			return err
		}
	}
	held := heldKeys(keys)
	if err := m.checkKeys(recorded, held); err != nil {
		return err
	}
	if missing := unrecorded(recorded, held); len(missing) > 0 {
		if len(created) == 0 {
			// A vault from before keys were recorded: whichever node starts first would decide
			// the vault's keys, so a wrong --keys must not be accepted on its word.
			if err := m.proveKeys(ctx, keys, missing); err != nil {
				return err
			}
		}
		var detail []map[string]string
		for _, k := range missing {
			detail = append(detail, map[string]string{"kind": string(k.Kind), "epoch": k.Epoch, "sha256": fingerprint(k.Public)})
		}
		ev := &callvault.AuditEvent{Time: time.Now(), Actor: string(callvault.ActorSystem), Action: callvault.ActionKeyRecord,
			Object: "vault", Detail: callvault.AuditDetail(map[string]any{"keys": detail})}
		err := ks.AddVaultKeys(ctx, missing, ev)
		if callvault.IsKind(err, callvault.KindConflict) {
			// Another node recorded the keys first: ours must be the ones it recorded.
			if recorded, err = ks.VaultKeys(ctx); err == nil {
				err = m.checkKeys(recorded, held)
			}
		}
		if err != nil {
			return err
		}
	}
	m.Keys = keys
	return m.setupEpochs(ctx, recorded)
}

// setupEpochs gives a node with the key directory its epochs/ (made once per vault: a vault from
// before key epochs gets it here, audited) and brings the keys in line with the catalogue
// (vault.Epochs.Sync): recipients recorded ahead, destroyed epochs deleted from this node's key
// directory, keys that differ from the record refused.
func (m *Main) setupEpochs(ctx context.Context, recorded []*callvault.VaultKey) error {
	ec, ok := m.Catalogue.(vault.EpochCatalogue)
	if !ok {
		return callvault.Errorf(callvault.KindInternal, "the catalogue (%T) cannot keep key epochs", m.Catalogue)
	}
	if m.Keys.CanOpen() && !m.Keys.HasEpochSeed() && !m.NoKeyCreation {
		for _, k := range recorded {
			if k.Kind == callvault.VaultKeyRecipient && k.Epoch != vault.VaultEpoch {
				return &usageError{
					msg:  fmt.Sprintf("the key directory %s has no %s/, but this vault's key epochs exist: its nodes derive them from one seed", m.Config.KeysDir(), vault.EpochDirName),
					hint: fmt.Sprintf("copy %s/ (with its files' modes) from the key directory of a node of this vault, or restore it from a key backup", vault.EpochDirName),
				}
			}
		}
		created, err := vault.EnsureEpochs(m.Config.KeysDir())
		if err != nil {
			return err
		}
		for _, f := range created {
			ev := &callvault.AuditEvent{Time: time.Now(), Actor: string(callvault.ActorSystem), Action: callvault.ActionKeyCreate,
				Object: "key:" + vault.EpochDirName + "/" + filepath.Base(f), Detail: callvault.AuditDetail(map[string]any{"dir": m.Config.KeysDir()})}
			if err := m.Catalogue.AppendAudit(ctx, ev); err != nil {
				return err
			}
		}
		if m.Keys, err = vault.LoadKeys(m.Config.KeysDir()); err != nil {
			return err
		}
	}
	m.Epochs = &vault.Epochs{Keys: m.Keys, Catalogue: ec, Horizon: epochHorizon(m.Config.RetentionMonths),
		AfterAudit: m.afterAudit, Logger: m.Logger, NoRecord: m.NoKeyCreation,
		AfterDestroyRecorded: m.crashHook(crashPointEpochDestroyed)}
	if _, err := m.Epochs.Sync(ctx); err != nil {
		if callvault.IsKind(err, callvault.KindConflict) {
			return &usageError{msg: callvault.ErrorMessage(err),
				hint: fmt.Sprintf("every node of a vault holds the same %s/ (copied once from the first node); a key directory with its own was made for another vault", vault.EpochDirName)}
		}
		return err
	}
	return nil
}

// readKeys loads the recipient-only keys of --recipient, or the key directory's, creating them
// only for a new vault.
func (m *Main) readKeys(ctx context.Context, recorded []*callvault.VaultKey) (*vault.Keys, []string, error) {
	cfg := &m.Config
	if cfg.Recipient != "" {
		k, err := vault.LoadRecipientOnly(cfg.Recipient)
		return k, nil, err
	}
	if len(recorded) == 0 && !m.NoKeyCreation {
		head, err := m.Catalogue.AuditHead(ctx)
		if err != nil {
			return nil, nil, err
		}
		if head == nil {
			return vault.LoadOrCreateKeys(cfg.KeysDir())
		}
	}
	k, err := vault.LoadKeys(cfg.KeysDir())
	if callvault.IsKind(err, callvault.KindNotFound) {
		msg := fmt.Sprintf("the vault's keys are not in %s: %s", cfg.KeysDir(), callvault.ErrorMessage(err))
		switch {
		case len(recorded) > 0:
			msg += fmt.Sprintf(" (this catalogue belongs to the vault whose recipient is sha256:%s)", fingerprint(recordedPublic(recorded, callvault.VaultKeyRecipient)))
		case m.NoKeyCreation:
		default:
			msg += " (this catalogue has an audit log, so its vault has keys somewhere)"
		}
		return nil, nil, &usageError{msg: msg, hint: "point --keys (or CALLVAULT_KEYS) at the key directory every node of this vault uses; new keys are made only for a new vault"}
	}
	return k, nil, err
}

// heldKeys returns the public halves of keys, as the catalogue records them.
func heldKeys(keys *vault.Keys) []*callvault.VaultKey {
	now := time.Now().UTC().Truncate(time.Microsecond)
	held := []*callvault.VaultKey{{Kind: callvault.VaultKeyRecipient, Epoch: vault.VaultEpoch, Public: keys.RecipientString(), CreatedAt: now}}
	if pub := keys.VerifyKey(); pub != nil {
		held = append(held, &callvault.VaultKey{Kind: callvault.VaultKeyAuditVerify, Public: base64.StdEncoding.EncodeToString(pub), CreatedAt: now})
	}
	return held
}

// checkKeys refuses held keys that differ from the recorded key of the same kind and epoch.
func (m *Main) checkKeys(recorded, held []*callvault.VaultKey) error {
	for _, h := range held {
		for _, r := range recorded {
			if r.Kind != h.Kind || r.Epoch != h.Epoch || r.Public == h.Public {
				continue
			}
			from := "the keys in " + m.Config.KeysDir()
			if m.Config.Recipient != "" {
				from = "the recipient in " + m.Config.Recipient
			}
			what := "vault recipient"
			why := "a node with other keys would seal recordings no other node can open"
			if h.Kind == callvault.VaultKeyAuditVerify {
				what, why = "audit signing key", "checkpoints signed with another key never verify"
			}
			return &usageError{
				msg: fmt.Sprintf("%s are not this vault's: the catalogue records the %s sha256:%s, these keys have sha256:%s",
					from, what, fingerprint(r.Public), fingerprint(h.Public)),
				hint: "point --keys (or --recipient) at the key material every node of this vault uses; " + why,
			}
		}
	}
	return nil
}

// unrecorded returns the held keys whose kind and epoch the catalogue has no record of.
func unrecorded(recorded, held []*callvault.VaultKey) []*callvault.VaultKey {
	var out []*callvault.VaultKey
	for _, h := range held {
		if recordedPublic(recorded, h.Kind, h.Epoch) == "" {
			out = append(out, h)
		}
	}
	return out
}

// recordedPublic returns the public value recorded for kind (and epoch, "" by default).
func recordedPublic(recorded []*callvault.VaultKey, kind callvault.VaultKeyKind, epoch ...string) string {
	e := ""
	if len(epoch) > 0 {
		e = epoch[0]
	}
	for _, r := range recorded {
		if r.Kind == kind && r.Epoch == e {
			return r.Public
		}
	}
	return ""
}

// fingerprint is a short, printable name of a public key: post-quantum recipients are
// thousands of characters long.
func fingerprint(public string) string {
	sum := sha256.Sum256([]byte(public))
	return hex.EncodeToString(sum[:8])
}

// proveKeys checks that keys about to be recorded for a vault with history are the vault's own:
// the audit verify key must verify the newest signed checkpoint, and the identity must unwrap
// the age header of a stored recording. What the vault holds nothing to check against (no
// checkpoint yet, no recording yet) passes. A recipient-only node cannot prove its recipient;
// on a vault with recordings it must wait until a node with the private keys has recorded them.
func (m *Main) proveKeys(ctx context.Context, keys *vault.Keys, missing []*callvault.VaultKey) error {
	refuse := func(what string) error {
		return &usageError{
			msg:  fmt.Sprintf("cannot record the keys in %s as this vault's: %s", m.Config.KeysDir(), what),
			hint: "point --keys at the key directory this vault's recordings and checkpoints were made with",
		}
	}
	for _, k := range missing {
		switch k.Kind {
		case callvault.VaultKeyAuditVerify:
			cps, err := m.Catalogue.Checkpoints(ctx)
			if err != nil {
				return err
			}
			if len(cps) > 0 {
				if err := audit.VerifyCheckpoint(cps[len(cps)-1], keys.VerifyKey()); err != nil {
					return refuse(fmt.Sprintf("its audit signing key did not sign the vault's checkpoint %d", cps[len(cps)-1].Seq))
				}
			}
		case callvault.VaultKeyRecipient:
			recs, err := m.Catalogue.ListRecordings(ctx, "", 1)
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				continue
			}
			if !keys.CanOpen() {
				return &usageError{
					msg:  "this recorder-only node cannot prove that its recipient is this vault's, and the catalogue does not record the vault's keys yet",
					hint: "start a node with the vault's private keys (--keys) once, so that the catalogue records them",
				}
			}
			id, err := keys.Identity(recs[0].KeyEpoch)
			if err == nil {
				_, err = age.DecryptHeader(recs[0].Header, id)
			}
			if err != nil {
				return refuse(fmt.Sprintf("its identity cannot open recording %s", recs[0].ID))
			}
		}
	}
	return nil
}

// epochHorizon is how many months ahead the key epochs' recipients are recorded: past the
// longest period a Director may set (callvault.MaxRetentionMonths) or the configuration's, with
// a year's room. A recording arriving just after the period is raised seals to the epoch of
// its retention end at once, on every node, recorder-only ones too: that epoch must exist
// already, not at the next key-epochs run.
func epochHorizon(configMonths int) int {
	return max(vault.DefaultHorizon, max(configMonths, callvault.MaxRetentionMonths)+12)
}
