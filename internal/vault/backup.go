package vault

import (
	"archive/tar"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
	"github.com/callvault/callvault"
)

// MinPassphrase is the shortest passphrase WriteKeyBackup accepts.
const MinPassphrase = 12

// keyBackupFiles are the key directory's files a key backup holds, and epochs/ (every file in
// it). The audit witness file, which may live in the key directory, is evidence, not a key, and
// is left out: it is kept append-only, and an old copy restored over it would look like a cut.
var keyBackupFiles = []string{IdentityFile, RetiredFile, RecipientFile, SigningKeyFile, VerifyKeyFile}

// WriteKeyBackup writes to w a tar archive of the key directory dir (its key files and epochs/)
// encrypted with age to passphrase (scrypt). It is a standard age file: `age -d FILE | tar -x`
// restores it with no callvault at hand. It returns the names archived.
//
// A key backup holds the identity of every epoch not destroyed when it is taken: kept after an
// epoch's destruction, it is the one thing that could open that epoch's recordings in an old
// data backup again. Keep key backups on a short rotation.
//
// Errors: KindInvalid for a passphrase shorter than MinPassphrase; KindNotFound if dir holds no
// keys; KindInternal for unreadable files or a failed write.
func WriteKeyBackup(w io.Writer, dir, passphrase string) (names []string, err error) {
	if len([]rune(passphrase)) < MinPassphrase {
		return nil, callvault.Errorf(callvault.KindInvalid, "the key backup passphrase must have at least %d characters", MinPassphrase)
	}
	if _, err := os.Lstat(filepath.Join(dir, SigningKeyFile)); err != nil {
		return nil, callvault.WrapError(callvault.KindNotFound, err, "no keys in "+dir)
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot set up the key backup encryption")
	}
	enc, err := age.Encrypt(w, r)
	if err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot encrypt the key backup")
	}
	tw := tar.NewWriter(enc)
	files := append([]string(nil), keyBackupFiles...)
	if entries, err := os.ReadDir(filepath.Join(dir, EpochDirName)); err == nil {
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, EpochDirName+"/"+e.Name())
			}
		}
	}
	if len(files) > len(keyBackupFiles) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: EpochDirName + "/", Mode: 0o700}); err != nil {
			return nil, callvault.WrapError(callvault.KindInternal, err, "cannot write the key backup")
		}
	}
	for _, name := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		fi, err := os.Lstat(path)
		if err != nil && os.IsNotExist(err) {
			continue // a public file a node never wrote; the private key is what matters
		}
		if err != nil || !fi.Mode().IsRegular() {
			return nil, callvault.Errorf(callvault.KindInternal, "cannot back up %s: not a readable regular file", path)
		}
		b, err := readKeyFile(path, false)
		if err != nil {
			return nil, err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(fi.Mode().Perm() & fs.ModePerm), Size: int64(len(b)), ModTime: fi.ModTime()}); err != nil {
			return nil, callvault.WrapError(callvault.KindInternal, err, "cannot write the key backup")
		}
		if _, err := tw.Write(b); err != nil {
			return nil, callvault.WrapError(callvault.KindInternal, err, "cannot write the key backup")
		}
		names = append(names, name)
	}
	if err := tw.Close(); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot write the key backup")
	}
	if err := enc.Close(); err != nil {
		return nil, callvault.WrapError(callvault.KindInternal, err, "cannot write the key backup")
	}
	return names, nil
}
