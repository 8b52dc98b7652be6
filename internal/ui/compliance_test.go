package ui

import (
	"testing"

	"github.com/callvault/callvault"
)

// TestMonthFigures: a play counts as without a basis unless its event names the grant or the
// case it was made under; reads by the operator or the system are counted apart.
func TestMonthFigures(t *testing.T) {
	mf := &monthFigures{}
	for _, ev := range []*callvault.AuditEvent{
		{Actor: "user:sam", Action: callvault.ActionRecordingListen, Detail: `{"grant":"g1","range":"bytes=0-"}`},
		{Actor: "user:sam", Action: callvault.ActionRecordingDownload, Detail: `{"grant":"g1"}`},
		{Actor: "user:sam", Action: callvault.ActionRecordingListen, Detail: `{"range":"bytes=0-"}`}, // no grant
		{Actor: "link:l1", Action: callvault.ActionCaseLinkAudio, Detail: `{"case":"case:c1","link":"l1"}`},
		{Actor: "user:dora", Action: callvault.ActionCaseDisclose, Detail: `{"reference":"SAR-1"}`}, // no case
		{Actor: "user:dora", Action: callvault.ActionRecordingOpen, Purpose: "case:c1"},
		{Actor: "user:dora", Action: callvault.ActionRecordingOpen}, // no purpose
		{Actor: "cli:root", Action: callvault.ActionRecordingOpen, Purpose: "export"},
		{Actor: "system", Action: callvault.ActionPCICardDataKeyed},
		{Actor: "system", Action: callvault.ActionRecordingPCIStop},
		{Actor: "system", Action: callvault.ActionRecordingDeclined},
		{Actor: "user:mia", Action: callvault.ActionAccessDenied},
	} {
		mf.add(ev)
	}
	want := monthFigures{Events: 12, Reads: 7, ReadsNoBasis: 3, OperatorReads: 1, Denied: 1, CardKeyed: 1, StoppedOrRefuse: 2}
	if *mf != want {
		t.Errorf("figures %+v, want %+v", *mf, want)
	}
}
