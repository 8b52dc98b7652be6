package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/callvault/callvault"
	"github.com/callvault/callvault/internal/audio"
)

// watchRun runs `callvault import ARGS` in this process until stop is called, handing its
// stdout lines to lines.
func watchRun(t *testing.T, args ...string) (lines <-chan string, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var errOut syncBuffer
	ev := testEnv(pw, &errOut)
	done := make(chan struct{})
	go func() {
		run(ctx, append([]string{"import"}, args...), ev.stdin, pw, &errOut, ev.getenv)
		pw.Close()
		close(done)
	}()
	ch := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	return ch, func() string { cancel(); <-done; return errOut.String() }
}

func TestImportWatchSlowWriter(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 4)
	side := filepath.Join(dir, "call-1.json")
	os.WriteFile(side, metaJSON("watch-1", map[string]any{"started_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"ended_at": nil, "announcement_played": "yes"}), 0o600)
	lines, stop := watchRun(t, "watch", dir, "--data", data, "--settle", "400ms", "--poll", "50ms")

	// The recorder writes the file over about three seconds, pausing longer than the settle
	// time once with the file open.
	path := filepath.Join(dir, "call-1.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	piece := len(wav) / 20
	for i := range 20 {
		end := min((i+1)*piece, len(wav))
		if i == 19 {
			end = len(wav)
		}
		f.Write(wav[i*piece : end])
		time.Sleep(100 * time.Millisecond) // the scenario: audio arrives as the call goes on
		if i == 10 {
			time.Sleep(time.Second)
		}
		select {
		case l := <-lines:
			t.Fatalf("imported while still being written: %s", l)
		default:
		}
	}
	f.Close()
	closedAt := time.Now()
	var got string
	select {
	case got = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatalf("not imported after it was closed:\n%s", stop())
	}
	if !strings.Contains(got, "\tstored\t") || time.Since(closedAt) < 0 {
		t.Fatalf("got %q", got)
	}
	sum := sha256.Sum256(wav)
	if !strings.Contains(got, "sha256:"+hex.EncodeToString(sum[:])) {
		t.Errorf("stored %q, want the whole file (sha256 %x)", got, sum)
	}
	errOut := stop()
	// Never offered while open: a partial file would have been tried and failed (or, with a
	// header written at close as MixMonitor does, stored cut short).
	if !strings.Contains(errOut, "1 stored, 0 already stored, 0 refused, 0 waiting, 0 failed") || strings.Contains(errOut, "error:") {
		t.Errorf("summary:\n%s", errOut)
	}

	// Restarted, the watcher finds the file again and stores nothing twice.
	lines, stop = watchRun(t, "watch", dir, "--data", data, "--settle", "400ms", "--poll", "50ms")
	select {
	case got = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatal("the restarted watcher did not look at the file")
	}
	if !strings.Contains(got, "\talready stored\t") {
		t.Errorf("after a restart: %q", got)
	}
	stop()
	m, err := openMain(context.Background(), testEnv(os.Stdout, os.Stderr), mustFlags(t, "--data", data))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rs, _ := m.Catalogue.ListRecordings(context.Background(), "", 100)
	if len(rs) != 1 || rs[0].SourceID != "watch-1" || rs[0].Source != callvault.SourceImport || rs[0].AnnouncementPlayed != callvault.AnnouncementYes {
		t.Errorf("vault holds %d recordings: %+v", len(rs), rs)
	}
}

func TestImportFreePBXWatch(t *testing.T) {
	// The spool is a link to its folder, as /var/spool/asterisk/monitor often is.
	spool, data := filepath.Join(t.TempDir(), "monitor"), t.TempDir()
	if err := os.Symlink(t.TempDir(), spool); err != nil {
		t.Fatal(err)
	}
	calls, cdr, _ := genSpool(t, spool, 6)
	lines, stop := watchRun(t, "freepbx", "--watch", "--spool", spool, "--cdr", cdr, "--tz", "Europe/London",
		"--data", data, "--settle", "300ms", "--poll", "50ms")
	stored := map[string]bool{}
	for len(stored) < len(calls) {
		select {
		case l := <-lines:
			if !strings.Contains(l, "\tstored\t") {
				t.Fatalf("unexpected output %q", l)
			}
			stored[filepath.Base(strings.Split(l, "\t")[2])] = true
		case <-time.After(30 * time.Second):
			t.Fatalf("stored %d of %d:\n%s", len(stored), len(calls), stop())
		}
	}
	// A call that ends later: its recording waits for its CDR record, then is imported.
	late := *calls[0]
	late.uniqueid = "1796000000.900"
	late.file = strings.Replace(calls[0].file, calls[0].uniqueid, late.uniqueid, 1)
	wav, _ := makeWAV(t, audio.PCMFormat(8000, 1), 0.05)
	os.WriteFile(filepath.Join(late.dir, late.file), wav, 0o600)
	loc, _ := time.LoadLocation("Europe/London")
	select {
	case l := <-lines:
		t.Fatalf("imported before its CDR record was written: %q", l)
	case <-time.After(time.Second): // several looks with the file complete and no record
	}
	fh, err := os.OpenFile(cdr, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(late.cdrLine(loc) + "\n")
	fh.Close()
	select {
	case l := <-lines:
		if !strings.Contains(l, "\tstored\t") || !strings.Contains(l, late.file) {
			t.Fatalf("got %q, want %s stored", l, late.file)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("not imported after its CDR record arrived:\n%s", stop())
	}
	errOut := stop()
	for _, want := range []string{"has no record of call " + late.uniqueid, "a party field holds '-'", "7 stored"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}
