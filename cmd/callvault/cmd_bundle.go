package main

import (
	"context"
	"fmt"
	"os"

	"github.com/callvault/callvault/internal/bundle"
	"github.com/callvault/callvault/internal/vault"
)

func runBundle(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "bundle needs a subcommand: verify", hint: "callvault bundle verify SAR-2026-0001.zip --verify-key audit-signing.pub"}
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(e.stdout, "Usage: callvault bundle verify FILE [--verify-key audit-signing.pub]\n\nDisclosure bundles.\n\nSubcommands:\n  verify    check a bundle offline: the manifest's signature, the signer's key, every file")
		return nil
	case "verify":
		return runBundleVerify(ctx, e, args[1:])
	}
	return &usageError{msg: fmt.Sprintf("unknown bundle subcommand %q", args[0]), hint: "run `callvault bundle --help`"}
}

// runBundleVerify checks a bundle with nothing but the file (and the vault's public key, to
// prove who signed it). It needs no vault, database or configuration.
func runBundleVerify(_ context.Context, e env, args []string) error {
	fs := newFlagSet(e, "bundle verify", "bundle verify FILE [--verify-key audit-signing.pub]\n\n"+
		"Checks a disclosure bundle offline: the manifest's ed25519 signature, every file's SHA-256 and size, and that no\n"+
		"file is missing or added. With --verify-key the signer must be that key (the vault's audit-signing.pub); without\n"+
		"it, compare the printed key fingerprint with the vault's (callvault audit verify prints it)", false)
	keyPath := fs.String("verify-key", "", "the vault's audit-signing.pub: the bundle must be signed by it")
	if err := parseFlags(fs, args); err != nil {
		return err
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
	rep, err := bundle.Verify(f, st.Size(), trusted)
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
