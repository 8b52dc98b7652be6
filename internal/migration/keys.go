package migration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/callvault/callvault"
)

// migrateVaultKeys copies the record of the vault's keys, so that the target's nodes are held to
// the same keys. A target that records other keys is another vault's.
func migrateVaultKeys(ctx context.Context, src, dst callvault.Catalogue, imp callvault.CatalogueImporter) error {
	srcKeys, err := src.(callvault.KeyStore).VaultKeys(ctx)
	if err != nil {
		return err
	}
	dstKS, ok := dst.(callvault.KeyStore)
	if !ok {
		return callvault.Errorf(callvault.KindInvalid, "the target catalogue cannot record the vault's keys")
	}
	have, err := dstKS.VaultKeys(ctx)
	if err != nil {
		return err
	}
	for _, k := range srcKeys {
		switch got := recordedPublic(have, k.Kind, k.Epoch); {
		case got == k.Public:
		case got != "":
			return callvault.Errorf(callvault.KindConflict,
				"the target catalogue records another vault's %s key (sha256:%s, the source's is sha256:%s): migrate into an empty catalogue",
				k.Kind, fingerprint(got), fingerprint(k.Public))
		default:
			if err := imp.ImportVaultKey(ctx, k); err != nil {
				return err
			}
		}
	}
	return migrateEpochDestructions(ctx, src, dst)
}

// migrateEpochDestructions copies the record of destroyed key epochs (and of a retired vault
// key), so that the target's nodes keep refusing them.
func migrateEpochDestructions(ctx context.Context, src, dst callvault.Catalogue) error {
	srcES, ok1 := src.(callvault.EpochStore)
	dstES, ok2 := dst.(callvault.EpochStore)
	dstImp, ok3 := dst.(callvault.EpochImporter)
	if !ok1 || !ok2 || !ok3 {
		return callvault.Errorf(callvault.KindInvalid, "a catalogue of this migration cannot keep key epochs")
	}
	done, err := srcES.DestroyedEpochs(ctx)
	if err != nil {
		return err
	}
	have, err := dstES.DestroyedEpochs(ctx)
	if err != nil {
		return err
	}
	got := map[string]bool{}
	for _, d := range have {
		got[d.Epoch] = true
	}
	for _, d := range done {
		if got[d.Epoch] {
			continue
		}
		if err := dstImp.ImportEpochDestruction(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// recordedPublic returns the public key recorded for kind and epoch, or "".
func recordedPublic(recorded []*callvault.VaultKey, kind callvault.VaultKeyKind, epoch string) string {
	for _, r := range recorded {
		if r.Kind == kind && r.Epoch == epoch {
			return r.Public
		}
	}
	return ""
}

// fingerprint is a short, printable digest of a public key.
func fingerprint(public string) string {
	sum := sha256.Sum256([]byte(public))
	return hex.EncodeToString(sum[:8])
}
