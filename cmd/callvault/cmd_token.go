package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/tokens"
)

// cliActor names the operator of a command-line action in audit events.
func cliActor(e env) callvault.Actor {
	u := e.getenv("USER")
	if u == "" {
		u = "unknown"
	}
	return callvault.Actor("cli:" + u)
}

// tokenAdmin is the token administration over the open catalogue.
func (m *Main) tokenAdmin() *tokens.Service {
	return &tokens.Service{Store: m.Catalogue, AfterAudit: m.afterAudit}
}

func runToken(ctx context.Context, e env, args []string) error {
	usage := &usageError{msg: "token needs a subcommand: create, list or revoke", hint: "callvault token create --role recorder --name pbx"}
	if len(args) == 0 {
		return usage
	}
	switch args[0] {
	case "create":
		return runTokenCreate(ctx, e, args[1:])
	case "list":
		return runTokenList(ctx, e, args[1:])
	case "revoke":
		return runTokenRevoke(ctx, e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, "Usage: callvault token create --role ROLE --name NAME | token list | token revoke ID")
		return nil
	}
	return usage
}

func runTokenCreate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "token create", "token create --role ROLE --name NAME [flags]", true)
	role := fs.String("role", "", "role of the token: recorder (may only add recordings) or auditor (may read and verify the audit log)")
	name := fs.String("name", "", "a unique name, e.g. the PBX or recorder it is for")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !callvault.Role(*role).Valid() {
		return &usageError{msg: fmt.Sprintf("--role %q is not a token role", *role), hint: "use --role recorder, --role auditor or --role manager"}
	}
	if !tokens.ValidName(strings.TrimSpace(*name)) {
		return &usageError{msg: "--name is required: 1 to 100 characters without spaces", hint: "e.g. --name pbx-main"}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	t, secret, err := m.tokenAdmin().Create(ctx, cliActor(e), *name, callvault.Role(*role))
	if err != nil {
		if callvault.IsKind(err, callvault.KindConflict) {
			return &usageError{msg: fmt.Sprintf("a token named %q exists", strings.TrimSpace(*name)), hint: "choose another --name, or revoke the old one with `callvault token revoke ID`"}
		}
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	fmt.Fprintf(e.stderr, "callvault: token %s (%s, role %s) created; the secret above is shown only once\n", t.ID, t.Name, t.Role)
	return nil
}

func runTokenList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "token list", "token list [flags]", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	// Listing tokens is a read of the vault's access configuration: audited before any output.
	list, err := m.tokenAdmin().List(ctx, cliActor(e))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tREVOKED")
	for _, t := range list {
		revoked := "-"
		if t.RevokedAt != nil {
			revoked = t.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.CreatedAt.Format(time.RFC3339), revoked)
	}
	return tw.Flush()
}

func runTokenRevoke(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "token revoke", "token revoke [flags] ID", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "token revoke needs exactly one token ID", hint: "see `callvault token list`"}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	id := fs.Arg(0)
	if err := m.tokenAdmin().Revoke(ctx, cliActor(e), id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "token %s revoked\n", id)
	return nil
}
