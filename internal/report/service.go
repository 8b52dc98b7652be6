package report

import (
	"context"
	"encoding/json"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// Audit is what the reports need of the audit log: to record each read, and to read the PCI
// guard's events of a range through the catalogue's indexes (callvault.AuditQueryStore).
type Audit interface {
	AppendAudit(ctx context.Context, ev *callvault.AuditEvent) error
	callvault.AuditQueryStore
}

// Service makes the reports for signed-in people, asking Rules first and auditing each read.
type Service struct {
	Rules      *access.Rules
	Recordings Finder
	Audit      Audit
	Now        func() time.Time
	// AfterAudit, if set, is called after each audit event (checkpoints).
	AfterAudit func(ctx context.Context)
}

// MaxRows bounds the rows a page's report holds; the counts are always whole.
const MaxRows = 1000

// AnnouncementReport is the inbound calls of a range without announcement evidence.
type AnnouncementReport struct {
	From, To time.Time
	Counts
	Calls     []*callvault.Recording // the first MaxRows
	Truncated bool
}

// Announcements is the report of inbound calls started in [from, to) without evidence that the
// caller heard the announcement. KindInvalid for an empty or reversed range.
func (s *Service) Announcements(ctx context.Context, p *callvault.Principal, from, to time.Time) (*AnnouncementReport, error) {
	if err := s.check(p, callvault.ActReportAnnouncements); err != nil {
		return nil, err
	}
	if from.IsZero() || to.IsZero() || !to.After(from) {
		return nil, callvault.FieldErrors{{Field: "to", Problem: "must be after from"}}.Err()
	}
	if err := s.audited(ctx, p, "report:announcements", from, to); err != nil {
		return nil, err
	}
	out := &AnnouncementReport{From: from, To: to}
	n, err := ScanAnnouncements(ctx, s.Recordings, from, to, func(r *callvault.Recording) error {
		if len(out.Calls) < MaxRows {
			out.Calls = append(out.Calls, r)
		} else {
			out.Truncated = true
		}
		return nil
	})
	out.Counts = n
	return out, err
}

// PCIAlert is one card-data alert of the PCI guard: when, which recording (its metadata while
// it lives, never audio) and whether the DPO was mailed.
type PCIAlert struct {
	Seq         int64
	At          time.Time
	RecordingID string
	Recording   *callvault.Recording // nil once deleted
	Masked      string               // how many stretches were masked ("" when masking was off)
	DPOMailed   bool
}

// PCIAlerts lists the card-data alerts (callvault.ActionPCICardDataKeyed events) of [from, to),
// newest first, at most MaxRows.
func (s *Service) PCIAlerts(ctx context.Context, p *callvault.Principal, from, to time.Time) ([]*PCIAlert, error) {
	if err := s.check(p, callvault.ActPCIAlertList); err != nil {
		return nil, err
	}
	if !to.After(from) {
		return nil, callvault.FieldErrors{{Field: "to", Problem: "must be after from"}}.Err()
	}
	if err := s.audited(ctx, p, "report:pci_alerts", from, to); err != nil {
		return nil, err
	}
	// The newest MaxRows alerts of the range, read by action and time through the catalogue's
	// indexes, however much of the log lies before or after the range.
	evs, err := s.Audit.QueryAudit(ctx, callvault.AuditQuery{Action: callvault.ActionPCICardDataKeyed,
		Since: from, Until: to, Newest: true, Limit: MaxRows})
	if err != nil {
		return nil, err
	}
	out := make([]*PCIAlert, 0, len(evs))
	for _, ev := range evs {
		out = append(out, alertOf(ev))
	}
	for _, a := range out {
		if r, err := s.Recordings.Recording(ctx, a.RecordingID); err == nil {
			a.Recording = r
		} else if !callvault.IsKind(err, callvault.KindNotFound) {
			return nil, err
		}
	}
	return out, nil
}

func alertOf(ev *callvault.AuditEvent) *PCIAlert {
	a := &PCIAlert{Seq: ev.Seq, At: ev.Time, RecordingID: trimPrefix(ev.Object, "recording:")}
	var d struct {
		Masked    string `json:"masked_spans"`
		DPOMailed int    `json:"dpo_mailed"`
	}
	_ = json.Unmarshal([]byte(ev.Detail), &d) // an unreadable detail leaves the facts blank
	a.Masked, a.DPOMailed = d.Masked, d.DPOMailed > 0
	return a
}

func trimPrefix(s, prefix string) string {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}

func (s *Service) check(p *callvault.Principal, a callvault.Action) error {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	if d := s.Rules.Decide(p, a, access.Object{Now: now}); !d.Allow {
		return &access.Denied{Decision: d}
	}
	return nil
}

// audited records that p read report object over [from, to).
func (s *Service) audited(ctx context.Context, p *callvault.Principal, object string, from, to time.Time) error {
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	ev := &callvault.AuditEvent{Time: now.UTC(), Actor: string(p.Actor), Action: callvault.ActionReportRead, Object: object,
		RequestID: callvault.RequestIDFrom(ctx),
		Detail:    callvault.AuditDetail(map[string]any{"since": from.UTC().Format(time.RFC3339), "until": to.UTC().Format(time.RFC3339)})}
	if err := s.Audit.AppendAudit(ctx, ev); err != nil {
		return err
	}
	if s.AfterAudit != nil {
		s.AfterAudit(ctx)
	}
	return nil
}
