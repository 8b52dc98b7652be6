package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/callvault/callvault"
)

const noticeUsage = `Usage: callvault notice send [flags]
       callvault notice pending [flags]

send queues one e-mail per enabled user with an address asking them to read and acknowledge the
current staff notice (a node with --smtp delivers it, or ` + "`callvault mail send`" + `). pending lists the
enabled users who have not acknowledged the current version. Both are audited as the operator.`

func runNotice(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "send" && args[0] != "pending") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, noticeUsage)
			return nil
		}
		return &usageError{msg: "notice needs a subcommand: send or pending", hint: "callvault notice pending"}
	}
	sub := args[0]
	fs := newFlagSet(e, "notice "+sub, "notice "+sub+" [flags]", true)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return &usageError{msg: "notice " + sub + " takes no arguments", hint: "callvault notice " + sub}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	if sub == "send" {
		sent, err := m.Identity.SendNotice(ctx, cliActor(e))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "notice version %d queued for %d people", sent.Version, len(sent.Mailed))
		if m.Config.SMTP == "" {
			fmt.Fprint(e.stdout, " (a node with --smtp sends it, or `callvault mail send --smtp ...`)")
		}
		fmt.Fprintln(e.stdout)
		if len(sent.NoEmail) > 0 {
			fmt.Fprintf(e.stdout, "no e-mail address, tell them another way: %s\n", strings.Join(sent.NoEmail, ", "))
		}
		return nil
	}
	users, err := m.Identity.Unacknowledged(ctx)
	if err != nil {
		return err
	}
	notice, err := m.Identity.CurrentNotice(ctx)
	if err != nil {
		return err
	}
	version := notice.Version
	if err := m.audit(ctx, cliActor(e), string(callvault.ActNoticeStatus), fmt.Sprintf("notice:%d", version), map[string]any{"pending": len(users)}); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLES\tACKNOWLEDGED")
	for _, u := range users {
		acked := "never"
		if u.NoticeVersion > 0 {
			acked = fmt.Sprintf("version %d", u.NoticeVersion)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.Name, joinRoles(u.Roles), acked)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d people have not acknowledged notice version %d\n", len(users), version)
	return nil
}
