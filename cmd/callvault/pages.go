package main

import (
	"context"
	"crypto/ed25519"
	"io"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/audit"
	"github.com/callvault/callvault/internal/report"
	"github.com/callvault/callvault/internal/retention"
	"github.com/callvault/callvault/internal/ui"
)

// pages wires the web pages to the same services as the API. The audit verifications the
// pages start belong to the server's lifetime ctx; stop cancels one in progress and waits for
// it, before server.stop is written.
func (m *Main) pages(ctx context.Context) (pages *ui.Pages, stop func()) {
	zone, _ := m.Config.zone() // validated with the config
	cfg := ui.Config{Identity: m.Identity, Access: m.Access, Rules: m.Access.Rules, Zone: zone,
		Now: m.Now, Logger: m.Logger, PublicURL: m.Config.PublicURL,
		Tokens:   m.tokenAdmin(),
		Settings: ui.Settings{RetentionMonths: m.Config.RetentionMonths, Unrecorded: m.Config.Unrecorded, NoticeFile: m.Config.NoticeFile}}
	if log, ok := m.Catalogue.(ui.AuditLog); ok { // every backend queries its log (callvault.AuditQueryStore)
		cfg.AuditLog = log
	}
	if r, err := m.retentionStatus(); err == nil {
		cfg.Retention = func(ctx context.Context) (*retention.Status, error) { return r.Read(ctx) }
	}
	if rs, ok := m.Catalogue.(callvault.RetentionStore); ok {
		cfg.Recompute = rs.RecomputeState
	}
	if m.Cases != nil {
		cfg.CaseCounts = m.Cases.Counts
	}
	if m.Retention != nil && m.Retention.Store != nil {
		cfg.RetentionPeriod = m.Retention // the retention period set in the browser (retsetting)
	}
	jobs := audit.NewVerifyJobs(ctx, audit.VerifyJobsConfig{Store: m.Catalogue, Blobs: m.Blobs, Now: m.Now,
		Key: func() ed25519.PublicKey { return m.Keys.VerifyKey() },
		Options: func(ctx context.Context) (audit.VerifyOptions, error) {
			vaultID, err := audit.VaultID(ctx, m.Catalogue)
			if err != nil {
				return audit.VerifyOptions{}, err
			}
			witness, _, err := readWitnesses(vaultID, m.Config.WitnessPath(), nil)
			return audit.VerifyOptions{Witness: witness}, err
		},
		Broken: func(first audit.Problem) {
			if m.Checkpointer != nil {
				m.Checkpointer.Refuse("an audit verification found the log broken (" + first.String() + ")")
			}
		},
		Append: func(ctx context.Context, ev *callvault.AuditEvent) error {
			if err := m.Catalogue.AppendAudit(ctx, ev); err != nil {
				return err
			}
			m.afterAudit(ctx)
			return nil
		}})
	// The player's waveform, staff flags and the listening page (uiplayer).
	cfg.Peaks = func(a io.ReaderAt, size int64, buckets int) ([][]int8, error) {
		w, err := audio.Peaks(a, size, buckets)
		if err != nil {
			return nil, err
		}
		return w.Peaks, nil
	}
	cfg.Organisation = m.Config.OrganisationName
	if m.Cases != nil {
		cfg.Flags = m.Cases
	}
	cfg.Verify = jobs
	// The DPO's pages: the case desk (with its holds) and reports.
	if m.Cases != nil {
		cfg.Cases = m.Cases
	}
	if audit, ok := m.Catalogue.(report.Audit); ok {
		cfg.Reports = &report.Service{Rules: m.Access.Rules, Recordings: m.Catalogue, Audit: audit, Now: m.Now, AfterAudit: m.afterAudit}
	}
	return ui.New(cfg), jobs.Close
}
