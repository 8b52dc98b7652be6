package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// TestUploadStartTimes: an upload's started_at goes through the start-time rule: a 1970 date or
// a future one is a 400 naming the field; a zone-less time is read as UTC and noted; a call
// already past retention is stored and flagged (in the answer, the catalogue and the audit
// event), never silently expired.
func TestUploadStartTimes(t *testing.T) {
	s := startServer(t, "")
	token := createToken(t, s.data, "recorder", "pbx")
	wav, _ := makeWAV(t, audio.MuLawFormat(8000, 1), 0.5)
	now := time.Now().UTC()
	send := func(id, started string) uploadResult {
		return uploadWAVMeta(t, s.url, token, metaJSON(id, map[string]any{"started_at": started, "ended_at": nil}), wav)
	}

	for _, tt := range []struct{ started, want string }{
		{"1970-01-01T00:00:00Z", "started_at 1970-01-01T00:00:00Z is before 2000-01-01"},
		{now.Add(time.Hour).Format(time.RFC3339), "in the future"},
	} {
		if r := send("bad-"+tt.started, tt.started); r.status != http.StatusBadRequest || !strings.Contains(r.raw, tt.want) {
			t.Errorf("started_at %s: %d %s, want 400 with %q", tt.started, r.status, r.raw, tt.want)
		}
	}

	zoneless := now.Add(-time.Hour).Format("2006-01-02T15:04:05")
	r := send("zoneless", zoneless)
	if r.status != http.StatusCreated || r.body["expired_on_arrival"] != false {
		t.Fatalf("zone-less start: %d %s", r.status, r.raw)
	}
	ctx := context.Background()
	rec, err := s.main.Catalogue.Recording(ctx, r.body["id"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if rec.StartedAt.Format("2006-01-02T15:04:05") != zoneless || rec.StartedAt.Location() != time.UTC ||
		rec.Attributes[callvault.AttrReportedStartTime] != zoneless || !strings.Contains(rec.Attributes[callvault.AttrStartTimeNote], "read as UTC") {
		t.Errorf("zone-less start stored as %v with attributes %v", rec.StartedAt, rec.Attributes)
	}

	old := send("old", now.AddDate(0, -8, 0).Format(time.RFC3339)) // retention is 6 months
	if old.status != http.StatusCreated || old.body["expired_on_arrival"] != true {
		t.Fatalf("a call past retention: %d %s, want 201 flagged expired_on_arrival", old.status, old.raw)
	}
	if again := send("old", now.AddDate(0, -8, 0).Format(time.RFC3339)); again.status != http.StatusOK || again.body["expired_on_arrival"] != true {
		t.Errorf("retry of a call past retention: %d %s", again.status, again.raw)
	}
	rec, err = s.main.Catalogue.Recording(ctx, old.body["id"].(string))
	if err != nil || rec.Attributes[callvault.AttrExpiredOnArrival] != "true" {
		t.Fatalf("catalogue: %v %v", rec, err)
	}
	evs, err := s.main.Catalogue.AuditEvents(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	flagged := 0
	for _, ev := range evs {
		if ev.Action == callvault.ActionRecordingIngest && strings.Contains(string(ev.Detail), `"expired_on_arrival":true`) {
			flagged++
			if ev.Object != "recording:"+rec.ID {
				t.Errorf("flagged event for %s, want %s", ev.Object, rec.ID)
			}
		}
	}
	if flagged != 1 {
		t.Errorf("%d ingest events flagged expired_on_arrival, want 1", flagged)
	}
}

// TestIngestDirStartTimesAndSource: `callvault ingest --dir` applies the same rule, imports are
// source "import" whatever their metadata says (the claim is kept), and an old file is imported
// with a warning.
func TestIngestDirStartTimesAndSource(t *testing.T) {
	data, src := t.TempDir(), t.TempDir()
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 0.5)
	now := time.Now().UTC()
	files := map[string]map[string]any{
		"epoch":    {"started_at": "1970-01-01T00:00:00", "ended_at": nil, "source": nil},
		"future":   {"started_at": now.Add(24 * time.Hour).Format(time.RFC3339), "ended_at": nil, "source": nil},
		"upload":   {"started_at": now.Add(-time.Hour).Format(time.RFC3339), "ended_at": nil, "source": "upload"},
		"old":      {"started_at": now.AddDate(-2, 0, 0).Format("2006-01-02T15:04:05"), "ended_at": nil, "source": nil},
		"unmarked": {"started_at": now.Add(-time.Hour).Format(time.RFC3339), "ended_at": nil, "source": nil},
	}
	for name, extra := range files {
		os.WriteFile(filepath.Join(src, name+".wav"), wav, 0o600)
		os.WriteFile(filepath.Join(src, name+".json"), metaJSON("dir-"+name, extra), 0o600)
	}
	code, out, errOut := cli(t, "ingest", "--data", data, "--dir", src)
	if code == 0 || !strings.Contains(errOut, "2 of 5") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"epoch.json: started_at 1970-01-01T00:00:00Z is before 2000-01-01",
		"future.json: started_at",
		"old.wav started " + now.AddDate(-2, 0, 0).Format("2006-01-02T15:04:05") + "Z and its retention ended",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if n := strings.Count(out, "\tstored\t"); n != 3 {
		t.Errorf("stored %d, want old, upload and unmarked:\n%s", n, out)
	}
	m, err := openMain(context.Background(), testEnv(os.Stdout, os.Stderr), mustFlags(t, "--data", data))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, name := range []string{"old", "upload", "unmarked"} {
		r, err := m.Catalogue.RecordingBySource(context.Background(), callvault.SourceImport, "dir-"+name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := r.Attributes[callvault.AttrExpiredOnArrival] == "true"; got != (name == "old") {
			t.Errorf("%s: expired_on_arrival %t", name, got)
		}
		if got, want := r.Attributes[callvault.AttrClaimedSource], map[bool]string{true: "upload"}[name == "upload"]; got != want {
			t.Errorf("%s: claimed source %q, want %q", name, got, want)
		}
	}
}

func mustFlags(t *testing.T, args ...string) *flag.FlagSet {
	t.Helper()
	fs := newFlagSet(testEnv(io.Discard, io.Discard), "test", "test", true)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}
