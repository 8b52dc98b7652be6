package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/vault"
)

// openMain loads the configuration layered under the parsed flags in fs and opens the stores.
func openMain(ctx context.Context, e env, fs *flag.FlagSet) (*Main, error) {
	cfg, err := LoadConfig(fs, e.getenv)
	if err != nil {
		return nil, err
	}
	m := NewMain(cfg, e.stdout, e.stderr)
	if err := m.Open(ctx); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

const keysUsage = `Usage: callvault keys <subcommand> [flags]

Subcommands:
  show-recipient   print the vault's public age recipient (for a recorder-only node's --recipient)
  backup FILE      write a passphrase-encrypted copy of the key directory to FILE
  retire-vault-key move every recording still sealed to the vault key into its key epoch, then
                   destroy the vault key on every node (data backups from before key epochs
                   can then no longer be opened)

A key backup holds the identity of every key epoch not yet destroyed. Kept after an epoch is
destroyed, it is the one thing that could open that epoch's recordings in an old data backup:
keep key backups on a short rotation (for example 35 days); data backups as long as you like.`

func runKeys(ctx context.Context, e env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "show-recipient":
			return runKeysShowRecipient(ctx, e, args[1:])
		case "backup":
			return runKeysBackup(ctx, e, args[1:])
		case "retire-vault-key":
			return runKeysRetire(ctx, e, args[1:])
		case "-h", "--help", "help":
			fmt.Fprintln(e.stdout, keysUsage)
			return nil
		}
	}
	return &usageError{msg: "keys needs a subcommand: show-recipient, backup or retire-vault-key", hint: "callvault keys --help"}
}

func runKeysShowRecipient(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(e.stdout, "Usage: callvault keys show-recipient [flags]\n\nPrints the vault's public age recipient. A recorder node configured with only this\n(--recipient FILE) can store recordings it can never read back.")
		return nil
	}
	fs := newFlagSet(e, "keys show-recipient", "keys show-recipient [flags]", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	fmt.Fprintln(e.stdout, m.Keys.RecipientString())
	return nil
}

// keyBackupPassphraseEnv names the variable that may hold the key backup passphrase.
const keyBackupPassphraseEnv = "CALLVAULT_KEY_BACKUP_PASSPHRASE"

func runKeysBackup(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "keys backup", "keys backup FILE [--passphrase-file FILE] [flags]\n\n"+
		"Writes the key directory (vault key, audit signing key, key epochs' seed, kept epoch\n"+
		"identities and hold key) to FILE as a tar archive encrypted with age to a passphrase\n"+
		"(scrypt). Restore it with standard tools: age -d FILE | tar -x -C KEYDIR. The passphrase is\n"+
		"read from --passphrase-file or "+keyBackupPassphraseEnv+". Destroyed epochs are deleted from\n"+
		"the key directory first, so the backup holds none of them. Keep key backups on a short\n"+
		"rotation (for example 35 days): an older one could reopen destroyed epochs.", true)
	passFile := fs.String("passphrase-file", "", "file holding the passphrase (first line)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "keys backup needs one FILE to write", hint: "callvault keys backup /media/keys/callvault-keys-2026-12.age --passphrase-file /root/kb.pass"}
	}
	out := fs.Arg(0)
	pass, err := readPassphrase(*passFile, e.getenv(keyBackupPassphraseEnv))
	if err != nil {
		return err
	}
	// Opening the vault syncs the key directory with the catalogue: destroyed epochs are gone
	// from it before anything is copied.
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	if !m.Keys.CanOpen() {
		return &usageError{msg: "this node holds only the public recipient: there is no key directory to back up", hint: "run keys backup on a node with --keys"}
	}
	if err := checkNoDestroyedKeys(ctx, m); err != nil {
		return err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return &usageError{msg: out + " exists; a key backup never overwrites a file", hint: "choose a new file name (one per backup, dated)"}
	}
	if err != nil {
		return callvault.WrapError(callvault.KindInternal, err, "cannot create "+out)
	}
	names, err := vault.WriteKeyBackup(f, m.Config.KeysDir(), pass)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
		return err
	}
	if err := m.audit(ctx, callvault.ActorSystem, callvault.ActionKeyBackup, "keys", map[string]any{
		"file": out, "files": names, "user": e.getenv("USER")}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "key backup written to %s (%d files)\n", out, len(names))
	return nil
}

func readPassphrase(file, fromEnv string) (string, error) {
	var pass string
	switch {
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", &usageError{msg: fmt.Sprintf("cannot read the passphrase file: %v", err), hint: "give --passphrase-file a readable file"}
		}
		pass, _, _ = strings.Cut(string(b), "\n")
		pass = strings.TrimRight(pass, "\r")
	case fromEnv != "":
		pass = fromEnv
	default:
		return "", &usageError{msg: "no passphrase for the key backup", hint: "give --passphrase-file FILE or set " + keyBackupPassphraseEnv}
	}
	if len([]rune(pass)) < vault.MinPassphrase {
		return "", &usageError{msg: fmt.Sprintf("the passphrase has fewer than %d characters", vault.MinPassphrase), hint: "use a long passphrase: it is all that protects every live recording's key"}
	}
	return pass, nil
}

func runKeysRetire(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "keys retire-vault-key", "keys retire-vault-key [flags]\n\n"+
		"Re-wraps every recording still sealed to the long-lived vault key (those stored before key\n"+
		"epochs) into its month's key epoch, headers only, each re-wrap audited, then records the\n"+
		"vault key's destruction and deletes vault.key; every other node deletes its copy when it\n"+
		"next syncs (at start and once per job_interval). Afterwards a data backup from before key\n"+
		"epochs opens nothing with today's key directory. Safe to run again after an interruption.", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	if !m.Keys.CanOpen() {
		return &usageError{msg: "this node holds only the public recipient", hint: "run keys retire-vault-key on a node with --keys"}
	}
	moved, err := m.Epochs.RetireVaultKey(ctx, "cli:"+e.getenv("USER"))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "vault key retired: %d recordings moved to their key epochs; other nodes delete their copy at their next sync\n", moved)
	return nil
}

// checkNoDestroyedKeys refuses a key backup of a key directory that still holds a destroyed
// epoch's identity (a node that could not write its key directory when it learnt of the
// destruction): the backup would bring the epoch back.
func checkNoDestroyedKeys(ctx context.Context, m *Main) error {
	done, err := m.Epochs.Catalogue.DestroyedEpochs(ctx)
	if err != nil {
		return err
	}
	onDisk, err := vault.LoadKeys(m.Config.KeysDir())
	if err != nil {
		return err
	}
	for _, d := range done {
		if _, err := onDisk.Identity(d.Epoch); err == nil {
			return &usageError{
				msg:  fmt.Sprintf("the key directory %s still holds the identity of key epoch %q, destroyed on %s", m.Config.KeysDir(), d.Epoch, d.DestroyedAt.Format("2006-01-02")),
				hint: "make the key directory writable for this node and run the command again: it deletes destroyed epochs first",
			}
		}
	}
	return nil
}
