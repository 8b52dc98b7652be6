package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/callvault/callvault/internal/bundle"
	"github.com/callvault/callvault/internal/vault"
)

func runBundle(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "bundle needs a subcommand: verify", hint: "callvault bundle verify SAR-2026-0001.zip --verify-key audit-signing.pub"}
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(e.stdout, "Usage: callvault bundle verify FILE [--verify-key audit-signing.pub] [--identity FILE | --passphrase-stdin]\n\nDisclosure bundles.\n\nSubcommands:\n  verify    check a bundle offline: the manifest's signature, the signer's key, every file")
		return nil
	case "verify":
		return runBundleVerify(ctx, e, args[1:])
	}
	return &usageError{msg: fmt.Sprintf("unknown bundle subcommand %q", args[0]), hint: "run `callvault bundle --help`"}
}

// runBundleVerify checks a bundle with nothing but the file (and the vault's public key, to
// prove who signed it). It needs no vault, database or configuration.
func runBundleVerify(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "bundle verify", "bundle verify FILE [--verify-key audit-signing.pub] [--identity FILE | --passphrase-stdin]\n\n"+
		"Checks a disclosure bundle offline: the manifest's ed25519 signature, every file's SHA-256 and size, and that no\n"+
		"file is missing or added. With --verify-key the signer must be that key (the vault's audit-signing.pub); without\n"+
		"it, the vault's own key is trusted when it is found (<keys>/audit-signing.pub of CALLVAULT_CONFIG, CALLVAULT_DATA\n"+
		"or ./callvault-data); elsewhere compare the printed key fingerprint with the vault's (callvault audit verify\n"+
		"prints it). An encrypted bundle\n"+
		"(age) is decrypted as it is read, with --identity or --passphrase-stdin; nothing decrypted is written", false)
	keyPath := fs.String("verify-key", "", "the vault's audit-signing.pub: the bundle must be signed by it")
	identityPath := fs.String("identity", "", "for an encrypted bundle: a file of age identities (AGE-SECRET-KEY-1...) that decrypts it")
	passStdin := fs.Bool("passphrase-stdin", false, "for an encrypted bundle: read the passphrase it was encrypted with from standard input")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *identityPath != "" && *passStdin {
		return &usageError{msg: "give --identity or --passphrase-stdin, not both", hint: "callvault bundle verify SAR-2026-0001.zip.age --identity key.txt"}
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "bundle verify needs one bundle file", hint: "callvault bundle verify SAR-2026-0001.zip --verify-key audit-signing.pub"}
	}
	var trusted []byte
	if *keyPath != "" {
		pub, err := vault.ReadVerifyKey(*keyPath)
		if err != nil {
			return &usageError{msg: fmt.Sprintf("cannot read the verify key %s: %v", *keyPath, err), hint: "give the vault's audit-signing.pub"}
		}
		trusted = pub
	} else if pub, from, err := localVerifyKey(e); err != nil {
		return err
	} else if pub != nil {
		trusted = pub
		fmt.Fprintf(e.stdout, "trusting the vault's key %s\n", from)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return &usageError{msg: fmt.Sprintf("cannot open the bundle: %v", err), hint: "give the .zip file the vault answered"}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	var zr io.ReaderAt = f
	size := st.Size()
	if bundle.IsEncrypted(f) {
		ids, err := bundleIdentities(e, fs.Arg(0), *identityPath, *passStdin)
		if err != nil {
			return err
		}
		if zr, size, err = bundle.Open(f, size, ids...); err != nil {
			return fmt.Errorf("%s: %w", fs.Arg(0), err)
		}
		fmt.Fprintf(e.stdout, "encrypted bundle (age): decrypted\n")
	}
	rep, err := bundle.Verify(zr, size, trusted)
	if err != nil {
		return fmt.Errorf("%s is not a bundle: %v", fs.Arg(0), err)
	}
	if rep.Manifest != nil {
		fmt.Fprintf(e.stdout, "bundle %s: %d files, made %s\n", rep.Manifest.Case, len(rep.Manifest.Files), rep.Manifest.CreatedAt.Format("2006-01-02T15:04:05Z"))
	}
	if rep.KeyID != "" {
		switch {
		case rep.Trusted:
			fmt.Fprintf(e.stdout, "signed by key %s (the trusted key)\n", rep.KeyID)
		case trusted == nil:
			fmt.Fprintf(e.stdout, "signed by key %s (not checked against a trusted key: give --verify-key, or compare the fingerprint with the vault's)\n", rep.KeyID)
		}
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(e.stdout, p.String())
	}
	if !rep.OK() {
		return fmt.Errorf("the bundle does not verify: %d problems", len(rep.Problems))
	}
	fmt.Fprintln(e.stdout, "ok: the signature and every file check")
	return nil
}

// localVerifyKey returns the verify key of the vault this command runs beside (the keys directory
// the configuration names, ./callvault-data/keys by default) and its path, or nil when there is
// none: a bundle re-signed by another key then fails without --verify-key wherever the vault's
// key can be found, and a bundle copied where there is no vault still verifies on its own.
func localVerifyKey(e env) (ed25519.PublicKey, string, error) {
	cfg, err := LoadConfig(flag.NewFlagSet("bundle verify", flag.ContinueOnError), e.getenv)
	if err != nil {
		return nil, "", nil // no usable configuration: no vault here
	}
	p := filepath.Join(cfg.KeysDir(), vault.VerifyKeyFile)
	if _, err := os.Stat(p); err != nil {
		return nil, "", nil
	}
	pub, err := vault.ReadVerifyKey(p)
	if err != nil {
		return nil, "", &usageError{msg: fmt.Sprintf("cannot read the vault's verify key %s: %v", p, err), hint: "give --verify-key audit-signing.pub"}
	}
	return pub, p, nil
}

// bundleIdentities returns the age identities that decrypt an encrypted bundle: those of the
// identity file, or the passphrase read from standard input. Without either it says what to give.
func bundleIdentities(e env, file, identityPath string, passStdin bool) ([]age.Identity, error) {
	switch {
	case identityPath != "":
		f, err := os.Open(identityPath)
		if err != nil {
			return nil, &usageError{msg: fmt.Sprintf("cannot read the identity file: %v", err), hint: "give the file holding the recipient's age key (AGE-SECRET-KEY-1...)"}
		}
		defer f.Close()
		ids, err := age.ParseIdentities(f)
		if err != nil {
			return nil, &usageError{msg: fmt.Sprintf("%s holds no age identity: %v", identityPath, err), hint: "give the file holding the recipient's age key (AGE-SECRET-KEY-1...)"}
		}
		return ids, nil
	case passStdin:
		pass, err := readPassword(e.stdin)
		if err != nil || pass == "" {
			return nil, &usageError{msg: "no passphrase on standard input", hint: "echo the passphrase into callvault bundle verify FILE --passphrase-stdin"}
		}
		id, err := age.NewScryptIdentity(pass)
		if err != nil {
			return nil, err
		}
		return []age.Identity{id}, nil
	}
	return nil, fmt.Errorf("%s is an encrypted bundle (age): give --identity FILE with the recipient's age key, or --passphrase-stdin with the passphrase it was encrypted with", file)
}
