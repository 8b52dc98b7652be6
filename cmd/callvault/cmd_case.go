package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/callvault/callvault/internal/cases/sarclock"
	"github.com/callvault/callvault/internal/ukcal"
)

// caseSubcommands are the subcommands of `callvault case`, in the order help lists them.
var caseSubcommands = []struct{ name, summary string }{
	{"due-date", "print the statutory due date of a subject access request received on a given day"},
	{"list", "list the open cases [--due due|overdue|stopped] (a break-glass read, audited)"},
	{"show", "print one case by reference or ID as JSON (a break-glass read, audited)"},
}

func runCase(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "case needs a subcommand: due-date, list or show", hint: "callvault case due-date --received 2026-09-03"}
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(e.stdout, "Usage: callvault case <subcommand> [flags]\n\nThe DPO's case desk.\n\nSubcommands:")
		for _, s := range caseSubcommands {
			fmt.Fprintf(e.stdout, "  %-9s %s\n", s.name, s.summary)
		}
		return nil
	case "due-date":
		return runCaseDueDate(ctx, e, args[1:])
	case "list":
		return runCaseList(ctx, e, args[1:])
	case "show":
		return runCaseShow(ctx, e, args[1:])
	}
	return &usageError{msg: fmt.Sprintf("unknown case subcommand %q", args[0]), hint: "run `callvault case --help` for the list"}
}

// runCaseDueDate prints the due date and nothing else on stdout, so that scripts can use it.
func runCaseDueDate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "case due-date", "case due-date --received YYYY-MM-DD [--region england-and-wales|scotland|northern-ireland]\n\n"+
		"Prints the last day to answer a subject access request received that day (the day of receipt is\n"+
		"day one; one calendar month, the month-end and next-working-day rules; bank holidays of the region)", false)
	received := fs.String("received", "", "the day the organisation received the request, by any channel (YYYY-MM-DD)")
	names := make([]string, len(ukcal.Regions))
	for i, r := range ukcal.Regions {
		names[i] = string(r)
	}
	region := fs.String("region", "", "whose bank holidays count: "+strings.Join(names, ", ")+" (default the vault's holiday_region, else "+string(ukcal.DefaultRegion)+")")
	// Nothing but the date on stdout: a mistyped flag gets an error on stderr, not the usage
	// text on stdout (the flag package's habit); --help still prints it.
	usage := fs.Usage
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	if err := parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
		}
		return err
	}
	const example = "callvault case due-date --received 2026-09-03 --region scotland"
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), hint: "the date goes after --received: " + example}
	}
	if *received == "" {
		return &usageError{msg: "--received is required", hint: example}
	}
	day, err := ukcal.ParseDate(*received)
	if err != nil {
		return &usageError{msg: "--received: " + err.Error(), hint: example}
	}
	if *region == "" {
		// The vault's setting (CALLVAULT_HOLIDAY_REGION or its configuration file), so that the
		// command agrees with the due dates the vault gives; a configuration that does not load
		// leaves the default (this command needs no vault).
		// A region set in the environment but misspelt is an error, not the default: the due
		// date would be silently wrong.
		*region = string(ukcal.DefaultRegion)
		source := "--region"
		if v := strings.TrimSpace(e.getenv("CALLVAULT_HOLIDAY_REGION")); v != "" {
			*region, source = v, "CALLVAULT_HOLIDAY_REGION"
		} else if cfg, err := LoadConfig(flag.NewFlagSet("case due-date", flag.ContinueOnError), e.getenv); err == nil && cfg.HolidayRegion != "" {
			*region = cfg.HolidayRegion
		}
		if _, err := ukcal.ParseRegion(*region); err != nil {
			return &usageError{msg: source + ": " + err.Error(), hint: example}
		}
	}
	r, err := ukcal.ParseRegion(*region)
	if err != nil {
		return &usageError{msg: "--region: " + err.Error(), hint: example}
	}
	due, err := sarclock.DueDate(r, day)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, due)
	return err
}
