package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"
)

// runCaseList is `callvault case list [--due due|overdue|stopped] [--json]`: the open cases, as
// the DPO's desk shows them; a break-glass read, audited as cli:<os user>.
func runCaseList(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "case list", "case list [--due due|overdue|stopped] [--json] [flags]\n\n"+
		"Lists the open cases (a break-glass read of the catalogue, audited)", true)
	due := fs.String("due", "", "only subject access cases whose clock is: due (running), overdue or stopped")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return &usageError{msg: fmt.Sprintf("unexpected argument %q", fs.Arg(0)), hint: "callvault case list --due overdue"}
	}
	switch *due {
	case "", "due", "overdue", "stopped":
	default:
		return &usageError{msg: fmt.Sprintf("--due %q is not a filter", *due), hint: "use --due due, --due overdue or --due stopped"}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	list, err := m.Cases.OperatorList(ctx, cliActor(e), *due)
	if err != nil {
		return err
	}
	if *asJSON {
		for _, v := range list {
			v.Case = v.Case.Redacted()
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"cases": list})
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REFERENCE\tTYPE\tRECEIVED\tDUE\tCLOCK\tINCLUDED\tID")
	for _, v := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", v.Reference, v.Type, v.ReceivedAt.Format(time.DateOnly),
			dash(v.DueDate), dash(string(v.Clock)), len(v.Included()), v.ID)
	}
	return tw.Flush()
}

// runCaseShow is `callvault case show REF`: one case, open or closed, as JSON; a break-glass
// read, audited as cli:<os user>.
func runCaseShow(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "case show", "case show [flags] REFERENCE|ID\n\n"+
		"Prints one case as JSON (a break-glass read of the catalogue, audited)", true)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &usageError{msg: "case show needs one case reference or ID", hint: "callvault case show SAR-2026-0007 (see callvault case list)"}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	v, err := m.Cases.OperatorShow(ctx, cliActor(e), fs.Arg(0))
	if err != nil {
		return err
	}
	v.Case = v.Case.Redacted()
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
