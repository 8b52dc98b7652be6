package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// ingestAt stores one recording per name, each started at the given time, and returns their IDs.
func ingestAt(t *testing.T, data string, started map[string]string) map[string]string {
	t.Helper()
	src := t.TempDir()
	for name, at := range started {
		wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.2)
		os.WriteFile(filepath.Join(src, name+".wav"), wav, 0o600)
		os.WriteFile(filepath.Join(src, name+".json"), metaJSON("src-"+name, map[string]any{"started_at": at, "ended_at": nil}), 0o600)
	}
	code, out, e := cli(t, "ingest", "--data", data, "--dir", src)
	if code != 0 {
		t.Fatalf("ingest: %s %s", out, e)
	}
	ids := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) >= 3 {
			ids[strings.TrimSuffix(filepath.Base(f[2]), ".wav")] = f[0]
		}
	}
	if len(ids) != len(started) {
		t.Fatalf("ingest output %q names %d recordings, want %d", out, len(ids), len(started))
	}
	return ids
}

func TestHoldCommands(t *testing.T) {
	data := t.TempDir()
	ids := ingestAt(t, data, map[string]string{"held": "2020-01-01T10:00:00Z", "free": "2020-01-02T10:00:00Z"})

	for _, bad := range [][]string{
		{"hold", "add", "--data", data, "--recording", ids["held"], "--reason", "x"},
		{"hold", "add", "--data", data, "--recording", ids["held"], "--reason", "x", "--review", "2027-02-30"},
		{"hold", "add", "--data", data, "--recording", callvault.NewID(), "--reason", "x", "--review", "2099-01-01"},
		{"hold", "release", "--data", data, callvault.NewID()},
	} {
		if code, _, e := cli(t, bad...); code == 0 || !strings.Contains(e, "callvault: error:") {
			t.Errorf("%v: exit %d, stderr %q; want a clear error", bad, code, e)
		}
	}
	code, out, e := cli(t, "hold", "add", "--data", data, "--recording", ids["held"], "--reason", "complaint 17", "--review", "2099-01-01", "--case", "C-17")
	if code != 0 {
		t.Fatalf("hold add: %d %s %s", code, out, e)
	}
	holdID := strings.TrimSpace(out)

	code, out, e = cli(t, "retention", "run", "--data", data)
	if code != 0 || !strings.Contains(out, "deleted 1 recordings") || !strings.Contains(out, "recording "+ids["held"]+": hold "+holdID) {
		t.Fatalf("retention run with a hold: exit %d %q %q", code, out, e)
	}
	code, out, _ = cli(t, "hold", "list", "--data", data, "--json")
	var holds []callvault.Hold
	if code != 0 || json.Unmarshal([]byte(out), &holds) != nil || len(holds) != 1 || holds[0].ID != holdID || holds[0].CaseID != "C-17" {
		t.Fatalf("hold list: %d %q", code, out)
	}
	if code, out, e := cli(t, "hold", "release", "--data", data, "--reason", "complaint closed", holdID); code != 0 {
		t.Fatalf("hold release: %s %s", out, e)
	}
	if code, out, _ := cli(t, "hold", "list", "--data", data); code != 0 || strings.Contains(out, holdID) {
		t.Fatalf("released hold still listed as active: %q", out)
	}
	if code, out, _ := cli(t, "hold", "list", "--data", data, "--all"); code != 0 || !strings.Contains(out, holdID) {
		t.Fatalf("hold list --all misses the released hold: %q", out)
	}
	code, out, _ = cli(t, "retention", "run", "--data", data)
	if code != 0 || !strings.Contains(out, "deleted 1 recordings") || strings.Contains(out, "hold") {
		t.Fatalf("retention run after release: exit %d %q", code, out)
	}
	if code, out, e := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Fatalf("audit verify: %s %s", out, e)
	}
	_, out, _ = cli(t, "audit", "export", "--data", data)
	if strings.Count(out, `"action":"hold.place"`) != 1 || strings.Count(out, `"action":"hold.release"`) != 1 {
		t.Errorf("hold events missing from the audit log")
	}
}
