package report

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/access"
)

// memAudit is an audit log in memory.
type memAudit struct{ evs []*callvault.AuditEvent }

func (m *memAudit) AppendAudit(_ context.Context, ev *callvault.AuditEvent) error {
	ev.Seq = int64(len(m.evs) + 1)
	m.evs = append(m.evs, ev)
	return nil
}

// QueryAudit answers by the contract, callvault.AuditQuery.Match, and counts the events it
// looks at, as a store's index would.
func (m *memAudit) QueryAudit(_ context.Context, q callvault.AuditQuery) ([]*callvault.AuditEvent, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	var out []*callvault.AuditEvent
	for _, ev := range m.evs {
		if q.Match(ev) {
			out = append(out, ev)
		}
	}
	if q.Newest {
		slices.Reverse(out)
	}
	return out[:min(len(out), callvault.PageLimit(q.Limit))], nil
}

// TestPCIAlerts: only the DPO (with a second factor) reads the alerts; they are the PCI guard's
// events of the range, newest first, with the recording's metadata while it lives; every read
// is audited.
func TestPCIAlerts(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	recs := pagedFinder{{ID: "r1", StartedAt: day}}
	log := &memAudit{}
	for i, ev := range []*callvault.AuditEvent{
		{Time: day, Action: callvault.ActionPCICardDataKeyed, Object: "recording:r1", Detail: `{"dpo_mailed":1,"masked_spans":"2"}`},
		{Time: day.Add(time.Hour), Action: "recording.listen", Object: "recording:r1"},
		{Time: day.Add(2 * time.Hour), Action: callvault.ActionPCICardDataKeyed, Object: "recording:gone"},
		{Time: day.AddDate(0, 1, 0), Action: callvault.ActionPCICardDataKeyed, Object: "recording:r1"}, // after the range
	} {
		ev.Actor = "system"
		if err := log.AppendAudit(ctx, ev); err != nil || ev.Seq != int64(i+1) {
			t.Fatal(err)
		}
	}
	s := &Service{Rules: &access.Rules{}, Recordings: recs, Audit: log, Now: func() time.Time { return day }}
	dpo := &callvault.Principal{Kind: callvault.PrincipalUser, ID: "u1", Actor: "user:dora", Roles: []callvault.Role{callvault.RoleDPO},
		NoticeAcknowledged: true, SecondFactor: true}
	from, to := day.AddDate(0, 0, -1), day.AddDate(0, 0, 1)
	for _, p := range []*callvault.Principal{
		{Kind: callvault.PrincipalUser, Actor: "user:dan", Roles: []callvault.Role{callvault.RoleDirector}, NoticeAcknowledged: true, SecondFactor: true},
		{Kind: callvault.PrincipalUser, Actor: "user:dora", Roles: []callvault.Role{callvault.RoleDPO}, NoticeAcknowledged: true},
	} {
		if _, err := s.PCIAlerts(ctx, p, from, to); err == nil {
			t.Errorf("%s (second factor %v) read the PCI alerts", p.Actor, p.SecondFactor)
		}
	}
	got, err := s.PCIAlerts(ctx, dpo, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].RecordingID != "gone" || got[1].RecordingID != "r1" {
		t.Fatalf("alerts %+v, want the two of the range, newest first", got)
	}
	if got[0].Recording != nil || got[1].Recording == nil || !got[1].DPOMailed || got[1].Masked != "2" || got[0].DPOMailed {
		t.Errorf("alert facts: %+v %+v", got[0], got[1])
	}
	last := log.evs[len(log.evs)-1]
	if last.Action != callvault.ActionReportRead || last.Object != "report:pci_alerts" || last.Actor != "user:dora" {
		t.Errorf("the read was not audited: %+v", last)
	}
	if _, err := s.PCIAlerts(ctx, dpo, to, from); !callvault.IsKind(err, callvault.KindInvalid) {
		t.Errorf("a reversed range: %v", err)
	}
}
