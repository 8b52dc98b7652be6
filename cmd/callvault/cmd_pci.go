package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/pci"
)

const pciUsage = `Usage: callvault pci scan [--mask] [--all] [--id ID]... [flags]

scan looks for keyed digits (DTMF tones) in stored recordings, for example those imported
before masking existed, and lists those with tones (never which digits). Recordings masked when
they were stored are skipped unless --all is given. Every recording read is audited.

With --mask each recording with tones is stored again masked as the dtmf_mask setting says
(all tones when it is off): a new blob under a new file key, the old blob deleted and its key
overwritten, a recording.remask audit event with the old and new hashes (audit verify follows
the versions), and the DPO told if a card number was keyed.`

func runPCI(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "scan" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, pciUsage)
			return nil
		}
		return &usageError{msg: "pci needs a subcommand: scan", hint: "callvault pci scan, or callvault pci scan --mask"}
	}
	fs := newFlagSet(e, "pci scan", "pci scan [--mask] [--all] [--id ID]... [flags]", true)
	doMask := fs.Bool("mask", false, "store the recordings with tones again, masked (the old audio is destroyed)")
	all := fs.Bool("all", false, "scan recordings masked when they were stored too")
	var ids multiFlag
	fs.Var(&ids, "id", "scan only this recording (repeatable)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	m, err := openMain(ctx, e, fs)
	if err != nil {
		return err
	}
	defer m.Close()
	opts := audio.MaskOptions{}
	if o, _ := m.Config.maskOptions(); o != nil {
		opts = *o
	}
	actor := cliActor(e)
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "RECORDING\tSOURCE\tTONES\tSIGNALLED\tCARD NUMBER\tACTION")
	var scanned, withTones, masked int
	check := func(r *callvault.Recording) error {
		if !*all && len(ids) == 0 && r.Attributes[callvault.AttrDTMFMasked] != "" {
			return nil // masked when it was stored
		}
		scanned++
		res, err := m.Archive.Scan(ctx, actor, r.ID, opts)
		if err != nil {
			return fmt.Errorf("recording %s: %w", r.ID, err)
		}
		if len(res.Report.Masked) == 0 {
			return nil
		}
		withTones++
		action := "none (give --mask to mask)"
		if *doMask {
			if res, err = m.Archive.Remask(ctx, actor, r.ID, opts); err != nil {
				return fmt.Errorf("recording %s: %w", r.ID, err)
			}
			action = "unchanged"
			if res.Remasked {
				masked++
				action = "masked, stored again"
			}
		}
		card := "no"
		if len(res.Report.CardLike) > 0 {
			card = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\t%s\n", r.ID, r.Source, res.Report.InBand, res.Report.Signalled, card, action)
		return nil
	}
	if len(ids) > 0 {
		for _, id := range ids {
			r, err := m.Catalogue.Recording(ctx, id)
			if err != nil {
				return err
			}
			if err := check(r); err != nil {
				return err
			}
		}
	} else {
		for after := ""; ; {
			page, err := m.Catalogue.ListRecordings(ctx, after, 500)
			if err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				if err := check(r); err != nil {
					w.Flush()
					return err
				}
			}
			after = page[len(page)-1].ID
		}
	}
	w.Flush()
	fmt.Fprintf(e.stdout, "scanned %d recordings: %d with tones, %d masked and stored again\n", scanned, withTones, masked)
	return nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (f *multiFlag) String() string     { return fmt.Sprint(*f) }
func (f *multiFlag) Set(v string) error { *f = append(*f, v); return nil }

// pciAlerter is the card-data alert of the archive: an audit event and a mail to the DPO: every
// enabled user with role dpo and an e-mail address, or the dpo_email setting when there is none.
func (m *Main) pciAlerter() *pci.Alerter {
	store, _ := m.Catalogue.(pci.Store) // every catalogue has the outbox
	users, _ := m.Catalogue.(interface {
		Users(ctx context.Context) ([]*callvault.User, error)
	})
	return &pci.Alerter{
		Store:      store,
		DPO:        dpoRecipients{users: users, fallback: m.Config.DPOEmail},
		Link:       func(id string) string { return m.Config.publicURL() + "/recordings/" + id },
		AfterAudit: m.afterAudit,
		Logger:     m.Logger,
	}
}

// dpoRecipients are the addresses the DPO is mailed at: the users with role dpo (enabled, with an
// e-mail address), else the dpo_email setting.
type dpoRecipients struct {
	users interface {
		Users(ctx context.Context) ([]*callvault.User, error)
	}
	fallback []string
}

func (d dpoRecipients) DPOAddresses(ctx context.Context) ([]string, error) {
	var out []string
	if d.users != nil {
		us, err := d.users.Users(ctx)
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if u.Has(callvault.RoleDPO) && !u.Disabled() && u.Email != "" {
				out = append(out, u.Email)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, d.fallback...)
	}
	return out, nil
}

// validateDPOEmail checks the dpo_email setting.
func (c *MailConfig) validateDPOEmail() error {
	for _, a := range c.DPOEmail {
		if err := callvault.ValidMailAddress(a); err != nil {
			return configError("dpo_email", callvault.ErrorMessage(err), "e.g. --dpo-email dpo@example.org")
		}
	}
	return nil
}
