package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
)

// ageFiles lists the blob files of a data directory.
func ageFiles(t *testing.T, data string) []string {
	t.Helper()
	var out []string
	filepath.Walk(filepath.Join(data, "blobs"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.HasSuffix(p, ".age") {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestPCIScanMasksStoredRecording: a recording stored with masking off holds the test card
// number. pci scan lists it (16 tones, a card number, no digits) without changing it; pci scan
// --mask stores it again: multimon-ng hears nothing in it any more, the old blob file is gone,
// the remask and the card alert are audited, the DPO's mail is queued, audit verify follows
// the new version, and a second scan finds nothing to do.
func TestPCIScanMasksStoredRecording(t *testing.T) {
	data := t.TempDir()
	m := mainFor(t, "--data", data, "--dtmf-mask", "off")
	wav := cardWAV(t)
	r, _, err := m.Archive.Ingest(context.Background(), callvault.IngestRequest{Actor: "cli:import", Audio: bytes.NewReader(wav),
		Recording: &callvault.Recording{Source: callvault.SourceImport, SourceID: "pbx-export-1", StartedAt: time.Now().Add(-time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	before := ageFiles(t, data)
	if len(before) != 1 {
		t.Fatalf("blob files %v", before)
	}

	code, out, errOut := cli(t, "pci", "scan", "--data", data, "--dpo-email", "dpo@example.org")
	if code != 0 || !strings.Contains(out, r.ID) || !strings.Contains(out, "give --mask") ||
		!strings.Contains(out, "scanned 1 recordings: 1 with tones, 0 masked") {
		t.Fatalf("pci scan = %d\n%s%s", code, out, errOut)
	}
	if fields := strings.Fields(out[strings.Index(out, r.ID):]); fields[2] != "16" || fields[4] != "yes" {
		t.Errorf("scan line %v: want 16 tones and a card number", fields[:5])
	}
	if got := ageFiles(t, data); len(got) != 1 || got[0] != before[0] {
		t.Fatalf("scan without --mask changed the blobs: %v", got)
	}

	code, out, errOut = cli(t, "pci", "scan", "--mask", "--data", data, "--dpo-email", "dpo@example.org")
	if code != 0 || !strings.Contains(out, "masked, stored again") || !strings.Contains(out, "1 masked and stored again") {
		t.Fatalf("pci scan --mask = %d\n%s%s", code, out, errOut)
	}
	after := ageFiles(t, data)
	if len(after) != 1 || after[0] == before[0] {
		t.Errorf("blob files after --mask %v, were %v: want the new version only", after, before)
	}

	m = mainFor(t, "--data", data)
	a, err := m.Archive.Open(context.Background(), "test", r.ID, "check")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := io.ReadAll(io.NewSectionReader(a, 0, a.Size()))
	a.Close()
	if got := multimonDigits(t, stored); got != "" {
		t.Errorf("multimon-ng hears %q after pci scan --mask", got)
	}
	if n := countEvents(t, m, callvault.ActionRecordingRemask); n != 1 {
		t.Errorf("%d recording.remask events, want 1", n)
	}
	if evs := events(t, m, callvault.ActionPCICardDataKeyed); len(evs) != 1 || evs[0].Object != "recording:"+r.ID {
		t.Errorf("card alerts %+v, want one for the recording", evs)
	}
	queued, err := m.Catalogue.(callvault.MailStore).MailMessages(context.Background(), true, "", 10)
	if err != nil || len(queued) != 1 || queued[0].Kind != callvault.MailPCIAlert || queued[0].Reference != r.ID {
		t.Errorf("outbox %+v %v, want the PCI alert", queued, err)
	}
	for _, ev := range events(t, m, "") {
		if strings.Contains(ev.Detail, "4111") || strings.Contains(ev.Detail, "1111111111") {
			t.Errorf("event %d %s holds digits: %s", ev.Seq, ev.Action, ev.Detail)
		}
	}
	m.Close()
	if code, out, errOut := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Fatalf("audit verify after remask: %s%s", out, errOut)
	}
	code, out, errOut = cli(t, "pci", "scan", "--mask", "--all", "--data", data)
	if code != 0 || !strings.Contains(out, "scanned 1 recordings: 0 with tones") {
		t.Errorf("second scan = %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := cli(t, "pci", "--data", data); code == 0 || !strings.Contains(errOut, "scan") {
		t.Errorf("pci without a subcommand = %d %s", code, errOut)
	}
	if code, _, errOut := cli(t, "pci", "scan", "--data", data, "--dpo-email", "Bob <b@x.org>"); code == 0 || !strings.Contains(errOut, "dpo_email") {
		t.Errorf("a bad dpo_email = %d %s", code, errOut)
	}
}
