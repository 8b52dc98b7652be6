package vault

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/callvault/callvault"
)

// RetiredFile marks a key directory whose vault key was retired: vault.key is gone for good and
// is never made again; vault.recipient stays as the public record.
const RetiredFile = "vault.key.retired"

// RetireVaultKey destroys the vault key (vault.key) of the key directory dir, which must hold
// the key epochs' seed: recordings sealed to the vault key before key epochs existed, in any
// data backup, can no longer be opened with today's key directory. The caller must first have
// moved every live recording into its epoch (Epochs.MigrateVaultKey) and checked that none is
// left; other nodes' copies must be retired the same way (the command says so). The marker
// file is written before the key is removed, so a crash in between leaves a directory that
// loads as retired and a key file the next call removes. Idempotent.
//
// Errors: KindConflict if dir has no epochs/ seed (nothing else could open new recordings).
func RetireVaultKey(dir string) error {
	if _, err := loadEpochs(dir); err != nil {
		return callvault.Errorf(callvault.KindConflict, "the key directory %s has no key epochs; the vault key cannot be retired", dir)
	}
	marker := filepath.Join(dir, RetiredFile)
	if !exists(marker) {
		body := fmt.Appendf(nil, "# callvault: the vault key was retired on %s; every recording is sealed to a key epoch.\n",
			time.Now().UTC().Format(time.RFC3339))
		if err := writeFileExclusive(marker, body, 0o644); err != nil && !callvault.IsKind(err, callvault.KindConflict) {
			return err
		}
	}
	return removeSecretFile(filepath.Join(dir, IdentityFile))
}
