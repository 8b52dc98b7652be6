package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/report"
)

// actionReport is the audit action of a report read, the pages' too.
const actionReport = callvault.ActionReportRead

func runReport(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "announcements" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: callvault report announcements [--since DATE] [--until DATE] [flags]\n\n"+
				"Lists inbound calls for which there is no evidence that the caller heard the recording\n"+
				"announcement (announcement_played is \"no\" or \"unknown\"), for the Data Protection Officer.")
			return nil
		}
		return &usageError{msg: "report needs a subcommand: announcements", hint: "callvault report announcements --since 2026-11-01"}
	}
	fs := newFlagSet(e, "report announcements", "report announcements [--since DATE] [--until DATE] [flags]", true)
	since := fs.String("since", "", "calls started at or after this time (RFC 3339 or a date); default 30 days ago")
	until := fs.String("until", "", "calls started before this time (RFC 3339 or a date); default now")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	from, err := parseWhen("--since", *since, time.Now().AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	to, err := parseWhen("--until", *until, time.Now())
	if err != nil {
		return err
	}
	if !to.After(from) {
		return &usageError{msg: "--until must be after --since", hint: "e.g. --since 2026-11-01 --until 2026-12-01"}
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	// The report reads catalogue metadata of many recordings: it is audited like any read.
	if err := m.audit(ctx, cliActor(e), actionReport, "report:announcements",
		map[string]any{"since": from.Format(time.RFC3339), "until": to.Format(time.RFC3339)}); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STARTED\tRECORDING\tSOURCE\tANNOUNCEMENT\tLINE\tEXTERNAL NUMBER")
	n, err := report.ScanAnnouncements(ctx, m.Catalogue, from, to, func(r *callvault.Recording) error {
		_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.StartedAt.Format(time.RFC3339), r.ID, r.Source, r.AnnouncementPlayed,
			r.Line, report.ExternalNumber(r))
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d of %d inbound calls between %s and %s have no evidence that the announcement was played\n",
		n.Missing, n.Inbound, from.Format(time.RFC3339), to.Format(time.RFC3339))
	return nil
}

// parseWhen parses an RFC 3339 time or a date, or returns def for "".
func parseWhen(flag, v string, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	return time.Time{}, &usageError{msg: fmt.Sprintf("%s %q is not a time", flag, v), hint: "use RFC 3339 (2026-11-01T00:00:00Z) or a date (2026-11-01)"}
}
