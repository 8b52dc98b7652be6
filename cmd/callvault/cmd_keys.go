package main

import (
	"context"
	"flag"
	"fmt"
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

func runKeys(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "show-recipient" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: callvault keys show-recipient [flags]\n\nPrints the vault's public age recipient. A recorder node configured with only this\n(--recipient FILE) can store recordings it can never read back.")
			return nil
		}
		return &usageError{msg: "keys needs a subcommand: show-recipient", hint: "callvault keys show-recipient"}
	}
	fs := newFlagSet(e, "keys show-recipient", "keys show-recipient [flags]", true)
	if err := parseFlags(fs, args[1:]); err != nil {
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
