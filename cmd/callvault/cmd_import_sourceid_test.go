package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
	"github.com/callvault/callvault/internal/importer"
)

// TestImportFreePBXSourceIDsHoldNoNumbers: FreePBX imports name recordings without the parties
// of the file name, whose numbers would otherwise outlive the recording in its tombstone and
// audit events; recordings stored under the earlier, number-bearing source IDs are neither
// stored again nor, once deleted, brought back by a later run.
func TestImportFreePBXSourceIDsHoldNoNumbers(t *testing.T) {
	spool, data := t.TempDir(), t.TempDir()
	old := time.Now().Add(-time.Hour)
	recent := time.Now().UTC().Add(-2 * time.Hour).Truncate(time.Second)
	expired := time.Date(2020, 1, 5, 10, 0, 0, 0, time.UTC)
	file := func(kind, a, b string, at time.Time, seq int) string {
		name := fmt.Sprintf("%s-%s-%s-%s-%d.%d.wav", kind, a, b, at.Format("20060102-150405"), at.Unix(), seq)
		dir := filepath.Join(spool, at.Format("2006/01/02"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 0.02+float64(seq)/100)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, wav, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, old, old)
		return p
	}
	deletedLegacy := file("out", "07700900111", "201", expired, 1)    // imported under the old ID, then swept
	liveLegacy := file("in", "02079460000", "07700900222", recent, 2) // imported under the old ID, still kept
	fresh := file("out", "07700900333", "202", recent, 3)
	const dialled, ext = "07700900857", "73915"
	swept := file("out", dialled, ext, expired, 4) // imported now, expired on arrival, then swept

	// An earlier version's import: the same metadata under "freepbx/<uniqueid>/<file name>".
	for _, p := range []string{deletedLegacy, liveLegacy} {
		n, err := importer.ParseName(filepath.Base(p), time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		meta := importer.DescribeFreePBX(n, nil)
		meta.SourceID = importer.LegacyFreePBXSourceID(n)
		mp := filepath.Join(t.TempDir(), "meta.json")
		os.WriteFile(mp, meta.JSON(), 0o600)
		if code, out, e := cli(t, "ingest", "--data", data, p, "--meta", mp); code != 0 {
			t.Fatalf("legacy ingest of %s: %s %s", p, out, e)
		}
	}
	if code, out, e := cli(t, "retention", "run", "--data", data); code != 0 || !strings.Contains(out, "deleted 1 recordings") {
		t.Fatalf("retention run: exit %d %s %s", code, out, e)
	}

	args := []string{"import", "freepbx", "--data", data, "--spool", spool, "--tz", "UTC", "--settle", "1m"}
	for run := 1; run <= 2; run++ {
		code, out, errOut := cli(t, args...)
		want := "2 stored, 1 already stored, 0 refused, 0 waiting, 1 failed"
		if run == 2 {
			want = "0 stored, 3 already stored, 0 refused, 0 waiting, 1 failed"
		}
		if code != 1 || !strings.Contains(errOut, want) ||
			!strings.Contains(errOut, filepath.Base(deletedLegacy)+": this recording was stored before") {
			t.Fatalf("run %d: exit %d, want 1 and %q and the deleted legacy recording refused\n%s\n%s", run, code, want, out, errOut)
		}
		for _, p := range []string{fresh, swept} {
			if state := "stored"; run == 2 || !strings.Contains(out, "\t"+state+"\t"+p) {
				if !strings.Contains(out, "\talready stored\t"+p) {
					t.Errorf("run %d: %s neither stored nor already stored:\n%s", run, p, out)
				}
			}
		}
	}
	// --delete-source verifies a file against the recording stored under its legacy ID too.
	code, out, errOut := cli(t, append(args, "--delete-source")...)
	if code != 1 || !strings.Contains(errOut, "0 stored, 3 already stored, 0 refused, 0 waiting, 1 failed") {
		t.Fatalf("--delete-source run: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, p := range []string{liveLegacy, fresh, swept} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("--delete-source kept %s (%v):\n%s", p, err, errOut)
		}
	}
	got := vaultSummary(t, data)
	sourceID := func(p string, legacy bool) string {
		n, _ := importer.ParseName(filepath.Base(p), time.UTC)
		if legacy {
			return importer.LegacyFreePBXSourceID(n)
		}
		return importer.FreePBXSourceID(n)
	}
	for _, id := range []string{sourceID(liveLegacy, true), sourceID(fresh, false), sourceID(swept, false)} {
		if _, ok := got[id]; !ok {
			t.Errorf("vault lacks %s; it holds %v", id, mapKeys(got))
		}
	}
	if len(got) != 3 {
		t.Errorf("vault holds %d recordings, want 3 (none stored twice, the deleted one not back): %v", len(got), mapKeys(got))
	}

	if code, out, e := cli(t, "retention", "run", "--data", data); code != 0 || !strings.Contains(out, "deleted 1 recordings") {
		t.Fatalf("second retention run: exit %d %s %s", code, out, e)
	}
	// Neither the dialled number nor the extension survives the deletion anywhere: not in the
	// tombstone, the receipt, the ingest event, nor anywhere in the catalogue's files.
	token := regexp.MustCompile(`(^|[^0-9A-Za-z])(` + dialled + `|` + strings.TrimPrefix(dialled, "0") + `|` + ext + `)([^0-9A-Za-z]|$)`)
	m, err := openMain(context.Background(), testEnv(os.Stdout, os.Stderr), mustFlags(t, "--data", data))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := m.Catalogue.TombstoneBySource(context.Background(), callvault.SourceImport, sourceID(swept, false))
	m.Close()
	if err != nil {
		t.Fatalf("the swept recording has no tombstone: %v", err)
	}
	tj, _ := json.Marshal(ts)
	if token.Match(tj) {
		t.Errorf("the tombstone holds the number or extension: %s", tj)
	}
	_, export, _ := cli(t, "audit", "export", "--data", data, "--since", "2000-01-01")
	var ingest, receipt bool
	for _, line := range strings.Split(export, "\n") {
		if !strings.Contains(line, "recording:"+ts.ID) {
			continue
		}
		ingest = ingest || strings.Contains(line, `"recording.ingest"`)
		receipt = receipt || strings.Contains(line, `"recording.delete"`)
		if token.MatchString(line) {
			t.Errorf("an audit event of the swept recording holds the number or extension: %s", line)
		}
		if strings.Contains(line, `"recording.delete"`) && strings.Contains(line, "source_id") {
			t.Errorf("the deletion receipt names a source ID: %s", line)
		}
	}
	if !ingest || !receipt {
		t.Errorf("the export lacks the swept recording's ingest (%v) or receipt (%v)", ingest, receipt)
	}
	for _, f := range []string{"catalogue.db", "catalogue.db-wal"} {
		b, err := os.ReadFile(filepath.Join(data, f))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if loc := token.FindIndex(b); loc != nil {
			t.Errorf("%s holds the swept call's number or extension: %q", f, b[max(0, loc[0]-40):min(len(b), loc[1]+40)])
		}
	}
	if code, out, e := cli(t, "audit", "verify", "--data", data); code != 0 {
		t.Errorf("audit verify: %s %s", out, e)
	}
}

func mapKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
