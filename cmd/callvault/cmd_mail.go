package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/callvault/callvault"
)

const mailUsage = `Usage: callvault mail status [--all] [flags]
       callvault mail send [flags]

status lists the outbox: messages waiting to be sent (with --all, sent ones too), their
attempts, next attempt and last error. send delivers what is due now through --smtp, as every
serve with --smtp does continuously.`

func runMail(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "send") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, mailUsage)
			return nil
		}
		return &usageError{msg: "mail needs a subcommand: status or send", hint: "callvault mail status"}
	}
	sub := args[0]
	fs := newFlagSet(e, "mail "+sub, "mail "+sub+" [flags]", true)
	all := fs.Bool("all", false, "status: list sent messages too")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	store, ok := m.Catalogue.(callvault.MailStore)
	if !ok {
		return fmt.Errorf("this catalogue has no outbox")
	}
	if sub == "send" {
		if m.Config.SMTP == "" {
			return &usageError{msg: "mail send needs a mail server", hint: "give --smtp 'smtp://user:password@host:587?from=callvault@example.org' or set CALLVAULT_SMTP"}
		}
		s := m.mailSender(ctx, nodeID())
		res, err := s.RunOnce(ctx)
		fmt.Fprintf(e.stdout, "sent %d, failed %d (will be retried), refused %d\n", res.Sent, res.Failed, res.Refused)
		return err
	}
	return printOutbox(ctx, e, store, !*all)
}

func printOutbox(ctx context.Context, e env, store callvault.MailStore, pending bool) error {
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tKIND\tREFERENCE\tTO\tATTEMPTS\tSTATE\tLAST ERROR")
	n := 0
	for after := ""; ; {
		page, err := store.MailMessages(ctx, pending, after, 500)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, msg := range page {
			state := "next " + msg.NextAttempt.Format(time.RFC3339)
			if msg.Sent() {
				state = "sent " + msg.SentAt.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", msg.ID, msg.Kind, msg.Reference,
				strings.Join(msg.To, ","), msg.Attempts, state, msg.LastError)
			n++
		}
		after = page[len(page)-1].ID
	}
	w.Flush()
	what := "waiting"
	if !pending {
		what = "in the outbox"
	}
	fmt.Fprintf(e.stdout, "%d messages %s\n", n, what)
	return nil
}
